import type { OwnerRecord } from './records.js';

/** What user space resolved about one process (from /proc). */
export interface ProcessInfo {
  comm: string;
  /** Redacted command line. */
  cmdline: string;
  uid: number;
  user: string;
  /** When an owner record last described this pid, ms since the epoch. */
  updatedAtMs: number;
}

/**
 * Per-pid process details, filled by every owner record. Connections keep only the pid; their
 * snapshot reads comm, cmdline and user from here.
 */
export class ProcessTable {
  private readonly byPid = new Map<number, ProcessInfo>();
  /** Pids whose details changed since the last tick: their connections must be republished. */
  private changed = new Set<number>();

  get(pid: number): ProcessInfo | undefined {
    return this.byPid.get(pid);
  }

  update(record: OwnerRecord): void {
    const known = this.byPid.get(record.pid);
    if (
      known === undefined ||
      known.comm !== record.comm ||
      known.cmdline !== record.cmdline ||
      known.uid !== record.uid ||
      known.user !== record.user
    ) {
      this.changed.add(record.pid);
    }
    this.byPid.set(record.pid, {
      comm: record.comm,
      cmdline: record.cmdline,
      uid: record.uid,
      user: record.user,
      updatedAtMs: record.atMs,
    });
  }

  /** Pids changed since the previous call. */
  takeChanged(): ReadonlySet<number> {
    const changed = this.changed;
    this.changed = new Set();
    return changed;
  }

  /**
   * Forgets processes no connection or listener refers to and that no owner record described
   * since `staleBeforeMs`, so a long capture of short-lived processes stays bounded.
   */
  prune(referencedPids: ReadonlySet<number>, staleBeforeMs: number): void {
    for (const [pid, info] of this.byPid) {
      if (info.updatedAtMs < staleBeforeMs && !referencedPids.has(pid)) this.byPid.delete(pid);
    }
  }
}
