/**
 * What a capture saw, folded by names that survive restarts (stable-identity.ts): who talked and
 * how much, to which peers, who listened, which containers ran. A baseline is one such profile —
 * of a saved snapshot, of a recording, or of the live view when `b` marked it — and the changes
 * since are the difference between two of them (baseline-changes.ts).
 */
import type { ContainerIdentity } from './records.js';
import type { SnapshotDocument } from './snapshot-document.js';
import type { ModelSnapshot, TcpStateName } from './snapshot-types.js';
import { containerKey, listenerKey, peerKey, processKey } from './stable-identity.js';

/** Traffic of one process or peer, summed over its connections. */
export interface TrafficProfile {
  /** Bytes both ways. */
  bytes: number;
  segmentsSent: number;
  retransmits: number;
  /** Sum and count of the smoothed RTTs of its connections that had one, ms. */
  rttSumMs: number;
  rttCount: number;
  /** Connections still carrying traffic: not closed, not in TIME_WAIT. */
  openConnections: number;
  /**
   * When its newest connection opened during the capture, ms since the epoch; 0 for none. A
   * connection older than the capture does not count: a TIME_WAIT socket seen at the start is
   * no sign of talking.
   */
  newestOpenedAtMs: number;
}

export interface WorldProfile {
  /** When the profile was taken (the snapshot's tick), ms since the epoch. */
  atMs: number;
  /** Where the traffic it sums starts: the capture's start, or the mark it was measured from. */
  startedAtMs: number;
  processes: ReadonlyMap<string, TrafficProfile>;
  peers: ReadonlyMap<string, TrafficProfile>;
  listeners: ReadonlySet<string>;
  containers: ReadonlySet<string>;
}

interface ConnectionFacts {
  comm: string | null;
  container: ContainerIdentity | null;
  peer: string;
  bytes: number;
  segmentsSent: number;
  retransmits: number;
  srttMs: number | null;
  open: boolean;
  openedAtMs: number;
  preexisting: boolean;
}

/** A connection in TIME_WAIT or CLOSE carries nothing any more. */
function isCarrying(state: TcpStateName): boolean {
  return state !== 'TIME_WAIT' && state !== 'CLOSE';
}

function emptyTraffic(): TrafficProfile {
  return { bytes: 0, segmentsSent: 0, retransmits: 0, rttSumMs: 0, rttCount: 0, openConnections: 0, newestOpenedAtMs: 0 };
}

function addTo(map: Map<string, TrafficProfile>, key: string, facts: ConnectionFacts): void {
  let traffic = map.get(key);
  if (traffic === undefined) {
    traffic = emptyTraffic();
    map.set(key, traffic);
  }
  traffic.bytes += facts.bytes;
  traffic.segmentsSent += facts.segmentsSent;
  traffic.retransmits += facts.retransmits;
  if (facts.srttMs !== null) {
    traffic.rttSumMs += facts.srttMs;
    traffic.rttCount++;
  }
  if (facts.open) traffic.openConnections++;
  if (!facts.preexisting) traffic.newestOpenedAtMs = Math.max(traffic.newestOpenedAtMs, facts.openedAtMs);
}

class ProfileBuilder {
  readonly processes = new Map<string, TrafficProfile>();
  readonly peers = new Map<string, TrafficProfile>();
  readonly listeners = new Set<string>();
  readonly containers = new Set<string>();

  connection(facts: ConnectionFacts): void {
    addTo(this.processes, processKey(facts.comm, facts.container), facts);
    addTo(this.peers, facts.peer, facts);
  }

  build(atMs: number, startedAtMs: number): WorldProfile {
    return { atMs, startedAtMs, processes: this.processes, peers: this.peers, listeners: this.listeners, containers: this.containers };
  }
}

/** The profile of the live model's snapshot. */
export function profileOfSnapshot(snapshot: ModelSnapshot): WorldProfile {
  const builder = new ProfileBuilder();
  for (const connection of snapshot.connections) {
    builder.connection({
      comm: connection.owner.comm,
      container: connection.owner.container,
      peer: peerKey(connection.daddr, connection.peerName?.name ?? null),
      bytes: connection.bytesSent + connection.bytesReceived,
      segmentsSent: connection.segmentsSent,
      retransmits: connection.retransmits,
      srttMs: connection.srttMs,
      open: connection.closedAtMs === null && isCarrying(connection.state),
      openedAtMs: connection.openedAtMs,
      preexisting: connection.preexisting,
    });
  }
  for (const listener of snapshot.listeners) builder.listeners.add(listenerKey(listener.owner.comm, listener.owner.container, listener.sport));
  for (const { container } of snapshot.containers) builder.containers.add(containerKey(container));
  return builder.build(snapshot.atMs, snapshot.startedAtMs);
}

/**
 * The profile of a saved document (`--json`, `s`). A document does not say when its capture
 * started: its oldest connection's first sighting stands for it (a connection older than the
 * capture is first seen at the start).
 */
export function profileOfDocument(document: SnapshotDocument): WorldProfile {
  const builder = new ProfileBuilder();
  const atMs = Date.parse(document.generatedAt);
  let startedAtMs = atMs;
  for (const connection of document.connections) {
    const openedAtMs = Date.parse(connection.openedAt);
    startedAtMs = Math.min(startedAtMs, openedAtMs);
    builder.connection({
      comm: connection.comm,
      container: connection.container,
      // A document older than peer names has none: its peers are compared by address.
      peer: peerKey(connection.daddr, connection.peerName?.name ?? null),
      bytes: connection.bytesSent + connection.bytesReceived,
      segmentsSent: connection.segmentsSent,
      retransmits: connection.retransmits,
      srttMs: connection.srttMs,
      open: connection.closedAt === null && isCarrying(connection.state),
      openedAtMs,
      preexisting: connection.preexisting,
    });
  }
  for (const listener of document.listeners) builder.listeners.add(listenerKey(listener.comm, listener.container, listener.sport));
  for (const container of document.containers) builder.containers.add(containerKey(container));
  return builder.build(atMs, startedAtMs);
}

/**
 * What happened between `mark` and `now`, two profiles of the same capture: the traffic counted
 * since the mark, from the mark's time. What the model evicted in between counts no more.
 */
export function profileSince(mark: WorldProfile, now: WorldProfile): WorldProfile {
  const since = (current: ReadonlyMap<string, TrafficProfile>, earlier: ReadonlyMap<string, TrafficProfile>) => {
    const result = new Map<string, TrafficProfile>();
    for (const [key, traffic] of current) {
      const before = earlier.get(key) ?? emptyTraffic();
      result.set(key, {
        ...traffic,
        bytes: Math.max(0, traffic.bytes - before.bytes),
        segmentsSent: Math.max(0, traffic.segmentsSent - before.segmentsSent),
        retransmits: Math.max(0, traffic.retransmits - before.retransmits),
      });
    }
    return result;
  };
  return {
    atMs: now.atMs,
    startedAtMs: mark.atMs,
    processes: since(now.processes, mark.processes),
    peers: since(now.peers, mark.peers),
    listeners: now.listeners,
    containers: now.containers,
  };
}

/** Did it talk over the profile's span: a connection carrying traffic, bytes moved, or a connection opened. */
export function talked(traffic: TrafficProfile, profile: WorldProfile): boolean {
  return traffic.openConnections > 0 || traffic.bytes > 0 || traffic.newestOpenedAtMs >= profile.startedAtMs;
}
