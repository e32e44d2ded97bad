/**
 * The typed records the model ingests. Every source (live eBPF probes, the procfs fallback,
 * a replayed recording) produces exactly these; the model never sees bytes or /proc.
 *
 * Times are wall-clock milliseconds since the Unix epoch (the probes convert the kernel's
 * monotonic nanoseconds once, at decode). Socket cookies are the kernel's 64-bit per-boot
 * counter, carried as a JS number: it starts at 1 and grows by one per socket, so 2^53 is
 * out of reach.
 */
import type { Workload } from './workload.js';

/** Kernel TCP states, numbered as in include/net/tcp_states.h. */
export const TcpState = {
  ESTABLISHED: 1,
  SYN_SENT: 2,
  SYN_RECV: 3,
  FIN_WAIT1: 4,
  FIN_WAIT2: 5,
  TIME_WAIT: 6,
  CLOSE: 7,
  CLOSE_WAIT: 8,
  LAST_ACK: 9,
  LISTEN: 10,
  CLOSING: 11,
  NEW_SYN_RECV: 12,
} as const;
export type TcpStateNumber = (typeof TcpState)[keyof typeof TcpState];

export type AddressFamily = 'ipv4' | 'ipv6';

/** Both endpoints of a socket, local first, ports in host order. */
export interface Endpoints {
  family: AddressFamily;
  /** Local address in canonical text form (`127.0.0.1`, `::1`). */
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  /** Network namespace inode of the socket (0 when unknown). */
  netns: number;
}

/** The kernel's own per-socket TCP counters (tcp_info), cumulative since the socket was born. */
export interface TcpCounters {
  /** tcpi_bytes_acked: bytes sent and acknowledged by the peer. */
  bytesAcked: number;
  /** tcpi_bytes_received. */
  bytesReceived: number;
  segsOut: number;
  segsIn: number;
  /** tcpi_total_retrans: segments retransmitted over the socket's life. */
  totalRetrans: number;
  /** Smoothed round-trip time in microseconds (0 until measured). */
  srttUs: number;
}

/**
 * What limits a socket's sending, from tcp_info, sampled each tick. The times are cumulative
 * since the socket's birth, in microseconds that the kernel counts in jiffies (4 ms at HZ=250):
 * only differences between two samples mean anything about the present.
 */
export interface FlowLimitCounters {
  /** tcpi_busy_time: µs with data in flight or queued to send; includes both limited times below. */
  busyUs: number;
  /** tcpi_rwnd_limited: µs the peer's receive window stopped sending. */
  rwndLimitedUs: number;
  /** tcpi_sndbuf_limited: µs our send buffer was the limit (all sent, the application blocked for space). */
  sndbufLimitedUs: number;
  /** tcpi_delivery_rate: bytes/s of the most recent delivery-rate sample. */
  deliveryRate: number;
  /** tcpi_delivery_rate_app_limited: that sample was taken while the application had nothing more to send. */
  appLimited: boolean;
  /** tcpi_notsent_bytes: written by the application, not yet sent. */
  notsentBytes: number;
  /** tcpi_snd_cwnd: congestion window, segments. */
  sndCwnd: number;
  /** tcpi_snd_ssthresh: slow-start threshold, segments (2147483647 until the first loss). */
  sndSsthresh: number;
  /** tcpi_snd_wnd: the window the peer advertises, bytes; null when the kernel does not report it. */
  sndWnd: number | null;
  /** tcpi_rcv_wnd: the window we advertise, bytes; null when the kernel does not report it. */
  rcvWnd: number | null;
  /** tcpi_probes: probes sent without an answer (zero-window probes while probe0 is armed). */
  probes: number;
  /**
   * The probe timer (probe0, idiag_timer 4) is armed. The kernel arms it for a zero window, but
   * also whenever data waits with nothing in flight (pacing, a local drop): only with `sndWnd`
   * 0 does it mean zero-window probing.
   */
  probeTimerArmed: boolean;
}

/** Who did something to a socket, recorded where the kernel ran in that task's context. */
export interface TaskOwner {
  /** Thread-group id (the process id users see). */
  pid: number;
  comm: string;
  uid: number;
  /** cgroup v2 id of the task (0 when unknown). */
  cgroupId: number;
}

/** The container engines netscope recognises from a cgroup path and their state on disk. */
export type ContainerRuntime = 'docker' | 'containerd' | 'cri-o' | 'podman' | 'unknown';

