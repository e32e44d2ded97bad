/**
 * The snapshot: what the model publishes at each tick, and the JSON document built from it.
 * The JSON output, the TUI and every export read this one shape; `schema/snapshot.schema.json`
 * describes the document and is checked in tests.
 *
 * The model's snapshot keeps raw numbers (ms since the epoch, cookies as numbers); the document
 * turns times into RFC 3339 strings and 64-bit ids into decimal strings.
 */

import type { DropClass } from './drop-classes.js';
import type { HostGaugesSnapshot } from './gauges-snapshot.js';
import type { AddressPort, ContainerIdentity, ContainerStateProblem, NatRecord, PeerNameSource } from './records.js';
import type { ProblemEvent, ProblemTimes } from './problem-trail.js';
import type { FlowLimitSnapshot } from './flow-limit-tracker.js';

export type TcpStateName =
  | 'ESTABLISHED'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'FIN_WAIT1'
  | 'FIN_WAIT2'
  | 'TIME_WAIT'
  | 'CLOSE'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'LISTEN'
  | 'CLOSING'
  | 'NEW_SYN_RECV';

/** One stay in a state. `durationMs` is null while the connection is still in it. */
export interface StateStay {
  state: TcpStateName;
  atMs: number;
  durationMs: number | null;
}

export interface DropCount {
  /** skb_drop_reason name without the `SKB_DROP_REASON_` prefix. */
  reason: string;
  /** What the reason means (see drop-classes.ts); only `matters` counts as a network drop. */
  class: DropClass;
  count: number;
}

/** Owner of a connection; null fields are what could not be resolved. */
export interface Owner {
  pid: number | null;
  comm: string | null;
  /** Redacted command line. */
  cmdline: string | null;
  uid: number | null;
  user: string | null;
  cgroupId: number | null;
  /** The container the owner's cgroup belongs to; null for a host process (or one not resolved yet). */
  container: ContainerIdentity | null;
  /**
   * The listener's owner, shown for a socket it accepted until the kernel or /proc names the
   * socket's own: a server's worker may hold it instead, or it may still wait in the accept queue.
   */
  provisional: boolean;
}

/** What a UDP flow has beyond a connection's fields. */
export interface UdpFlowSnapshot {
  /**
   * The socket's cookie. A connected socket is one flow, whose id is this cookie; an unconnected
   * socket has one flow per peer, each with an id of its own and this cookie.
   */
  socketCookie: number;
  /** The socket was connect()ed (one peer); false: it sends and receives with sendto/recvfrom. */
  connected: boolean;
  /** Bytes of datagrams received but not yet read by the socket's owner, at the last sample. */
  receiveQueue: number;
  /**
   * Datagrams the kernel dropped on the socket since it was created (SK_MEMINFO_DROPS: nearly
   * always a full receive buffer), at the last sample; shared by all the socket's flows.
   */
  socketDrops: number;
  /** The flow's latest datagram, ms since the epoch (its first is `openedAtMs`). */
  lastPacketAtMs: number;
}

export interface ConnectionSnapshot {
  /** Socket cookie (TCP, connected UDP); a flow id for each peer of an unconnected UDP socket. */
  id: number;
  /** Transport protocol. A UDP flow's segments are datagrams, its bytes UDP payload. */
  protocol: 'tcp' | 'udp';
  family: 'ipv4' | 'ipv6';
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  netns: number;
  owner: Owner;
  state: TcpStateName;
  stateHistory: readonly StateStay[];
  openedAtMs: number;
  /** Set once the connection reached CLOSE (or vanished from a sweep). */
  closedAtMs: number | null;
  /** Bytes sent (acknowledged) during the capture: a connection older than the capture counts from its first sighting. */
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
  drops: readonly DropCount[];
  /** Smoothed RTT in ms, null until measured. */
  srttMs: number | null;
  /** SYN_SENT → ESTABLISHED, null when the handshake was not seen. */
  connectLatencyMs: number | null;
  /** True when the connection was open before the capture started. */
  preexisting: boolean;
  /** When its retransmits, resets and drops that matter first and last happened (during the capture). */
  problems: ProblemTimes;
  /** Its last problem events (at most PROBLEM_TRAIL_LENGTH), oldest first; empty when it had none. */
  problemTrail: readonly ProblemEvent[];
  /** UDP flows only; null for TCP. */
  udp: UdpFlowSnapshot | null;
  /** What limited its sending over the last sampling interval; null until known (docs/flow-limits.md). */
  limit: FlowLimitSnapshot | null;
  /** Set when conntrack recorded a translated destination (NAT) for the connection. */
  nat: NatSnapshot | null;
  /** The remote address's name (its own cgroup's DNS answer when seen, else the latest in its namespace); null when none. */
  peerName: PeerName | null;
}

/** The real destination behind NAT, as conntrack recorded it (see NatRecord). */
export interface NatSnapshot {
  /** Where the packets really go: the backend (outgoing), or this socket's own local side (incoming). */
  destination: AddressPort;
  /** What the connecting side addressed: a Service's virtual address, a forwarded port. */
  originalDestination: AddressPort;
  direction: NatRecord['direction'];
  table: NatRecord['table'];
}

