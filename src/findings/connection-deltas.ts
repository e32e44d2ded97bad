/**
 * What each connection did since the previous tick: the model publishes cumulative counters,
 * the findings need the increments. An unchanged connection is the very object the model
 * published last tick, so comparing references skips nearly every connection of a quiet table;
 * the detectors then walk only the connections that moved.
 */
import type { ConnectionSnapshot, ModelSnapshot } from '../model/snapshot-types.js';
import { pidKey } from './finding-subject.js';

/** One connection's increments over the last tick. */
export interface ConnectionDelta {
  connection: ConnectionSnapshot;
  /** `pid=412:peer=10.0.3.7`: the process-and-peer key the flow findings group by. */
  processPeerKey: string;
  segmentsSent: number;
  retransmits: number;
  resetsSent: number;
  resetsReceived: number;
  /** Drops of class `matters`, by reason, in the connection's order (most frequent first). */
  mattersDrops: readonly (readonly [reason: string, count: number])[];
  /** The handshake's latency when it completed this tick (or the connection was first seen with it); null otherwise. */
  newConnectLatencyMs: number | null;
}

/** The connections that moved this tick, in the snapshot's order. */
export type TickDeltas = readonly ConnectionDelta[];

interface Remembered {
  connection: ConnectionSnapshot;
  processPeerKey: string;
  /** The update that last saw it: those not seen are gone from the table. */
  seenAt: number;
}

const NO_DROPS: ConnectionDelta['mattersDrops'] = [];

export class ConnectionDeltas {
  private readonly remembered = new Map<number, Remembered>();
  private updates = 0;

  /** This tick's increments; connections first seen count whole (the model counts from their first sighting). */
  update(snapshot: ModelSnapshot): TickDeltas {
    const update = ++this.updates;
    const deltas: ConnectionDelta[] = [];
    for (const connection of snapshot.connections) {
      const memory = this.remembered.get(connection.id);
      if (memory === undefined) {
        const processPeerKey = processPeerKeyOf(connection);
        this.remembered.set(connection.id, { connection, processPeerKey, seenAt: update });
        const delta = deltaOf(undefined, connection, processPeerKey);
        if (delta !== null) deltas.push(delta);
        continue;
      }
      memory.seenAt = update;
      const before = memory.connection;
      if (before === connection) continue;
      if (before.owner !== connection.owner) memory.processPeerKey = processPeerKeyOf(connection);
      memory.connection = connection;
      const delta = deltaOf(before, connection, memory.processPeerKey);
      if (delta !== null) deltas.push(delta);
    }
    if (this.remembered.size > snapshot.connections.length) {
      for (const [id, memory] of this.remembered) if (memory.seenAt !== update) this.remembered.delete(id);
    }
    return deltas;
  }
}

function processPeerKeyOf(connection: ConnectionSnapshot): string {
  return `${pidKey(connection.owner.pid)}:peer=${connection.daddr}`;
}

function deltaOf(before: ConnectionSnapshot | undefined, now: ConnectionSnapshot, processPeerKey: string): ConnectionDelta | null {
  const segmentsSent = Math.max(0, now.segmentsSent - (before?.segmentsSent ?? 0));
  const retransmits = Math.max(0, now.retransmits - (before?.retransmits ?? 0));
  const resetsSent = Math.max(0, now.resetsSent - (before?.resetsSent ?? 0));
  const resetsReceived = Math.max(0, now.resetsReceived - (before?.resetsReceived ?? 0));
  const mattersDrops = before?.drops === now.drops ? NO_DROPS : mattersDropsDelta(before?.drops ?? [], now.drops);
  const newConnectLatencyMs = now.connectLatencyMs !== null && (before === undefined || before.connectLatencyMs === null) ? now.connectLatencyMs : null;
  const changed = segmentsSent + retransmits + resetsSent + resetsReceived > 0 || mattersDrops.length > 0 || newConnectLatencyMs !== null;
  return changed ? { connection: now, processPeerKey, segmentsSent, retransmits, resetsSent, resetsReceived, mattersDrops, newConnectLatencyMs } : null;
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
