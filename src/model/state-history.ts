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
import type { TcpStateNumber } from './records.js';
import type { StateStay } from './snapshot-types.js';
import { tcpStateName } from './tcp-states.js';

/** Every history before its first state. */
export const NO_STAYS: readonly StateStay[] = Object.freeze([]);

/**
 * The published histories of a single open stay, by state and start, last made first. The
 * connections open when netscope starts are first seen by one pass, a few reads of it each
 * stamped with one time, and live on in that one stay: at 20,000 open connections 40,000
 * arrays of one stay, equal but for their identity (4 MB). Published stays are never changed
 * (see recordStay), so such connections share one.
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
 * Where a connection keeps its history: the stays, and the history's bookkeeping in one small
 * integer (the bits below). Not an object of its own: a history object with a field for each
 * was 72 bytes on every connection of the table, and under churn one more object for the
 * collector to promote with each.
 */
export interface HistoryHolder {
  /** As last published, or while OWNED this history's own working copy. */
  stays: readonly StateStay[];
  historyBits: number;
}

/** The state of the latest stay (TCP_NEW_SYN_RECV, the highest, is 12). */
const STATE_MASK = 0x1f;
/** `stays` is this history's own working copy, which no snapshot holds. */
const OWNED = 0x20;
/** The working copy has no room beyond its stays (a splice can leave some), so it is published as it is. */
const EXACT = 0x40;
/**
 * Above the flags: where the stays begin, in the working copy, that were made since the copy (no
 * snapshot holds them either: they may change in place).
 */
const FRESH_SHIFT = 7;

function freshFrom(history: HistoryHolder): number {
  return history.historyBits >>> FRESH_SHIFT;
}

function setFreshFrom(history: HistoryHolder, fresh: number): void {
  history.historyBits = (history.historyBits & (STATE_MASK | OWNED | EXACT)) | (fresh << FRESH_SHIFT);
}

function clearExact(history: HistoryHolder): void {
  history.historyBits &= ~EXACT;
}

function setCurrent(history: HistoryHolder, state: TcpStateNumber): void {
  history.historyBits = (history.historyBits & ~STATE_MASK) | state;
}

/** The stays as this history may change them (see `stays`); callers check OWNED first. */
function working(history: HistoryHolder): StateStay[] {
  return history.stays as StateStay[];
}

/** The state of the latest stay. Only valid once something was recorded. */
export function currentState(history: HistoryHolder): TcpStateNumber {
  return (history.historyBits & STATE_MASK) as TcpStateNumber;
}

/** When the latest stay began (-Infinity while empty). */
export function currentStateSinceMs(history: HistoryHolder): number {
  return history.stays.at(-1)?.atMs ?? -Infinity;
}

/**
 * Records that the connection was in `state` from `atMs`, keeping at most `maxStays`. Returns
 * false when that adds nothing: the connection was already in that state just before.
 */
export function recordStay(history: HistoryHolder, state: TcpStateNumber, atMs: number, maxStays: number): boolean {
  const name = tcpStateName(state);
  const stays = history.stays;
  if (stays.length === 0) {
    // The first state: an array of one. A push onto an empty copy reserved room for 17, and
    // a first pass over 40,000 open sockets promoted 6 MB of that room before its first tick.
    history.stays = [{ state: name, atMs, durationMs: null }];
    history.historyBits = state | OWNED | EXACT;
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
    next = ownStays(history);
    next[position] = { state: name, atMs, durationMs };
  } else if (following === undefined) {
    next = appendStay(history, { state: name, atMs, durationMs: null });
    setCurrent(history, state);
  } else {
    next = ownStays(history);
    next.splice(position, 0, { state: name, atMs, durationMs: following.atMs - atMs });
    clearExact(history);
    // The stays after it moved one on; it is new, but counted as held (the fresh ones stay one run).
    if (position < freshFrom(history)) setFreshFrom(history, freshFrom(history) + 1);
  }
  endStayBefore(history, next, position, atMs);
  if (next.length > maxStays) {
    next.splice(1, 1);
    clearExact(history);
    if (freshFrom(history) > 1) setFreshFrom(history, freshFrom(history) - 1);
  }
  return true;
}

