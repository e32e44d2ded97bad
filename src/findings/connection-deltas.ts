/**
 * What each connection did since the previous tick: the model publishes cumulative counters,
 * the findings need the increments. An unchanged connection is the very object the model
 * published last tick, so comparing references skips nearly every connection of a quiet table.
 */
import type { ConnectionSnapshot, ModelSnapshot } from '../model/snapshot-types.js';

/** One connection's increments over the last tick. */
export interface ConnectionDelta {
  segmentsSent: number;
  retransmits: number;
  resetsSent: number;
  resetsReceived: number;
  /** Drops of class `matters`, by reason, in the connection's order (most frequent first). */
  mattersDrops: readonly (readonly [reason: string, count: number])[];
  /** The handshake's latency when it completed this tick (or the connection was first seen with it); null otherwise. */
  newConnectLatencyMs: number | null;
}

/** The increments of the connections that changed this tick, by connection id. */
export type TickDeltas = ReadonlyMap<number, ConnectionDelta>;

const NO_DROPS: ConnectionDelta['mattersDrops'] = [];

export class ConnectionDeltas {
  private previous = new Map<number, ConnectionSnapshot>();

  /** This tick's increments; connections first seen count whole (the model counts from their first sighting). */
  update(snapshot: ModelSnapshot): TickDeltas {
    const deltas = new Map<number, ConnectionDelta>();
    const next = new Map<number, ConnectionSnapshot>();
    for (const connection of snapshot.connections) {
      next.set(connection.id, connection);
      const before = this.previous.get(connection.id);
      if (before === connection) continue;
      const delta = deltaOf(before, connection);
      if (delta !== null) deltas.set(connection.id, delta);
    }
    this.previous = next;
    return deltas;
  }
}

function deltaOf(before: ConnectionSnapshot | undefined, now: ConnectionSnapshot): ConnectionDelta | null {
  const delta: ConnectionDelta = {
    segmentsSent: Math.max(0, now.segmentsSent - (before?.segmentsSent ?? 0)),
    retransmits: Math.max(0, now.retransmits - (before?.retransmits ?? 0)),
    resetsSent: Math.max(0, now.resetsSent - (before?.resetsSent ?? 0)),
    resetsReceived: Math.max(0, now.resetsReceived - (before?.resetsReceived ?? 0)),
    mattersDrops: before?.drops === now.drops ? NO_DROPS : mattersDropsDelta(before?.drops ?? [], now.drops),
    newConnectLatencyMs: now.connectLatencyMs !== null && (before === undefined || before.connectLatencyMs === null) ? now.connectLatencyMs : null,
  };
  const changed =
    delta.segmentsSent + delta.retransmits + delta.resetsSent + delta.resetsReceived > 0 ||
    delta.mattersDrops.length > 0 ||
    delta.newConnectLatencyMs !== null;
  return changed ? delta : null;
}

function mattersDropsDelta(before: ConnectionSnapshot['drops'], now: ConnectionSnapshot['drops']): ConnectionDelta['mattersDrops'] {
  const increments: [string, number][] = [];
  for (const drop of now) {
    if (drop.class !== 'matters') continue;
    const increment = drop.count - (before.find((earlier) => earlier.reason === drop.reason)?.count ?? 0);
    if (increment > 0) increments.push([drop.reason, increment]);
  }
  return increments.length === 0 ? NO_DROPS : increments;
}
