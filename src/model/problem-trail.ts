/**
 * A connection's problems: how many retransmits and resets it had, when each kind first and last
 * happened, and its last few problem events. Only a connection that has had a problem allocates
 * a trail, so a table of quiet connections pays nothing for it: as nine fields in every row of
 * the table's columns these cost 72 bytes a connection (7 MB in a table of 100,000), nearly all
 * of them never set.
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

/** Shared by every connection without problem times: published times are never mutated. */
export const NO_PROBLEM_TIMES: ProblemTimes = Object.freeze({ retransmits: null, resets: null, drops: null });

/** The problems of one connection, its last PROBLEM_TRAIL_LENGTH events in time order. */
export class ProblemTrail {
  /** Retransmits the probe reported one by one (the kernel's own count is on the connection). */
  retransmitRecords = 0;
  resetsSent = 0;
  resetsReceived = 0;
  private readonly spans: Record<ProblemKind, ProblemSpan | null> = { retransmit: null, reset: null, drop: null };
  private readonly events: ProblemEvent[] = [];

  add(event: ProblemEvent): void {
    this.noteTime(event.kind, event.atMs);
    // Records can arrive a little out of order (per-CPU ring buffers): keep the trail in time order.
    let at = this.events.length;
    while (at > 0 && (this.events[at - 1] as ProblemEvent).atMs > event.atMs) at--;
    this.events.splice(at, 0, event);
    if (this.events.length > PROBLEM_TRAIL_LENGTH) this.events.shift();
  }

  /** Widens the kind's first–last span to `atMs` (records arrive a little out of order). */
  noteTime(kind: ProblemKind, atMs: number): void {
    const span = this.spans[kind];
    if (span === null) {
      this.spans[kind] = { firstAtMs: atMs, lastAtMs: atMs };
      return;
    }
    if (atMs < span.firstAtMs) span.firstAtMs = atMs;
    if (atMs > span.lastAtMs) span.lastAtMs = atMs;
  }

  /** When each kind first and last happened, as published: new objects, since the spans here go on changing. */
  times(): ProblemTimes {
    const { retransmit, reset, drop } = this.spans;
    return { retransmits: copyOf(retransmit), resets: copyOf(reset), drops: copyOf(drop) };
  }

  /** The events, oldest first (a new array: snapshots are never mutated); null while there are none. */
  toArray(): ProblemEvent[] | null {
    return this.events.length === 0 ? null : [...this.events];
  }
}

function copyOf(span: ProblemSpan | null): ProblemSpan | null {
  return span === null ? null : { firstAtMs: span.firstAtMs, lastAtMs: span.lastAtMs };
}