/** The stays with `stay` after them, as the working copy: a new array of exactly their number. */
function appendStay(history: HistoryHolder, stay: StateStay): StateStay[] {
  const stays = history.stays;
  // The stays a snapshot holds are shared into the new array, but are not fresh: never changed in place.
  const fresh = (history.historyBits & OWNED) === 0 ? stays.length : freshFrom(history);
  // Copied by hand: `concat` takes V8's generic path, about 150 ns against 20 for the loop,
  // and under churn it was 4.4% of the main thread's time.
  const next = new Array<StateStay>(stays.length + 1);
  for (let index = 0; index < stays.length; index++) next[index] = stays[index]!;
  next[stays.length] = stay;
  history.stays = next;
  history.historyBits = (history.historyBits & STATE_MASK) | OWNED | EXACT | (fresh << FRESH_SHIFT);
  return next;
}

/** The stay before `position` ends at `atMs`, unless it is known to have ended earlier. */
function endStayBefore(history: HistoryHolder, stays: StateStay[], position: number, atMs: number): void {
  const previous = stays[position - 1];
  if (previous === undefined) return;
  // Keep an earlier end: it is the true end when the stay after it was dropped by the limit.
  if (previous.durationMs !== null && atMs >= previous.atMs + previous.durationMs) return;
  if (position - 1 >= freshFrom(history)) previous.durationMs = atMs - previous.atMs;
  else stays[position - 1] = { state: previous.state, atMs: previous.atMs, durationMs: atMs - previous.atMs };
}

/** The stays as an array this history may change: a copy when a snapshot holds them. */
function ownStays(history: HistoryHolder): StateStay[] {
  if ((history.historyBits & OWNED) === 0) {
    const copy = history.stays.slice();
    history.stays = copy;
    history.historyBits = (history.historyBits & STATE_MASK) | OWNED | EXACT | (copy.length << FRESH_SHIFT);
  }
  return working(history);
}

/**
 * The latest stay was really `state`: a close that left a timewait sock behind lives on as
 * TIME_WAIT (or as the FIN_WAIT2 it was already in, which then simply goes on). Returns false
 * when that changes nothing.
 */
export function reviseLatestStay(history: HistoryHolder, state: TcpStateNumber): boolean {
  const name = tcpStateName(state);
  const latest = history.stays.at(-1);
  if (latest === undefined || latest.state === name) return false;
  const before = history.stays.at(-2);
  const stays = ownStays(history);
  if (before?.state === name) {
    stays.splice(-2, 2, { state: name, atMs: before.atMs, durationMs: null });
    clearExact(history);
  } else stays[stays.length - 1] = { state: name, atMs: latest.atMs, durationMs: null };
  setFreshFrom(history, Math.min(freshFrom(history), stays.length));
  setCurrent(history, state);
  return true;
}

/** SYN_SENT → ESTABLISHED: from the first SYN_SENT stay to the ESTABLISHED stay after it. */
export function handshakeMs(history: HistoryHolder): number | null {
  const stays = history.stays;
  const synSentIndex = stays.findIndex((stay) => stay.state === 'SYN_SENT');
  if (synSentIndex === -1) return null;
  const established = stays.find((stay, index) => index > synSentIndex && stay.state === 'ESTABLISHED');
  return established === undefined ? null : established.atMs - (stays[synSentIndex] as StateStay).atMs;
}

/** The stays as published: never mutated, the same array until the next change. */
export function publishedStays(history: HistoryHolder): readonly StateStay[] {
  const bits = history.historyBits;
  if ((bits & OWNED) !== 0) {
    const stays = working(history);
    // Exact size: a working copy spliced in place can have room for stays it will never hold.
    if (stays.length === 1 && stays[0]!.durationMs === null) history.stays = sharedOpenStay(stays[0]!);
    else if ((bits & EXACT) === 0) history.stays = stays.slice();
    history.historyBits = bits & ~OWNED;
  }
  return history.stays;
}
