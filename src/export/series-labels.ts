/**
 * Who a metric series is about: the process name, its container and pod — and, only when peer
 * labels are asked for, the remote end.
 *
 * No pid: every run of a short-lived client (a cron job, a health-check loop, a retrying
 * curl) would mint new series that the metrics store indexes for its whole retention, and a
 * pid means nothing across hosts or restarts. Processes of one name in one container are
 * summed instead (nginx's workers are one series); the live view and --json name the pid.
 */
import type { AddressFamily } from '../model/records.js';
import type { ConnectionSnapshot, Owner } from '../model/snapshot-types.js';
import { workloadOf, type Workload } from '../model/workload.js';

/** The remote end of a series' connections (only with a peer label limit). */
export interface PeerLabels {
  /** Remote address, or `other` for everything past the peer label limit. */
  address: string;
  /** Remote port of outgoing connections; null for accepted ones, whose remote port is ephemeral, and for `other`. */
  port: number | null;
  /** Null for `other`, which mixes both. */
  family: AddressFamily | null;
  /**
   * The peer's name as its series' first connection carried it; null when none was known or for
   * `other`. Not part of the series' identity: a name learned later must not split a counter.
   */
  name: string | null;
}

export interface SeriesLabels {
  /** Process name (comm); null when netscope could not name the owner. */
  process: string | null;
  containerId: string | null;
  containerName: string | null;
  /** Kubernetes pod name. */
  pod: string | null;
  /** Kubernetes namespace. */
  namespace: string | null;
  /** The pod's workload (workload.ts): the same across a rollout, where the pod name is not. */
  workload: Workload | null;
  /** Null unless peer labels are on (--prometheus-peers N). */
  peer: PeerLabels | null;
  /** The connections' transport: a process's UDP flows are series apart from its TCP connections. */
  transport: ConnectionSnapshot['protocol'];
}

/** Past the peer label limit, connections to any further peer share this one. */
export const OTHER_PEER: PeerLabels = { address: 'other', port: null, family: null, name: null };

export function ownerLabels(owner: Owner, peer: PeerLabels | null, transport: SeriesLabels['transport'] = 'tcp'): SeriesLabels {
  const container = owner.container;
  return {
    process: owner.comm,
    containerId: container?.id ?? null,
    containerName: container?.name ?? null,
    pod: container?.pod ?? null,
    namespace: container?.namespace ?? null,
    workload: container ? workloadOf(container) : null,
    peer,
    transport,
  };
}

/**
 * The peer of a connection. An accepted connection (born in SYN_RECV, or older than the capture
 * and on a port something listens on) gets no port: the client's ephemeral port would make every
 * connection a series of its own.
 */
export function peerLabels(connection: ConnectionSnapshot, listeningPorts: ReadonlySet<string>): PeerLabels {
  const accepted =
    connection.stateHistory[0]?.state === 'SYN_RECV' || listeningPorts.has(listeningPortKey(connection.netns, connection.sport));
  return { address: connection.daddr, port: accepted ? null : connection.dport, family: connection.family, name: connection.peerName?.name ?? null };
}

export function listeningPortKey(netns: number, port: number): string {
  return `${netns}:${port}`;
}

/** One string per label set; equal labels, equal keys. */
export function seriesKey(labels: SeriesLabels): string {
  const { process, containerId, pod, namespace, containerName, peer, transport } = labels;
  return JSON.stringify([process, containerId, containerName, pod, namespace, peer?.address ?? null, peer?.port ?? null, transport]);
}
