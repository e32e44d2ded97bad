import type { ChangesDocument } from './changes-document.js';
import { flowLimitDocument, type FlowLimitDocument } from './flow-limit-document.js';
import type { DropClass } from './drop-classes.js';
import { workloadOf, type Workload } from './workload.js';
import { gaugesDocument, type GaugesDocument } from './gauges-document.js';
import { RowsAsRead } from './rows-as-read.js';
import type { ContainerIdentity, ContainerStateProblem } from './records.js';
import type { ProblemSpan } from './problem-trail.js';
import type {
  ConnectionSnapshot,
  ContainerSnapshot,
  DropCount,
  HostInfo,
  ListenerSnapshot,
  ModelSnapshot,
  NatSnapshot,
  PeerName,
  PeerSnapshot,
  ProbeStatus,
  ProcessSnapshot,
  SourceInfo,
  StateStay,
  TcpStateName,
  TrafficSums,
  UdpFlowSnapshot,
} from './snapshot-types.js';

/**
 * The JSON document (`--json`, saves, exports), described by `schema/snapshot.schema.json`.
 * Times are RFC 3339 UTC strings with millisecond precision; 64-bit ids (socket cookie, netns
 * inode, cgroup id) are decimal strings; rates are whole bytes/s; latencies are ms with at most
 * three decimals.
 */
export interface SnapshotDocument {
  schemaVersion: 2;
  /** When the document was written. */
  generatedAt: string;
  host: HostInfo;
  source: SourceDocument;
  totals: TotalsDocument;
  connections: ConnectionDocument[];
  listeners: ListenerDocument[];
  processes: ProcessDocument[];
  peers: PeerDocument[];
  containers: ContainerDocument[];
  /** Drops by reason over the whole capture (every class), most frequent first. */
  drops: Record<string, number>;
  /** The class of each reason in `drops`. */
  dropClasses: Record<string, DropClass>;
  /** The host gauges against their limits (absent from documents written before they were). */
  gauges: GaugesDocument;
  /**
   * What the live view showed when `s` saved the document; absent from `--json`. When present,
   * connections, listeners, processes, peers and containers hold only what the view kept;
   * totals, drops and the source stay host-wide.
   */
  view?: ViewDocument;
  /** What changed since the baseline (`--baseline FILE`, or `b` in the live view); absent without one. */
  changes?: ChangesDocument;
}

/** The live view's filter, scope, pane, sort, `t` and `H` at the moment of a save. */
export interface ViewDocument {
  /** The filter as typed (the filter language of `/`); '' for none. */
  filter: string;
  /** What Enter (or `--pid`, `--container`, `--pod`) scoped the view to; null when unscoped. */
  scope: ViewScopeDocument | null;
  pane: 'findings' | 'connections' | 'processes' | 'containers' | 'peers' | 'listeners' | 'events';
  /** The pane's sort: a column id (`rate`, `bytes`, `age`…) and its direction. */
  sort: { column: string; descending: boolean };
  /** `t`: closed and TIME_WAIT connections were left out. */
  closedHidden: boolean;
  /**
   * `H`: the Processes pane showed one row per process name and container (the document's
   * `processes` stay one per pid); absent when it listed them per pid.
   */
  processesGrouped?: boolean;
}

/**
 * A scope as the view holds it: a process, a peer (by address or by name), a listener, one container by full id, a
 * `--container`/`--pod` query, or a finding's evidence (socket cookies as decimal strings).
 */
export type ViewScopeDocument =
  | { kind: 'process'; pid: number }
  /** Every process of one name in one container (its full id; null on the host): Enter on a grouped Processes row. */
  | { kind: 'processName'; comm: string; containerId: string | null }
  | { kind: 'peer'; address: string }
  /** The connections whose peer carries this name, at any address (Enter on a Peers row grouping a name's addresses). */
  | { kind: 'peerName'; name: string }
  /** The connections one listening socket accepted; `id` is its socket cookie (the document's `listeners[].id`). */
  | { kind: 'listener'; id: string }
  | { kind: 'container'; id: string }
  | { kind: 'containerQuery'; container: string | null; pod: string | null }
  | { kind: 'finding'; id: string; connectionIds: string[]; listenerIds: string[] };

export interface SourceDocument {
  kind: SourceInfo['kind'];
  probes: ProbeStatus[];
  /** Events the kernel dropped because the ring buffer was full. */
  lostEvents: number;
  /** Containers whose runtime state files were of no use (shown by short id), per reason. */
  containerStateProblems: Partial<Record<ContainerStateProblem, number>>;
}

