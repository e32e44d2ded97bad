import type { ConnectionEntry } from './connection-entry.js';
import type { IntegerMap } from './integer-map.js';

/** The connection table, by cookie. */
type ConnectionTable = Pick<IntegerMap<ConnectionEntry>, 'get' | 'size' | 'forEach'>;
/** The closed connections, by cookie. */
type ClosedConnections = Pick<IntegerMap<ConnectionEntry>, 'valuesArray' | 'size' | 'forEach'>;

/** Closed connections, earliest close first. */
function byClosedAt(a: ConnectionEntry, b: ConnectionEntry): number {
  return (a.closedAtMs as number) - (b.closedAtMs as number) || a.cookie - b.cookie;
}

function byIdleLongest(a: ConnectionEntry, b: ConnectionEntry): number {
  return a.lastActivityAtMs - b.lastActivityAtMs || a.cookie - b.cookie;
}

/**
 * The closed connections the retention policy removes at a tick, in no particular order: those
 * closed at least `retentionMs` ago, then the earliest closed beyond `maxClosed`.
 */
export function closedPastRetention(
  closed: ClosedConnections,
  nowMs: number,
  retentionMs: number,
  maxClosed: number,
): ConnectionEntry[] {
  const expiredAtMs = nowMs - retentionMs;
  if (closed.size <= maxClosed) {
    // Within the cap only the expired go, seldom any: after a storm the table keeps its 10,000
    // closed rows for their minute.
    const expired: ConnectionEntry[] = [];
    closed.forEach((connection) => {
      if ((connection.closedAtMs as number) <= expiredAtMs) expired.push(connection);
    });
    return expired;
  }
  // Under churn the cap is passed every tick: ranking every closed row by an object comparator
  // (20,000 at 8,000 connections/s) was 2.3% of the main thread's time. The expired are the
  // earliest closed, so the rows to remove are the earliest closed, as many as the larger of
  // the two counts.
  const connections = closed.valuesArray();
  const closedAtMs = closeTimes(connections);
  let expired = 0;
  for (let index = 0; index < closedAtMs.length; index++) if (closedAtMs[index]! <= expiredAtMs) expired++;
  return smallestByTime(connections, closedAtMs, Math.max(expired, connections.length - maxClosed));
}

/**
 * Each connection's close time, by index, read once. `Float64Array.from` with a mapping function
 * takes the iterator path, slower than the comparator sort it would save.
 */
function closeTimes(connections: readonly ConnectionEntry[]): Float64Array {
  const times = new Float64Array(connections.length);
  for (let index = 0; index < connections.length; index++) times[index] = connections[index]!.closedAtMs as number;
  return times;
}

/**
 * The `count` connections with the smallest `times` (by index; the lower id on a tie), in no
 * particular order. Sorting a typed array of numbers is far cheaper than sorting the entries:
 * the cut-off time is found first (and the cut-off id among those at exactly that time).
 */
function smallestByTime(connections: ConnectionEntry[], times: Float64Array, count: number): ConnectionEntry[] {
  if (count >= connections.length) return connections;
  const cutoffTime = smallest(times.slice(), count);
  const chosen: ConnectionEntry[] = [];
  const atCutoff: ConnectionEntry[] = [];
  for (let index = 0; index < connections.length; index++) {
    const time = times[index]!;
    if (time < cutoffTime) chosen.push(connections[index]!);
    else if (time === cutoffTime) atCutoff.push(connections[index]!);
  }
  if (chosen.length + atCutoff.length === count) return chosen.concat(atCutoff);
  const cookies = new Float64Array(atCutoff.length);
  for (let index = 0; index < atCutoff.length; index++) cookies[index] = atCutoff[index]!.cookie;
  const cutoffCookie = smallest(cookies, count - chosen.length);
  for (const connection of atCutoff) if (connection.cookie <= cutoffCookie) chosen.push(connection);
  return chosen;
}

/**
 * Chooses whom to evict when the connection table is at its hard cap: closed connections first
 * (earliest close), then the open ones idle longest.
 *
 * Ranking the whole table for every new connection would make a full table quadratic, so
 * victims are chosen a batch at a time and handed out one by one. The batch stays right while
 * it lasts: a connection left out was less idle than every open victim and its activity only
 * grows, and a new one is the least idle of all. A victim that became active again is skipped,
 * and the batch is dropped when a connection closes (a closed one now goes before open victims).
 */
export class CapacityEviction {
  private victims: ConnectionEntry[] = [];
  private activityAtChoiceMs: number[] = [];
  private nextVictim = 0;
  private holdsOpenVictims = false;

  constructor(private readonly batchSize: number) {}

  /** The next connection to evict; undefined only when the table is empty. */
  take(
    connections: ConnectionTable,
    closed: ClosedConnections,
  ): ConnectionEntry | undefined {
    for (;;) {
      while (this.nextVictim < this.victims.length) {
        const victim = this.victims[this.nextVictim] as ConnectionEntry;
        const activityAtChoiceMs = this.activityAtChoiceMs[this.nextVictim] as number;
        this.nextVictim++;
        if (connections.get(victim.cookie) !== victim) continue;
        if (victim.isOpen && victim.lastActivityAtMs !== activityAtChoiceMs) continue;
        return victim;
      }
      if (connections.size === 0) return undefined;
      this.choose(connections, closed);
    }
  }

  /** A connection closed: it now ranks before any open victim already chosen. */
  noteClosed(): void {
    if (!this.holdsOpenVictims) return;
    this.victims = [];
    this.activityAtChoiceMs = [];
    this.nextVictim = 0;
    this.holdsOpenVictims = false;
  }

  private choose(connections: ConnectionTable, closed: ClosedConnections): void {
    const closedRows = closed.valuesArray();
    const victims = smallestByTime(closedRows, closeTimes(closedRows), this.batchSize).sort(byClosedAt);
    const openNeeded = this.batchSize - victims.length;
    if (openNeeded > 0) victims.push(...idlestOpen(connections, openNeeded));
    this.victims = victims;
    this.activityAtChoiceMs = victims.map((victim) => victim.lastActivityAtMs);
    this.nextVictim = 0;
    this.holdsOpenVictims = victims.some((victim) => victim.isOpen);
  }
}

/** The `count` open connections idle longest, idlest first (the lower id on a tie). */
function idlestOpen(connections: ConnectionTable, count: number): ConnectionEntry[] {
  const open: ConnectionEntry[] = [];
  connections.forEach((connection) => {
    if (connection.isOpen) open.push(connection);
  });
  const activityAtMs = new Float64Array(open.length);
  for (let index = 0; index < open.length; index++) activityAtMs[index] = open[index]!.lastActivityAtMs;
  return smallestByTime(open, activityAtMs, count).sort(byIdleLongest);
}

/** The `rank`-th smallest of `values` (1-based). */
function smallest(values: Float64Array, rank: number): number {
  return values.sort()[rank - 1] as number;
}
