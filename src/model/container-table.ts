import type { ContainerIdentity, ContainerRecord, ContainerStateProblem } from './records.js';

/** Cgroups and processes whose container was resolved since the last tick. */
export interface ContainerChanges {
  cgroupIds: ReadonlySet<number>;
  pids: ReadonlySet<number>;
}

/**
 * What each cgroup id turned out to be: a container, or the host (null) — and, on hybrid hosts
 * where a shared v2 cgroup hides them, the containers of single processes. Sources resolve a
 * cgroup once, when its first task shows up, so the table keeps everything it was told of
 * until it holds more than `capacity`; then what no socket refers to goes, oldest first.
 */
export class ContainerTable {
  private readonly byCgroupId = new Map<number, ContainerIdentity | null>();
  private readonly byPid = new Map<number, ContainerIdentity>();
  private changedCgroupIds = new Set<number>();
  private changedPids = new Set<number>();
  private readonly problems = new Map<ContainerStateProblem, number>();

  constructor(private readonly capacity: number) {}

  /** The container of a socket's owner; null for the host and for what is not resolved (yet). */
  get(cgroupId: number | null, pid: number | null): ContainerIdentity | null {
    if (pid !== null) {
      const ofProcess = this.byPid.get(pid);
      if (ofProcess !== undefined) return ofProcess;
    }
    return cgroupId === null ? null : (this.byCgroupId.get(cgroupId) ?? null);
  }

  update(record: ContainerRecord): void {
    // Re-inserting moves the entry to the newest end of the Map's insertion order. Only a
    // container that differs from what was known marks its connections for republishing: on a
    // hybrid host every new process of a shared cgroup is resolved again to the same answer,
    // and republished, that was every connection of the cgroup every tick.
    if (record.pid !== null && record.container !== null) {
      const known = this.byPid.get(record.pid);
      this.byPid.delete(record.pid);
      this.byPid.set(record.pid, record.container);
      if (!sameContainer(known, record.container)) this.changedPids.add(record.pid);
    } else {
      const known = this.byCgroupId.get(record.cgroupId);
      this.byCgroupId.delete(record.cgroupId);
      this.byCgroupId.set(record.cgroupId, record.container);
      if (!sameContainer(known ?? null, record.container)) this.changedCgroupIds.add(record.cgroupId);
    }
    if (record.problem !== null) this.problems.set(record.problem, (this.problems.get(record.problem) ?? 0) + 1);
  }

  /** What was resolved since the previous call: connections owned from it must be republished. */
  takeChanged(): ContainerChanges {
    const changes = { cgroupIds: this.changedCgroupIds, pids: this.changedPids };
    this.changedCgroupIds = new Set();
    this.changedPids = new Set();
    return changes;
  }

  /** Why runtime state files were of no use, per reason, over the whole capture. */
  problemCounts(): Partial<Record<ContainerStateProblem, number>> {
    return Object.fromEntries([...this.problems].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  prune(referenced: { cgroupIds: ReadonlySet<number>; pids: ReadonlySet<number> }): void {
    pruneOldestUnreferenced(this.byCgroupId, referenced.cgroupIds, this.capacity);
    pruneOldestUnreferenced(this.byPid, referenced.pids, this.capacity);
  }
}

function pruneOldestUnreferenced<T>(entries: Map<number, T>, referenced: ReadonlySet<number>, capacity: number): void {
  let excess = entries.size - capacity;
  for (const key of entries.keys()) {
    if (excess <= 0) return;
    if (referenced.has(key)) continue;
    entries.delete(key);
    excess--;
  }
}

/** Whether a connection would show the same container either way (undefined: none was known). */
function sameContainer(known: ContainerIdentity | null | undefined, container: ContainerIdentity | null): boolean {
  if (known === undefined) return false;
  if (known === null || container === null) return known === container;
  return JSON.stringify(known) === JSON.stringify(container);
}