/** A remote address's name and where it came from. */
export interface PeerName {
  /** Sanitised, at most 253 characters (longer ones end in …). */
  name: string;
  /** `dns`: a DNS answer a local socket received; `hosts`: the owning process's hosts file; `ptr`: a reverse lookup (--resolve). */
  source: PeerNameSource;
  /** When the answer arrived, the hosts file was read or the PTR lookup answered, ms since the epoch. */
  atMs: number;
}

export interface ListenerSnapshot {
  id: number;
  family: 'ipv4' | 'ipv6';
  saddr: string;
  sport: number;
  netns: number;
  owner: Owner;
  /** Connections waiting in the accept queue at the last sample. */
  acceptQueue: number;
  /** Accept-queue limit (the listen backlog). */
  acceptQueueLimit: number;
  /**
   * Connections the kernel dropped at this listener (its sk_drops: accept queue overflows and
   * SYNs it could not take), cumulative since the socket was created; 0 when not reported (a
   * recording made before netscope read it).
   */
  drops: number;
  /** `udp`: an unconnected UDP socket bound to a port outside the ephemeral range. */
  protocol: 'tcp' | 'udp';
  /** UDP: bytes of datagrams waiting to be read, at the last sample; null for TCP. */
  receiveQueue: number | null;
}

/** Sums shared by processes, peers and containers. */
export interface TrafficSums {
  connections: number;
  openConnections: number;
  bytesSent: number;
  bytesReceived: number;
  sendRate: number;
  receiveRate: number;
  retransmits: number;
  resetsSent: number;
  resetsReceived: number;
  /** Drops whose reason matters (class `matters`): real loss, not TCP housekeeping. */
  drops: number;
}

export interface ProcessSnapshot extends TrafficSums {
  pid: number;
  comm: string | null;
  cmdline: string | null;
  uid: number | null;
  user: string | null;
  container: ContainerIdentity | null;
}

/** A container's traffic, summed over the connections of its processes. */
export interface ContainerSnapshot extends TrafficSums {
  container: ContainerIdentity;
  /** Its processes that own connections, by pid. */
  processes: { pid: number; comm: string | null }[];
}

export interface PeerSnapshot extends TrafficSums {
  /** Remote address. */
  address: string;
  family: 'ipv4' | 'ipv6';
  /** The most recent name any of its connections carries; null when none. */
  peerName: PeerName | null;
}

export interface Totals {
  connectionsOpened: number;
  connectionsClosed: number;
  bytesSent: number;
  bytesReceived: number;
  retransmits: number;
  resetsSent: number;
  resetsReceived: number;
  /** Drops whose reason matters (class `matters`); every reason is in `ModelSnapshot.drops`. */
  drops: number;
  /** Closed connections evicted from the table by the retention policy. */
  evicted: number;
  lostEvents: number;
  /** UDP flows the packet program could not count: its flow map was full. */
  udpFlowsRefused: number;
}

/** One tick's host-wide rates, kept for the last minute (header sparklines). */
export interface RatePoint {
  atMs: number;
  sendRate: number;
  receiveRate: number;
  retransmitsPerSecond: number;
  dropsPerSecond: number;
  resetsPerSecond: number;
}

/** One discrete event, for the Events pane (newest first in the snapshot). */
export interface ConnectionEvent {
  atMs: number;
  kind: 'state' | 'retransmit' | 'reset' | 'drop';
  /** The socket cookie; null when the kernel had no socket (a stateless reset, an early drop). */
  connectionId: number | null;
  family: 'ipv4' | 'ipv6';
  /** Local side first; for drops, the packet's source. */
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  pid: number | null;
  comm: string | null;
  /** State changes: the state left. */
  fromState: TcpStateName | null;
  /** State changes: the state entered; retransmits: the socket's state. */
  toState: TcpStateName | null;
  /** Resets only. */
  direction: 'sent' | 'received' | null;
  /** Drops: the skb_drop_reason name; sent resets: the sk_rst_reason name. */
  reason: string | null;
}

export interface ModelSnapshot {
  atMs: number;
  /** When the model saw its first record (the capture's start). */
  startedAtMs: number;
  totals: Totals;
  connections: ConnectionSnapshot[];
  listeners: ListenerSnapshot[];
  processes: ProcessSnapshot[];
  peers: PeerSnapshot[];
  containers: ContainerSnapshot[];
  /** Why containers' runtime state files were of no use, per reason, over the whole capture. */
  containerStateProblems: Partial<Record<ContainerStateProblem, number>>;
  /** Drops by reason over the whole capture. */
  drops: DropCount[];
  rateHistory: RatePoint[];
  /** The most recent discrete events, newest first (bounded by `eventLogLength`). */
  events: ConnectionEvent[];
  /** The host gauges and their limits, as of the latest `gauges` record. */
  gauges: HostGaugesSnapshot;
}

export interface ProbeStatus {
  name: string;
  status: 'attached' | 'unsupported' | 'failed' | 'off';
  /** Why it is not attached; null when attached. */
  reason: string | null;
}

export interface SourceInfo {
  kind: 'ebpf' | 'procfs' | 'replay';
  probes: ProbeStatus[];
}

export interface HostInfo {
  hostname: string;
  kernel: string;
}
