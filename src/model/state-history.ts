import type { TcpStateNumber } from './records.js';
import type { StateStay } from './snapshot-types.js';
import { tcpStateName } from './tcp-states.js';

const NO_STAYS: readonly StateStay[] = Object.freeze([]);

/**
 * The published histories of a single open stay, by state and start, last made first. The
 * connections open when netscope starts are first seen by one pass, a few reads of it each
 * stamped with one time, and live on in that one stay: at 20,000 open connections 40,000
 * arrays of one stay, equal but for their identity (4 MB). Published stays are never changed
 * (see StateHistory), so such connections share one.
 */
const RECENT_OPEN_STAYS = 8;
const recentOpenStays: (readonly StateStay[])[] = [];

function sharedOpenStay(stay: StateStay): readonly StateStay[] {
  for (const stays of recentOpenStays) {
    const shared = stays[0] as StateStay;
    if (shared.atMs === stay.atMs && shared.state === stay.state) return stays;
  }
  const stays = [stay];
  recentOpenStays.unshift(stays);
  if (recentOpenStays.length > RECENT_OPEN_STAYS) recentOpenStays.pop();
  return stays;
}

/**
 * The states one connection went through, ordered by time, kept as the very array of stays the
 * snapshot publishes. The first change after a snapshot took the array copies it (copy-on-write),
 * later ones change the copy in place, and publishing hands on an exact-size array: states change
 * a few times in a connection's life, while the table holds every connection between changes —
 * one exact-size array per connection, shared with its snapshots. A stay appended makes a new
 * exact-size array rather than pushing: a push onto a full array reserves room for 16 more, and
 * under churn, where a connection lives all its states within one tick, that room lived until the
 * tick and was promoted with it (184 bytes a connection).
 *
 * Events and samples reach the model slightly out of order (the ring buffer is drained before
 * the sampling pass, but sockets keep changing meanwhile), so a state is inserted at its time
 * rather than appended. When the stays exceed the limit, the first one and the most recent ones
 * are kept; a stay keeps the duration it had, so its true end survives the stays after it.
 */
export class StateHistory {
  private stays: readonly StateStay[] = NO_STAYS;
  /** `stays` when it is this history's own working copy, which no snapshot holds; else null. */
  private working: StateStay[] | null = null;
  /** In the working copy, where the stays begin that were made since the copy (no snapshot holds them either: they may change in place). */
  private freshFrom = 0;
  /** The working copy has no room beyond its stays (a splice can leave some), so it is published as it is. */
  private workingExact = true;
  private currentState = 0 as TcpStateNumber;

  constructor(private readonly maxStays: number) {}

  /** The state of the latest stay. Only valid once something was recorded. */
  get current(): TcpStateNumber {
    return this.currentState;
  }

  /** When the latest stay began (-Infinity while empty). */
  get currentSinceMs(): number {
    return this.stays.at(-1)?.atMs ?? -Infinity;
  }

  /**
   * Records that the connection was in `state` from `atMs`. Returns false when that adds nothing:
   * the connection was already in that state just before.
   */
  record(state: TcpStateNumber, atMs: number): boolean {
    const name = tcpStateName(state);
    const stays = this.stays;
    if (stays.length === 0) {
      // The first state: an array of one. A push onto an empty copy reserved room for 17, and
      // a first pass over 40,000 open sockets promoted 6 MB of that room before its first tick.
      this.working = [{ state: name, atMs, durationMs: null }];
      this.stays = this.working;
      this.freshFrom = 0;
      this.workingExact = true;
      this.currentState = state;
      return true;
    }
    let position = stays.length;
    while (position > 0 && (stays[position - 1] as StateStay).atMs > atMs) position--;
    if (position > 0 && (stays[position - 1] as StateStay).state === name) return false;
    const following = stays[position];
    let next: StateStay[];
    if (following !== undefined && following.state === name) {
      // An earlier sighting of the stay that follows: it began sooner than we knew.
      const durationMs = following.durationMs === null ? null : following.atMs + following.durationMs - atMs;
      next = this.ownStays();
      next[position] = { state: name, atMs, durationMs };
    } else if (following === undefined) {
      next = this.appendStay({ state: name, atMs, durationMs: null });
      this.currentState = state;
    } else {
      next = this.ownStays();
      next.splice(position, 0, { state: name, atMs, durationMs: following.atMs - atMs });
      this.workingExact = false;
      // The stays after it moved one on; it is new, but counted as held (the fresh ones stay one run).
      if (position < this.freshFrom) this.freshFrom++;
    }
    this.endStayBefore(next, position, atMs);
    if (next.length > this.maxStays) {
      next.splice(1, 1);
      this.workingExact = false;
      if (this.freshFrom > 1) this.freshFrom--;
    }
    return true;
  }