/** A container as the host alone tells it: the cgroup path names it, the runtime's state files describe it. */
export interface ContainerIdentity {
  /** Full container id (64 hex digits for docker, CRI and podman; any name for plain containerd). */
  id: string;
  /** Container name; Kubernetes: the container's name in its pod. The short id when no state says. */
  name: string;
  runtime: ContainerRuntime;
  image: string | null;
  /** Kubernetes pod name. */
  pod: string | null;
  /** Kubernetes namespace. */
  namespace: string | null;
  /** Kubernetes pod UID (with `-`, as the API writes it). */
  podUid: string | null;
  /**
   * The pod's workload where its labels said (absent otherwise, and in version 1 recordings);
   * workloadOf() falls back to the pod name's pattern.
   */
  workload?: Workload | null;
}

/** Why a container's runtime state could not be read (the container then shows by short id). */
export type ContainerStateProblem = 'notFound' | 'symlink' | 'notAFile' | 'tooLarge' | 'unreadable' | 'malformed';

interface RecordBase {
  /** Wall-clock time of the event, ms since the epoch. */
  atMs: number;
  /** Socket cookie; 0 when the kernel had no socket (a stateless reset, an early drop). */
  cookie: number;
}

/** inet_sock_set_state: a socket moved from one TCP state to another. */
export interface StateChangeRecord extends RecordBase {
  kind: 'state';
  endpoints: Endpoints;
  oldState: TcpStateNumber;
  newState: TcpStateNumber;
  /** Present when the change ran in the owner's context (connect, close, listen). */
  owner: TaskOwner | null;
  counters: TcpCounters;
}

/** tcp_retransmit_skb: one segment was retransmitted. */
export interface RetransmitRecord extends RecordBase {
  kind: 'retransmit';
  endpoints: Endpoints;
  state: TcpStateNumber;
  counters: TcpCounters;
}

/** tcp_send_reset / tcp_receive_reset. */
export interface ResetRecord extends RecordBase {
  kind: 'reset';
  direction: 'sent' | 'received';
  endpoints: Endpoints;
  /** The kernel's sk_rst_reason name for sent resets (`NOT_SPECIFIED` when not given). */
  reason: string;
  counters: TcpCounters | null;
}

/** kfree_skb on a TCP packet, with the kernel's drop reason. */
export interface DropRecord extends RecordBase {
  kind: 'drop';
  /**
   * The packet's own addresses as it travelled (source first). Which local socket it belongs
   * to is the model's question: the cookie when the kernel knew the socket, else the tuple.
   */
  packet: Endpoints;
  /** skb_drop_reason name without its prefix, e.g. `NETFILTER_DROP`. */
  reason: string;
}

/** One socket's counters as sampled through sock_diag at a tick. */
export interface SocketSampleRecord extends RecordBase {
  kind: 'sample';
  endpoints: Endpoints;
  state: TcpStateNumber;
  /** Socket inode (links the socket to the process holding its fd). */
  inode: number;
  uid: number;
  /** Counters; null for sockets without tcp_info (listeners still report queues). */
  counters: TcpCounters | null;
  /** Listeners: current accept-queue length. Others: bytes received but not yet read. */
  receiveQueue: number;
  /** Listeners: accept-queue limit (backlog). Others: bytes not yet acknowledged. */
  sendQueue: number;
  /**
   * Packets the kernel dropped at this socket (sk_drops), cumulative; for a listener, the
   * connections it could not take. Absent from recordings made before netscope read it.
   */
  drops?: number;
  /**
   * What limits the socket's sending; null when its tcp_info lacks the chrono stats (an older
   * kernel, a socket without tcp_info), absent in recordings made before it was sampled.
   */
  limits?: FlowLimitCounters | null;
}

/** A process resolved for a socket (from /proc), with the details only user space can read. */
export interface OwnerRecord extends RecordBase {
  kind: 'owner';
  pid: number;
  comm: string;
  /** Command line, already redacted. */
  cmdline: string;
  uid: number;
  /** User name for uid, or the uid as text. */
  user: string;
  cgroupId: number;
}

/**
 * A sampling pass over these network namespaces finished: their sockets not sampled since
 * `sinceMs` are gone. Closes connections whose close event was lost (or, in the procfs
 * fallback, never seen).
 */
export interface SweepRecord {
  kind: 'sweep';
  atMs: number;
  /** Start of the pass, ms since the epoch. */
  sinceMs: number;
  netns: number[];
}

/**
 * A cgroup resolved (once, when first seen): the container its tasks run in, or null for a
 * host cgroup. `problem` says why a container's state files were of no use, when they were not.
 */
