/**
 * Which container each cgroup is, resolved once per cgroup id, off the per-event path: records
 * only note the ids they carry (a Map lookup), and once a tick the new ids are resolved —
 * cgroup path, then the runtime's state files — and handed on as container records.
 */
import type { ContainerIdentity, ContainerRecord, ContainerStateProblem } from '../model/records.js';
import { CgroupPaths } from './cgroup-paths.js';
import { containerFromCgroupPath, type CgroupContainerMatch } from './cgroup-container.js';
import type { HostPaths } from '../probes/host-paths.js';
import { describeContainer, type RuntimeStateRoots } from './runtime-state.js';
import { runtimeStateRoots } from './runtime-state-roots.js';

/** Cgroups (and processes) remembered as resolved; past it the oldest are forgotten, and resolved again if seen. */
const MAX_RESOLVED = 10_000;
/** A daemon started (or restarted with other flags) after netscope is found this much later at most. */
const ROOTS_REFRESH_MS = 30_000;
const CONTAINER_ID = /^[0-9a-f]{64}$/;

type Resolution = { container: ContainerIdentity | null; problem: ContainerStateProblem | null };

export class ContainerResolver {
  private readonly cgroups: CgroupPaths;
  private readonly resolvedCgroups = new Set<number>();
  /**
   * v2 cgroups shared by tasks of different containers (a hybrid host whose runtime used v1
   * controllers only): their tasks are resolved one process at a time, by their v1 paths.
   */
  private readonly sharedCgroups = new Set<number>();
  private readonly resolvedPids = new Set<number>();
  /** New cgroup ids, each with a pid seen in it. */
  private readonly pendingCgroups = new Map<number, number>();
  /** Processes of shared cgroups, with their cgroup id. */
  private readonly pendingPids = new Map<number, number>();
  private roots: RuntimeStateRoots;
  private rootsReadAtMs: number;

  constructor(
    private readonly paths: HostPaths,
    nowMs: number,
  ) {
    this.cgroups = new CgroupPaths(paths);
    this.roots = runtimeStateRoots(paths);
    this.rootsReadAtMs = nowMs;
  }

  /** A task of `cgroupId` was seen; cheap when the cgroup is known. */
  note(cgroupId: number, pid: number): void {
    if (cgroupId === 0) return;
    if (!this.resolvedCgroups.has(cgroupId)) {
      const firstPid = this.pendingCgroups.get(cgroupId);
      if (firstPid === undefined) this.pendingCgroups.set(cgroupId, pid);
      // Should the cgroup turn out shared, its other tasks are resolved one by one.
      else if (firstPid !== pid && !this.resolvedPids.has(pid)) this.pendingPids.set(pid, cgroupId);
    } else if (this.sharedCgroups.has(cgroupId) && !this.resolvedPids.has(pid)) {
      this.pendingPids.set(pid, cgroupId);
    }
  }

  /** Resolves what was noted since the last call. */
  resolvePending(nowMs: number): ContainerRecord[] {
    if (this.pendingCgroups.size === 0 && this.pendingPids.size === 0) return [];
    this.cgroups.startPass();
    const records: ContainerRecord[] = [];
    for (const [cgroupId, pid] of this.pendingCgroups) {
      const location = this.cgroups.locate(cgroupId, pid);
      const fromV2 = location === null ? null : containerFromCgroupPath(location.v2Path);
      if (fromV2 === null && this.cgroups.hybrid) {
        // Any task of it may be in a container by its v1 paths alone, whichever task was seen first.
        this.sharedCgroups.add(cgroupId);
        records.push({ kind: 'container', atMs: nowMs, cgroupId, pid: null, container: null, problem: null });
        const fromV1 = firstMatch(location?.v1Paths ?? []);
        if (fromV1 !== null) records.push({ kind: 'container', atMs: nowMs, cgroupId, pid, ...this.describe(fromV1, nowMs) });
        remember(this.resolvedPids, pid);
      } else {
        records.push({ kind: 'container', atMs: nowMs, cgroupId, pid: null, ...this.describe(fromV2, nowMs) });
      }
      const forgotten = remember(this.resolvedCgroups, cgroupId);
      if (forgotten !== undefined) this.sharedCgroups.delete(forgotten);
    }
    for (const [pid, cgroupId] of this.pendingPids) {
      // Noted beside the first task of a new cgroup that turned out not to be shared.
      if (!this.sharedCgroups.has(cgroupId)) continue;
      const match = firstMatch(this.cgroups.v1PathsOf(pid));
      if (match !== null) records.push({ kind: 'container', atMs: nowMs, cgroupId, pid, ...this.describe(match, nowMs) });
      remember(this.resolvedPids, pid);
    }
    this.pendingCgroups.clear();
    this.pendingPids.clear();
    return records;
  }

  private describe(match: CgroupContainerMatch | null, nowMs: number): Resolution {
    if (match === null) return { container: null, problem: null };
    let lookup = describeContainer(match, this.roots);
    if (lookup.problem === 'notFound' && nowMs - this.rootsReadAtMs >= ROOTS_REFRESH_MS) {
      this.roots = runtimeStateRoots(this.paths);
      this.rootsReadAtMs = nowMs;
      lookup = describeContainer(match, this.roots);
    }
    const unconfirmedContainerd = match.containerdNamespace !== null && lookup.problem === 'notFound';
    if (!unconfirmedContainerd) return { container: lookup.container, problem: lookup.problem };
    // `/<namespace>/<id>` is containerd's only if containerd has that container; an id shaped
    // like every engine's is still some container, of a runtime netscope does not know.
    if (!CONTAINER_ID.test(match.id)) return { container: null, problem: null };
    return { container: { ...lookup.container, runtime: 'unknown' }, problem: 'notFound' };
  }
}

function firstMatch(paths: readonly string[]): CgroupContainerMatch | null {
  for (const path of paths) {
    const match = containerFromCgroupPath(path);
    if (match !== null) return match;
  }
  return null;
}

/** @returns the key forgotten to make room, if any. */
function remember(resolved: Set<number>, key: number): number | undefined {
  resolved.add(key);
  if (resolved.size <= MAX_RESOLVED) return undefined;
  // A Set iterates in insertion order: the first is the oldest.
  const oldest = resolved.values().next().value as number;
  resolved.delete(oldest);
  return oldest;
}