/** Counts over the whole capture, evicted connections included. */
export interface TotalsDocument {
  connectionsOpened: number;
  connectionsClosed: number;
  bytesSent: number;
  bytesReceived: number;
  retransmits: number;
  resetsSent: number;
  resetsReceived: number;
  /** Drops whose reason is of class `matters`. */
  drops: number;
  evicted: number;
  /** UDP flows the packet program could not count: its flow map was full. */
  udpFlowsRefused: number;
}

export interface StateStayDocument {
  state: TcpStateName;
  at: string;
  /** Null while the connection is still in this state. */
  durationMs: number | null;
}

/** A UDP flow's own fields (see UdpFlowSnapshot). */
export interface UdpFlowDocument {
  /** The socket's cookie (shared by an unconnected socket's flows, one per peer). */
  socketCookie: string;
  connected: boolean;
  /** Bytes waiting to be read, at the last sample. */
  receiveQueue: number;
  /** Datagrams the kernel dropped on the socket since it was created (mostly a full receive buffer). */
  socketDrops: number;
  lastPacketAt: string;
}

export interface ConnectionDocument {
  /** Socket cookie; for each peer of an unconnected UDP socket, a flow id of its own. */
  id: string;
  protocol: ConnectionSnapshot['protocol'];
  family: ConnectionSnapshot['family'];
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  /** Network namespace inode. */
  netns: string;
  pid: number | null;
  comm: string | null;
  cmdline: string | null;
  uid: number | null;
  user: string | null;
  cgroupId: string | null;
  /** pid to cgroupId are the listener's owner's, until the kernel or /proc names the socket's own (see Owner.provisional). */
  ownerProvisional: boolean;
  state: TcpStateName;
  stateHistory: StateStayDocument[];
  openedAt: string;
  closedAt: string | null;
  preexisting: boolean;
  bytesSent: number;
  bytesReceived: number;
  segmentsSent: number;
  segmentsReceived: number;
  /** Bytes/s over the last tick. */
  sendRate: number;
  receiveRate: number;
  retransmits: number;
  resetsSent: number;
  resetsReceived: number;
  drops: DropCount[];
  srttMs: number | null;
  connectLatencyMs: number | null;
  /** Container of the owning process; null for a host process. */
  container: ContainerIdentityDocument | null;
  /** Since when: the first and last retransmit, reset and drop that matters; null for a kind that never happened. */
  problems: { retransmits: ProblemSpanDocument | null; resets: ProblemSpanDocument | null; drops: ProblemSpanDocument | null };
  /** The real destination behind NAT, as conntrack recorded it; null when not translated (or not asked). */
  nat: NatDocument | null;
  /** UDP flows only (their segments are datagrams, their bytes UDP payload); null for TCP. */
  udp: UdpFlowDocument | null;
  /** What limited its sending over the last sampling interval; null until two samples judged it. */
  limit: FlowLimitDocument | null;
  /** The remote address's name and where it came from; null when none is known. */
  peerName: PeerNameDocument | null;
}

/** A translated destination (see NatSnapshot): addresses as text, ports in host order. */
export type NatDocument = NatSnapshot;

/** The first and last time (RFC 3339) one kind of problem happened. */
export interface ProblemSpanDocument {
  first: string;
  last: string;
}

/** A remote address's name: a DNS answer a local socket received, or the owner's hosts file. */
export interface PeerNameDocument {
  name: string;
  source: PeerName['source'];
  /** When the answer arrived or the hosts file was read (RFC 3339). */
  at: string;
}

/**
 * Who a container is, from its cgroup path and its runtime's state files; a pod's container also
 * its workload (workload.ts), null outside a pod or where the pod name says nothing.
 */
export type ContainerIdentityDocument = Omit<ContainerIdentity, 'workload'> & { workload: Workload | null };

export interface ListenerDocument {
  id: string;
  family: ListenerSnapshot['family'];
  saddr: string;
  sport: number;
  netns: string;
  pid: number | null;
  comm: string | null;
  cmdline: string | null;
  user: string | null;
  container: ContainerIdentityDocument | null;
  acceptQueue: number;
  acceptQueueLimit: number;
  /** `udp`: an unconnected UDP socket bound to a port outside the ephemeral range. */
  protocol: ListenerSnapshot['protocol'];
  /** UDP: bytes of datagrams waiting to be read; null for TCP. */
  receiveQueue: number | null;
}

export interface TrafficSumsDocument {
  connections: number;
  openConnections: number;
  bytesSent: number;
  bytesReceived: number;
  /** Bytes/s over the last tick. */
  sendRate: number;
  receiveRate: number;
  retransmits: number;
  resetsSent: number;
  resetsReceived: number;
  drops: number;
}

