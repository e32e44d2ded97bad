import type { ContainerIdentity, ContainerRecord, ContainerStateProblem } from './records.js';

/**
 * What each cgroup id turned out to be: a container, or the host (null). Sources resolve a
 * cgroup once, when its first task shows up, so the table keeps every cgroup it was told of
 * until it holds more than `capacity`; then the cgroups no socket refers to go, oldest first.
 */
export class ContainerTable {
  private readonly byCgroupId = new Map<number, ContainerIdentity | null>();
  /** Cgroups resolved since the last tick: connections owned from them must be republished. */
  private changed = new Set<number>();
  private readonly problems = new Map<ContainerStateProblem, number>();

  constructor(private readonly capacity: number) {}

  /** The container of a cgroup; null for a host cgroup and for one not resolved (yet). */
  get(cgroupId: number | null): ContainerIdentity | null {
    if (cgroupId === null) return null;
    return this.byCgroupId.get(cgroupId) ?? null;
  }

  update(record: ContainerRecord): void {
    // Re-inserting moves the cgroup to the newest end of the Map's insertion order.
    this.byCgroupId.delete(record.cgroupId);
    this.byCgroupId.set(record.cgroupId, record.container);
    this.changed.add(record.cgroupId);
    if (record.problem !== null) this.problems.set(record.problem, (this.problems.get(record.problem) ?? 0) + 1);
  }

  /** Cgroups resolved since the previous call. */
  takeChanged(): ReadonlySet<number> {
    const changed = this.changed;
    this.changed = new Set();
    return changed;
  }

  /** Why runtime state files were of no use, per reason, over the whole capture. */
  problemCounts(): Partial<Record<ContainerStateProblem, number>> {
    return Object.fromEntries([...this.problems].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  prune(referencedCgroupIds: ReadonlySet<number>): void {
    let excess = this.byCgroupId.size - this.capacity;
    if (excess <= 0) return;
    for (const cgroupId of this.byCgroupId.keys()) {
      if (excess === 0) return;
      if (referencedCgroupIds.has(cgroupId)) continue;
      this.byCgroupId.delete(cgroupId);
      excess--;
    }
  }
}
