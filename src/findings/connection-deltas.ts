/**
 * What each connection did since the previous tick: the model publishes cumulative counters,
 * the findings need the increments. An unchanged connection is the very object the model
 * published last tick, so comparing references skips nearly every connection of a quiet table;
 * the detectors then walk only the connections that moved.
 *
 * A flow whose both ends are in one network namespace of this host (loopback, or a local
 * address) shows as two connections: what one end's receiving side reports (a drop, a segment it
 * already had) is about the other end's sending. Only in a tick with such drops is the other end
 * looked for, in one walk of the table: an index of every connection by its tuple, kept up for
 * the rare tick that needs it, cost a string and two map updates per connection under churn.
 */
import { IntegerMap } from '../model/integer-map.js';
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
  /**
   * Segments the connection received and dropped because it already had their data
   * (TCP_OLD_DATA, TCP_OLD_SEQUENCE): retransmits of the other end that were spurious. Counted
   * per packet (one TSO packet may carry several segments).
   */
  oldDataDrops: number;
  /** The flow's other end when it is a connection on this host too (same netns, tuple reversed; the newest if the tuple was reused); resolved only for a connection with drops this tick, else null. */
  localPeer: ConnectionSnapshot | null;
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

/** The stray drop reasons that say the segment's data had already arrived: the sender's retransmit was spurious. */
const OLD_DATA_REASONS = new Set(['TCP_OLD_DATA', 'TCP_OLD_SEQUENCE']);
/** Distinct process–peer keys remembered; past it the memory starts over (the keys stay right, only unshared). */
const MAX_PROCESS_PEER_KEYS = 65_536;

export class ConnectionDeltas {
  private readonly remembered = new IntegerMap<Remembered>();
  /**
   * Each distinct process–peer key once: the connections of one process to one peer share it.
   * Built anew per connection, V8 kept each as a tree of its pieces, about 300 bytes held for
   * every connection in the table.
   */
  private readonly processPeerKeys = new Map<string, string>();
  private updates = 0;

  /** This tick's increments; connections first seen count whole (the model counts from their first sighting). */
  update(snapshot: ModelSnapshot): TickDeltas {
    const update = ++this.updates;
    const deltas: ConnectionDelta[] = [];
    // Indexed: a for-of over the table made an iterator result per connection, tick after tick.
    const { connections } = snapshot;
    for (let index = 0; index < connections.length; index++) {
      const connection = connections[index]!;
      const memory = this.remembered.get(connection.id);
      if (memory === undefined) {
        const processPeerKey = this.processPeerKeyOf(connection);
        this.remembered.set(connection.id, { connection, processPeerKey, seenAt: update });
        const delta = deltaOf(undefined, connection, processPeerKey);
        if (delta !== null) deltas.push(delta);
        continue;
      }
      memory.seenAt = update;
      const before = memory.connection;
      if (before === connection) continue;
      if (before.owner !== connection.owner) memory.processPeerKey = this.processPeerKeyOf(connection);
      memory.connection = connection;
      const delta = deltaOf(before, connection, memory.processPeerKey);
      if (delta !== null) deltas.push(delta);
    }
    if (this.remembered.size > connections.length) {
      this.remembered.forEach((memory, id) => {
        if (memory.seenAt !== update) this.remembered.delete(id);
      });
    }
    findLocalPeers(snapshot, deltas.filter((delta) => delta.mattersDrops.length > 0 || delta.oldDataDrops > 0));
    return deltas;
  }

  private processPeerKeyOf(connection: ConnectionSnapshot): string {
    const key = processPeerKeyOf(connection);
    const known = this.processPeerKeys.get(key);
    if (known !== undefined) return known;
    if (this.processPeerKeys.size >= MAX_PROCESS_PEER_KEYS) this.processPeerKeys.clear();
    this.processPeerKeys.set(key, key);
    return key;
  }

}

/** Gives each delta the connection at its flow's other end on this host, if there is one. */
function findLocalPeers(snapshot: ModelSnapshot, deltas: readonly ConnectionDelta[]): void {
  if (deltas.length === 0) return;
  // By the port the other end is bound to: most connections are passed over on one number.
  const byPeerPort = new Map<number, ConnectionDelta[]>();
  for (const delta of deltas) {
    const waiting = byPeerPort.get(delta.connection.dport);
    if (waiting === undefined) byPeerPort.set(delta.connection.dport, [delta]);
    else waiting.push(delta);
  }
  for (const candidate of snapshot.connections) {
    const waiting = byPeerPort.get(candidate.sport);
    if (waiting === undefined) continue;
    for (const delta of waiting) {
      const { connection } = delta;
      if (candidate.id === connection.id || !isReversed(connection, candidate)) continue;
      if (delta.localPeer === null || candidate.id > delta.localPeer.id) delta.localPeer = candidate;
    }
  }
}

function isReversed(connection: ConnectionSnapshot, other: ConnectionSnapshot): boolean {
  return other.netns === connection.netns && other.sport === connection.dport && other.dport === connection.sport && other.saddr === connection.daddr && other.daddr === connection.saddr;
}

/** `pid=412:peer=10.0.3.7`: the key a connection's flow findings (loss, drops) group under. */
export function processPeerKeyOf(connection: ConnectionSnapshot): string {
  return `${pidKey(connection.owner.pid)}:peer=${connection.daddr}`;
}

function deltaOf(before: ConnectionSnapshot | undefined, now: ConnectionSnapshot, processPeerKey: string): ConnectionDelta | null {
  const segmentsSent = Math.max(0, now.segmentsSent - (before?.segmentsSent ?? 0));
  const retransmits = Math.max(0, now.retransmits - (before?.retransmits ?? 0));
  const resetsSent = Math.max(0, now.resetsSent - (before?.resetsSent ?? 0));
  const resetsReceived = Math.max(0, now.resetsReceived - (before?.resetsReceived ?? 0));
  const { mattersDrops, oldDataDrops } = before?.drops === now.drops ? NO_DROP_DELTA : dropsDelta(before?.drops ?? [], now.drops);
  const newConnectLatencyMs = now.connectLatencyMs !== null && (before === undefined || before.connectLatencyMs === null) ? now.connectLatencyMs : null;
  const changed = segmentsSent + retransmits + resetsSent + resetsReceived + oldDataDrops > 0 || mattersDrops.length > 0 || newConnectLatencyMs !== null;
  return changed ? { connection: now, processPeerKey, segmentsSent, retransmits, resetsSent, resetsReceived, mattersDrops, oldDataDrops, localPeer: null, newConnectLatencyMs } : null;
}

type DropDelta = Pick<ConnectionDelta, 'mattersDrops' | 'oldDataDrops'>;

const NO_DROP_DELTA: DropDelta = { mattersDrops: NO_DROPS, oldDataDrops: 0 };

function dropsDelta(before: ConnectionSnapshot['drops'], now: ConnectionSnapshot['drops']): DropDelta {
  const increments: [string, number][] = [];
  let oldDataDrops = 0;
  for (const drop of now) {
    if (drop.class !== 'matters' && !OLD_DATA_REASONS.has(drop.reason)) continue;
    const increment = drop.count - (before.find((earlier) => earlier.reason === drop.reason)?.count ?? 0);
    if (increment <= 0) continue;
    if (drop.class === 'matters') increments.push([drop.reason, increment]);
    else oldDataDrops += increment;
  }
  return { mattersDrops: increments.length === 0 ? NO_DROPS : increments, oldDataDrops };
}