export interface ProcessDocument extends TrafficSumsDocument {
  pid: number;
  comm: string | null;
  cmdline: string | null;
  uid: number | null;
  user: string | null;
  container: ContainerIdentityDocument | null;
}

export interface ContainerDocument extends ContainerIdentityDocument, TrafficSumsDocument {
  /** Its processes that own connections. */
  processes: { pid: number; comm: string | null }[];
}

export interface PeerDocument extends TrafficSumsDocument {
  address: string;
  family: PeerSnapshot['family'];
  /** The most recent name its connections carry; null when none. */
  peerName: PeerNameDocument | null;
}

function timestamp(atMs: number): string {
  return new Date(atMs).toISOString();
}

/** Milliseconds to at most three decimals (microsecond resolution, as the kernel measures). */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function roundMsOrNull(ms: number | null): number | null {
  return ms === null ? null : roundMs(ms);
}

function stayDocument(stay: StateStay): StateStayDocument {
  return { state: stay.state, at: timestamp(stay.atMs), durationMs: roundMsOrNull(stay.durationMs) };
}

function sumsDocument(sums: TrafficSums): TrafficSumsDocument {
  return {
    connections: sums.connections,
    openConnections: sums.openConnections,
    bytesSent: sums.bytesSent,
    bytesReceived: sums.bytesReceived,
    sendRate: Math.round(sums.sendRate),
    receiveRate: Math.round(sums.receiveRate),
    retransmits: sums.retransmits,
    resetsSent: sums.resetsSent,
    resetsReceived: sums.resetsReceived,
    drops: sums.drops,
  };
}

export function containerIdentityDocument(container: ContainerIdentity | null): ContainerIdentityDocument | null {
  if (container === null) return null;
  const { id, name, runtime, image, pod, namespace, podUid } = container;
  return { id, name, runtime, image, pod, namespace, podUid, workload: workloadOf(container) };
}

function connectionDocument(connection: ConnectionSnapshot): ConnectionDocument {
  const { owner } = connection;
  return {
    id: String(connection.id),
    protocol: connection.protocol,
    family: connection.family,
    saddr: connection.saddr,
    sport: connection.sport,
    daddr: connection.daddr,
    dport: connection.dport,
    netns: String(connection.netns),
    pid: owner.pid,
    comm: owner.comm,
    cmdline: owner.cmdline,
    uid: owner.uid,
    user: owner.user,
    cgroupId: owner.cgroupId === null ? null : String(owner.cgroupId),
    ownerProvisional: owner.provisional,
    state: connection.state,
    stateHistory: connection.stateHistory.map(stayDocument),
    openedAt: timestamp(connection.openedAtMs),
    closedAt: connection.closedAtMs === null ? null : timestamp(connection.closedAtMs),
    preexisting: connection.preexisting,
    bytesSent: connection.bytesSent,
    bytesReceived: connection.bytesReceived,
    segmentsSent: connection.segmentsSent,
    segmentsReceived: connection.segmentsReceived,
    sendRate: Math.round(connection.sendRate),
    receiveRate: Math.round(connection.receiveRate),
    retransmits: connection.retransmits,
    resetsSent: connection.resetsSent,
    resetsReceived: connection.resetsReceived,
    drops: connection.drops.map((drop) => ({ reason: drop.reason, class: drop.class, count: drop.count })),
    srttMs: roundMsOrNull(connection.srttMs),
    connectLatencyMs: roundMsOrNull(connection.connectLatencyMs),
    container: containerIdentityDocument(owner.container),
    problems: {
      retransmits: problemSpanDocument(connection.problems.retransmits),
      resets: problemSpanDocument(connection.problems.resets),
      drops: problemSpanDocument(connection.problems.drops),
    },
    nat: natDocument(connection.nat),
    udp: connection.udp === null ? null : udpFlowDocument(connection.udp),
    limit: flowLimitDocument(connection.limit),
    peerName: peerNameDocument(connection.peerName),
  };
}

function udpFlowDocument(udp: UdpFlowSnapshot): UdpFlowDocument {
  return {
    socketCookie: String(udp.socketCookie),
    connected: udp.connected,
    receiveQueue: udp.receiveQueue,
    socketDrops: udp.socketDrops,
    lastPacketAt: timestamp(udp.lastPacketAtMs),
  };
}