export interface ContainerRecord {
  kind: 'container';
  atMs: number;
  cgroupId: number;
  /**
   * Set when the container belongs to this process rather than to the cgroup: on a hybrid host
   * whose runtime placed the task in v1 cgroups only, its v2 cgroup (the id) is shared with
   * others, and only the task's v1 paths name its container.
   */
  pid: number | null;
  container: ContainerIdentity | null;
  problem: ContainerStateProblem | null;
}

/**
 * A UDP flow's counters as the packet program keeps them: UDP payload only (IP and UDP headers
 * not counted), cumulative since netscope attached the program.
 */
export interface UdpFlowCounters {
  bytesSent: number;
  bytesReceived: number;
  /** Datagrams; a segmentation-offloaded send or coalesced receive counts its segments. */
  packetsSent: number;
  packetsReceived: number;
  /** The flow's first datagram, ms since the epoch. */
  firstPacketAtMs: number;
  /** Its latest datagram, ms since the epoch. */
  lastPacketAtMs: number;
}

/**
 * One UDP flow read from the packet program's map: a socket and one peer (a connected socket
 * has one; an unconnected socket one flow per address and port it exchanged datagrams with).
 * `cookie` is the socket's. Read each tick its counters moved, and once more when its socket is gone.
 */
export interface UdpFlowRecord extends RecordBase {
  kind: 'udpFlow';
  /** Local side, then the peer; netns from the socket's sock_diag sample, else as the packet program read it at the flow's first datagram (0 when neither). */
  endpoints: Endpoints;
  /** The socket was connect()ed when the flow began. */
  connected: boolean;
  /** The task whose send the flow saw first; null when only received so far. */
  owner: TaskOwner | null;
  counters: UdpFlowCounters;
  /** The socket is gone: these counters are the flow's last. */
  socketClosed: boolean;
}

/** One UDP socket as sock_diag reports it at a tick. */
export interface UdpSocketRecord extends RecordBase {
  kind: 'udpSocket';
  /** Local side; the peer is `0.0.0.0`/`::` port 0 for an unconnected socket. */
  endpoints: Endpoints;
  connected: boolean;
  /** Unconnected and bound to a port outside the ephemeral range (ip_local_port_range): a server, not a client. */
  listening: boolean;
  inode: number;
  uid: number;
  /** Bytes of datagrams received but not yet read. */
  receiveQueue: number;
  /** Datagrams the kernel dropped on this socket (SK_MEMINFO_DROPS: mostly a full receive buffer); null when not reported. */
  drops: number | null;
}

/** Flows the packet program could not count because its map was full (cumulative total). */
export interface UdpFlowsRefusedRecord {
  kind: 'udpRefused';
  atMs: number;
  total: number;
}

/** Events the kernel dropped because the ring buffer was full (cumulative total). */
export interface LostEventsRecord {
  kind: 'lost';
  atMs: number;
  total: number;
}

/** The kernel's TcpExt counters (/proc/net/netstat) the gauges watch, cumulative per network namespace. */
export interface KernelPressureCounters {
  /** An accept queue was full when a connection completed its handshake. */
  listenOverflows: number;
  /** SYNs or completed handshakes a listener dropped (overflows included). */
  listenDrops: number;
  /** Connections reset because TCP memory or orphans ran out. */
  tcpAbortOnMemory: number;
  /** Times TCP memory entered its pressure mode (tcp_mem's middle value). */
  tcpMemoryPressures: number;
  /** Segments dropped because a socket's backlog was full. */
  tcpBacklogDrop: number;
  /** TIME_WAIT sockets not kept because tcp_max_tw_buckets was reached. */
  tcpTimeWaitOverflow: number;
}

/** Local ports of the ephemeral range held by sockets to one destination. */
export interface DestinationPorts {
  daddr: string;
  dport: number;
  /** Sockets (TIME_WAIT included: it keeps its port) with a local port in the range. */
  ports: number;
}

/** One network namespace's gauges and their limits, as read in one pass. */
export interface NamespaceGauges {
  netns: number;
  /** net.ipv4.ip_local_port_range, inclusive; null when it could not be read. */
  ephemeralPortRange: { low: number; high: number } | null;
  /** The destinations holding the most ephemeral ports, most first (a few at most). */
  ephemeralPortsByDestination: DestinationPorts[];
  /** TCP sockets in TIME_WAIT (timewait minisocks, orphaned FIN_WAIT2 ones not counted). */
  timeWait: number;
  /** net.ipv4.tcp_max_tw_buckets: TIME_WAIT sockets past it are not kept; null when unreadable. */
  timeWaitLimit: number | null;
  closeWait: number;
  /** nf_conntrack_count against nf_conntrack_max; null where conntrack is not loaded. */
  conntrack: { entries: number; max: number } | null;
  /** net.core.somaxconn, the cap on every listener's backlog; null when unreadable. */
  somaxconn: number | null;
  /** Cumulative since boot (per namespace); null when /proc/net/netstat could not be read. */
  kernelCounters: KernelPressureCounters | null;
}

