/**
 * What each connection did since the previous tick: the model publishes cumulative counters,
 * the findings need the increments. An unchanged connection is the very object the model
 * published last tick, so comparing references skips nearly every connection of a quiet table;
 * the detectors then walk only the connections that moved.
 *
 * A flow whose both ends are in one network namespace of this host (loopback, or a local
 * address) shows as two connections: what one end's receiving side reports (a drop, a segment it
 * already had) is about the other end's sending. Each connection is indexed by its tuple, so the
 * drops of a tick find the flow's other end in one lookup.
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
  /**
   * Segments the connection received and dropped because it already had their data
   * (TCP_OLD_DATA, TCP_OLD_SEQUENCE): retransmits of the other end that were spurious. Counted
   * per packet (one TSO packet may carry several segments).
   */
  oldDataDrops: number;
  /** The flow's other end when it is a connection on this host too (same netns, tuple reversed); resolved only for a connection with drops this tick, else null. */
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
  private readonly remembered = new Map<number, Remembered>();
  /** Connection id by flow tuple (the newest connection of a reused tuple). */
  private readonly byFlow = new Map<string, number>();
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
    for (const connection of snapshot.connections) {
      const memory = this.remembered.get(connection.id);
      if (memory === undefined) {
        const processPeerKey = this.processPeerKeyOf(connection);
        this.remembered.set(connection.id, { connection, processPeerKey, seenAt: update });
        this.byFlow.set(flowKey(connection.netns, connection.saddr, connection.sport, connection.daddr, connection.dport), connection.id);
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
    if (this.remembered.size > snapshot.connections.length) {
      for (const [id, memory] of this.remembered) if (memory.seenAt !== update) this.forget(id, memory.connection);
    }
    for (const delta of deltas) if (delta.mattersDrops.length > 0 || delta.oldDataDrops > 0) delta.localPeer = this.localPeerOf(delta.connection);
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

  private forget(id: number, connection: ConnectionSnapshot): void {
    this.remembered.delete(id);
    const key = flowKey(connection.netns, connection.saddr, connection.sport, connection.daddr, connection.dport);
    if (this.byFlow.get(key) === id) this.byFlow.delete(key);
  }

  /** The connection at the flow's other end on this host, or null. */
  private localPeerOf(connection: ConnectionSnapshot): ConnectionSnapshot | null {
    const id = this.byFlow.get(flowKey(connection.netns, connection.daddr, connection.dport, connection.saddr, connection.sport));
    return id === undefined || id === connection.id ? null : (this.remembered.get(id)?.connection ?? null);
  }
}

function flowKey(netns: number, saddr: string, sport: number, daddr: string, dport: number): string {
  return `${netns}|${saddr}|${sport}|${daddr}|${dport}`;
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
