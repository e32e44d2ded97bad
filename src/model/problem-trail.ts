/**
 * A connection's problems in time: when each kind first and last happened, and its last few
 * problem events. Only a connection that has had a problem allocates a trail, so a table of
 * quiet connections pays nothing for it.
 */

/** A kind of trouble a connection can have. Drops are only those whose reason matters (real loss). */
export type ProblemKind = 'retransmit' | 'reset' | 'drop';

/** One problem a connection had. */
export interface ProblemEvent {
  /** When, ms since the epoch. */
  atMs: number;
  kind: ProblemKind;
  /** Resets: `sent` or `received`; drops: the kernel's reason name; retransmits: null. */
  detail: string | null;
}

/** The first and last time (ms since the epoch) one kind of problem happened. */
export interface ProblemSpan {
  firstAtMs: number;
  lastAtMs: number;
}

/** Per kind, when it first and last happened; null for a kind that never did. */
export interface ProblemTimes {
  retransmits: ProblemSpan | null;
  resets: ProblemSpan | null;
  drops: ProblemSpan | null;
}

/** Problem events a connection keeps: the newest, oldest dropped first. */
export const PROBLEM_TRAIL_LENGTH = 16;

/** The last PROBLEM_TRAIL_LENGTH problem events of one connection, in time order. */
export class ProblemTrail {
  private readonly events: ProblemEvent[] = [];

  add(event: ProblemEvent): void {
    // Records can arrive a little out of order (per-CPU ring buffers): keep the trail in time order.
    let at = this.events.length;
    while (at > 0 && (this.events[at - 1] as ProblemEvent).atMs > event.atMs) at--;
    this.events.splice(at, 0, event);
    if (this.events.length > PROBLEM_TRAIL_LENGTH) this.events.shift();
  }

  /** The events, oldest first (a new array: snapshots are never mutated). */
  toArray(): ProblemEvent[] {
    return [...this.events];
  }
}
