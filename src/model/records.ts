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

/** Events the kernel dropped because the ring buffer was full (cumulative total). */
export interface LostEventsRecord {
  kind: 'lost';
  atMs: number;
  total: number;
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
  | PeerNameRecord;

/** Where a peer's name came from. */
export type PeerNameSource = 'dns' | 'hosts';

/**
 * A name for an address as one network namespace saw it: the name an application asked for in
 * a DNS answer a local socket received (through any CNAME chain), or a line of a process's
 * hosts file. The name is already sanitised and capped (253 characters) by the source.
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
  /** The answer's TTL in seconds; null for a hosts file line, which does not expire. */
  ttlSeconds: number | null;
  /** cgroup v2 id of the socket that received the answer (0 when unknown or from a hosts file). */
  cgroupId: number;
}