/** The host-wide TCP limits (the same in every namespace), null where unreadable. */
export interface HostTcpGauges {
  /** /proc/net/sockstat `mem`: pages TCP sockets hold. */
  memoryPages: number | null;
  /** net.ipv4.tcp_mem: below `low` no pressure, from `pressure` TCP moderates, at `high` it refuses. Pages. */
  memoryLimitPages: { low: number; pressure: number; high: number } | null;
  /** /proc/net/sockstat `orphan`: sockets no process holds any more. */
  orphans: number | null;
  /** net.ipv4.tcp_max_orphans. */
  maxOrphans: number | null;
}

/** File descriptors one socket-owning process has open, against its RLIMIT_NOFILE. */
export interface ProcessDescriptors {
  pid: number;
  descriptors: number;
  /** The soft limit; null when unlimited. */
  limit: number | null;
}

/**
 * The host gauges read in one pass (each tick, descriptors on a slower cadence): how close the
 * host is to running out of ports, conntrack entries, descriptors, TCP memory.
 */
export interface GaugesRecord {
  kind: 'gauges';
  atMs: number;
  /** Every namespace read in this pass; one missing is gone. */
  namespaces: NamespaceGauges[];
  host: HostTcpGauges;
  /** Null when descriptors were not counted in this pass (the previous counts stand). */
  processDescriptors: ProcessDescriptors[] | null;
}

/** An address and a port (host order), as conntrack or a socket names one side. */
export interface AddressPort {
  /** Canonical text (`10.96.0.10`, `fd00::1`). */
  address: string;
  port: number;
}

/**
 * conntrack's answer for a connection whose destination was translated on the way (DNAT: a
 * Service's virtual address → its backend). Only translated connections get one.
 */
export interface NatRecord extends RecordBase {
  kind: 'nat';
  /**
   * Where the connection's packets really go: the backend, for one this host's socket opened;
   * the socket's own local side, for one it accepted.
   */
  destination: AddressPort;
  /** The destination the connecting side addressed (the Service address, the forwarded port). */
  originalDestination: AddressPort;
  /** Which end this host's socket is: it connected (`outgoing`) or accepted (`incoming`). */
  direction: 'outgoing' | 'incoming';
  /**
   * The conntrack table that knew it: the socket's own network namespace's (`socket`), or the
   * host's (`host`: a pod's connection translated by kube-proxy on the node).
   */
  table: 'socket' | 'host';
  /**
   * Present when the record is about a UDP flow: the flow's peer (with `cookie`, its socket, it
   * names the flow — an unconnected socket has one per peer). Absent for a TCP connection, and
   * in recordings made before UDP flows were asked about.
   */
  udpPeer?: AddressPort;
}

export type ModelRecord =
  | StateChangeRecord
  | RetransmitRecord
  | ResetRecord
  | DropRecord
  | SocketSampleRecord
  | OwnerRecord
  | ContainerRecord
  | SweepRecord
  | LostEventsRecord
  | GaugesRecord
  | NatRecord
  | UdpFlowRecord
  | UdpSocketRecord
  | UdpFlowsRefusedRecord
  | PeerNameRecord;

/**
 * Where a peer's name came from: `dns` a DNS answer a local socket received, `hosts` the owning
 * process's hosts file, `ptr` a reverse lookup netscope made itself (only with --resolve).
 */
export type PeerNameSource = 'dns' | 'hosts' | 'ptr';

/**
 * A name for an address as one network namespace saw it: the name an application asked for in
 * a DNS answer a local socket received (through any CNAME chain), a line of a process's
 * hosts file, or the answer to a reverse (PTR) lookup asked with --resolve. The name is already sanitised and capped (253 characters) by the source.
 */
export interface PeerNameRecord {
  kind: 'name';
  /** When the answer arrived (or the hosts file was read), ms since the epoch. */
  atMs: number;
  /** Network namespace inode the name belongs to (0 when unknown). */
  netns: number;
  /** The address in canonical text form. */
  address: string;
  name: string;
  source: PeerNameSource;
  /** The answer's TTL in seconds (a PTR name: how long netscope trusts it); null for a hosts file line, which does not expire. */
  ttlSeconds: number | null;
  /** cgroup v2 id of the socket that received the answer (0 when unknown or from a hosts file). */
  cgroupId: number;
}