function natDocument(nat: NatSnapshot | null): NatDocument | null {
  if (nat === null) return null;
  const { destination, originalDestination, direction, table } = nat;
  return {
    destination: { address: destination.address, port: destination.port },
    originalDestination: { address: originalDestination.address, port: originalDestination.port },
    direction,
    table,
  };
}

function problemSpanDocument(span: ProblemSpan | null): ProblemSpanDocument | null {
  return span === null ? null : { first: timestamp(span.firstAtMs), last: timestamp(span.lastAtMs) };
}

export function peerNameDocument(peerName: PeerName | null): PeerNameDocument | null {
  return peerName === null ? null : { name: peerName.name, source: peerName.source, at: timestamp(peerName.atMs) };
}

function listenerDocument(listener: ListenerSnapshot): ListenerDocument {
  return {
    id: String(listener.id),
    family: listener.family,
    saddr: listener.saddr,
    sport: listener.sport,
    netns: String(listener.netns),
    pid: listener.owner.pid,
    comm: listener.owner.comm,
    cmdline: listener.owner.cmdline,
    user: listener.owner.user,
    container: containerIdentityDocument(listener.owner.container),
    acceptQueue: listener.acceptQueue,
    acceptQueueLimit: listener.acceptQueueLimit,
    protocol: listener.protocol,
    receiveQueue: listener.receiveQueue,
  };
}

function processDocument(process: ProcessSnapshot): ProcessDocument {
  return {
    pid: process.pid,
    comm: process.comm,
    cmdline: process.cmdline,
    uid: process.uid,
    user: process.user,
    container: containerIdentityDocument(process.container),
    ...sumsDocument(process),
  };
}

function containerDocument(sums: ContainerSnapshot): ContainerDocument {
  return {
    ...(containerIdentityDocument(sums.container) as ContainerIdentityDocument),
    ...sumsDocument(sums),
    processes: sums.processes.map(({ pid, comm }) => ({ pid, comm })),
  };
}

function peerDocument(peer: PeerSnapshot): PeerDocument {
  return { address: peer.address, family: peer.family, peerName: peerNameDocument(peer.peerName), ...sumsDocument(peer) };
}

/** A snapshot document whose connections may be made as the writer reads them (see RowsAsRead). */
export type StreamedSnapshotDocument = Omit<SnapshotDocument, 'connections'> & {
  connections: SnapshotDocument['connections'] | RowsAsRead<ConnectionSnapshot, ConnectionDocument>;
};

/** Builds the JSON document for a snapshot; the result is plain data, ready for JSON.stringify. */
export function toSnapshotDocument(
  snapshot: ModelSnapshot,
  meta: { host: HostInfo; source: SourceInfo; generatedAtMs: number },
): SnapshotDocument {
  return { ...toStreamedSnapshotDocument(snapshot, meta), connections: snapshot.connections.map(connectionDocument) };
}

/** The document for a snapshot, for a writer: each connection's part is made as it is written. */
export function toStreamedSnapshotDocument(
  snapshot: ModelSnapshot,
  meta: { host: HostInfo; source: SourceInfo; generatedAtMs: number },
): StreamedSnapshotDocument & { connections: RowsAsRead<ConnectionSnapshot, ConnectionDocument> } {
  const { totals } = snapshot;
  return {
    schemaVersion: 2,
    generatedAt: timestamp(meta.generatedAtMs),
    host: { hostname: meta.host.hostname, kernel: meta.host.kernel },
    source: {
      kind: meta.source.kind,
      probes: meta.source.probes.map(({ name, status, reason }) => ({ name, status, reason })),
      lostEvents: totals.lostEvents,
      containerStateProblems: { ...snapshot.containerStateProblems },
    },
    totals: {
      connectionsOpened: totals.connectionsOpened,
      connectionsClosed: totals.connectionsClosed,
      bytesSent: totals.bytesSent,
      bytesReceived: totals.bytesReceived,
      retransmits: totals.retransmits,
      resetsSent: totals.resetsSent,
      resetsReceived: totals.resetsReceived,
      drops: totals.drops,
      evicted: totals.evicted,
      udpFlowsRefused: totals.udpFlowsRefused,
    },
    connections: new RowsAsRead(snapshot.connections, connectionDocument),
    listeners: snapshot.listeners.map(listenerDocument),
    processes: snapshot.processes.map(processDocument),
    peers: snapshot.peers.map(peerDocument),
    containers: snapshot.containers.map(containerDocument),
    drops: Object.fromEntries(snapshot.drops.map(({ reason, count }) => [reason, count])),
    dropClasses: Object.fromEntries(snapshot.drops.map((drop) => [drop.reason, drop.class])),
    gauges: gaugesDocument(snapshot),
  };
}