  /** The stays with `stay` after them, as the working copy: a new array of exactly their number. */
  private appendStay(stay: StateStay): StateStay[] {
    // The stays a snapshot holds are shared into the new array, but are not fresh: never changed in place.
    if (this.working === null) this.freshFrom = this.stays.length;
    // Copied by hand: `concat` takes V8's generic path, about 150 ns against 20 for the loop,
    // and under churn it was 4.4% of the main thread's time.
    const stays = this.stays;
    const next = new Array<StateStay>(stays.length + 1);
    for (let index = 0; index < stays.length; index++) next[index] = stays[index]!;
    next[stays.length] = stay;
    this.working = next;
    this.stays = next;
    this.workingExact = true;
    return next;
  }

  /** The stay before `position` ends at `atMs`, unless it is known to have ended earlier. */
  private endStayBefore(stays: StateStay[], position: number, atMs: number): void {
    const previous = stays[position - 1];
    if (previous === undefined) return;
    // Keep an earlier end: it is the true end when the stay after it was dropped by the limit.
    if (previous.durationMs !== null && atMs >= previous.atMs + previous.durationMs) return;
    if (position - 1 >= this.freshFrom) previous.durationMs = atMs - previous.atMs;
    else stays[position - 1] = { state: previous.state, atMs: previous.atMs, durationMs: atMs - previous.atMs };
  }

  /** The stays as an array this history may change: a copy when a snapshot holds them. */
  private ownStays(): StateStay[] {
    if (this.working === null) {
      this.working = this.stays.slice();
      this.stays = this.working;
      this.freshFrom = this.working.length;
      this.workingExact = true;
    }
    return this.working;
  }

  /**
   * The latest stay was really `state`: a close that left a timewait sock behind lives on as
   * TIME_WAIT (or as the FIN_WAIT2 it was already in, which then simply goes on). Returns false
   * when that changes nothing.
   */
  reviseLatest(state: TcpStateNumber): boolean {
    const name = tcpStateName(state);
    const latest = this.stays.at(-1);
    if (latest === undefined || latest.state === name) return false;
    const before = this.stays.at(-2);
    const stays = this.ownStays();
    if (before?.state === name) {
      stays.splice(-2, 2, { state: name, atMs: before.atMs, durationMs: null });
      this.workingExact = false;
    } else stays[stays.length - 1] = { state: name, atMs: latest.atMs, durationMs: null };
    this.freshFrom = Math.min(this.freshFrom, stays.length);
    this.currentState = state;
    return true;
  }

  /** SYN_SENT → ESTABLISHED: from the first SYN_SENT stay to the ESTABLISHED stay after it. */
  handshakeMs(): number | null {
    const synSentIndex = this.stays.findIndex((stay) => stay.state === 'SYN_SENT');
    if (synSentIndex === -1) return null;
    const established = this.stays.find((stay, index) => index > synSentIndex && stay.state === 'ESTABLISHED');
    return established === undefined ? null : established.atMs - (this.stays[synSentIndex] as StateStay).atMs;
  }

  /** The stays as published: never mutated, the same array until the next change. */
  toStays(): readonly StateStay[] {
    const working = this.working;
    if (working !== null) {
      // Exact size: a working copy spliced in place can have room for stays it will never hold.
      if (working.length === 1 && working[0]!.durationMs === null) this.stays = sharedOpenStay(working[0]!);
      else if (!this.workingExact) this.stays = working.slice();
      this.working = null;
    }
    return this.stays;
  }
}

