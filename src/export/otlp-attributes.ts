/**
 * Series labels as OpenTelemetry semantic-convention attributes.
 *
 * `process.executable.name`, `container.name`, `host.name` and `network.connection.state` are
 * still incubating: their names are written here rather than imported from
 * `@opentelemetry/semantic-conventions/incubating`, whose exports may change in any minor
 * release (the package's own advice).
 */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_CONTAINER_ID,
  ATTR_K8S_CRONJOB_NAME,
  ATTR_K8S_DAEMONSET_NAME,
  ATTR_K8S_DEPLOYMENT_NAME,
  ATTR_K8S_JOB_NAME,
  ATTR_K8S_STATEFULSET_NAME,
  ATTR_K8S_NAMESPACE_NAME,
  ATTR_K8S_POD_NAME,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_TYPE,
  ATTR_SERVER_ADDRESS,
  NETWORK_TRANSPORT_VALUE_TCP,
  NETWORK_TRANSPORT_VALUE_UDP,
} from '@opentelemetry/semantic-conventions';
import type { TcpStateName } from '../model/snapshot-types.js';
import type { SeriesLabels } from './series-labels.js';
import type { WorkloadKind } from '../model/workload.js';

/** The attribute naming each kind of workload; a workload of unknown kind gets none of them. */
const workloadAttributes: Record<WorkloadKind, string> = {
  Deployment: ATTR_K8S_DEPLOYMENT_NAME,
  StatefulSet: ATTR_K8S_STATEFULSET_NAME,
  DaemonSet: ATTR_K8S_DAEMONSET_NAME,
  Job: ATTR_K8S_JOB_NAME,
  CronJob: ATTR_K8S_CRONJOB_NAME,
};

export const ATTR_PROCESS_EXECUTABLE_NAME = 'process.executable.name';
export const ATTR_CONTAINER_NAME = 'container.name';
export const ATTR_HOST_NAME = 'host.name';
export const ATTR_NETWORK_CONNECTION_STATE = 'network.connection.state';

/** The kernel's TCP states as `network.connection.state` spells them. */
const connectionStateValues: Record<TcpStateName, string> = {
  ESTABLISHED: 'established',
  SYN_SENT: 'syn_sent',
  SYN_RECV: 'syn_received',
  NEW_SYN_RECV: 'syn_received',
  FIN_WAIT1: 'fin_wait_1',
  FIN_WAIT2: 'fin_wait_2',
  TIME_WAIT: 'time_wait',
  CLOSE: 'closed',
  CLOSE_WAIT: 'close_wait',
  LAST_ACK: 'last_ack',
  LISTEN: 'listen',
  CLOSING: 'closing',
};

export function connectionStateValue(state: TcpStateName): string {
  return connectionStateValues[state];
}

/**
 * `network.type` only on peer series: the others sum a process's IPv4 and IPv6 connections
 * (splitting them would double a dual-stack process's series for little).
 *
 * A peer's name goes where the semantic conventions put a logical name, beside the IP in
 * `network.peer.address`: `server.address` when this host connected to it (the series has its
 * port), `client.address` when the peer connected here (an accepted connection, no port).
 */
export function seriesAttributes(labels: SeriesLabels): Attributes {
  const attributes: Attributes = {
    [ATTR_NETWORK_TRANSPORT]: labels.transport === 'udp' ? NETWORK_TRANSPORT_VALUE_UDP : NETWORK_TRANSPORT_VALUE_TCP,
  };
  if (labels.process !== null) attributes[ATTR_PROCESS_EXECUTABLE_NAME] = labels.process;
  if (labels.containerId !== null) attributes[ATTR_CONTAINER_ID] = labels.containerId;
  if (labels.containerName !== null) attributes[ATTR_CONTAINER_NAME] = labels.containerName;
  if (labels.pod !== null) attributes[ATTR_K8S_POD_NAME] = labels.pod;
  if (labels.namespace !== null) attributes[ATTR_K8S_NAMESPACE_NAME] = labels.namespace;
  if (labels.workload?.kind) attributes[workloadAttributes[labels.workload.kind]] = labels.workload.name;
  if (labels.peer !== null) {
    attributes[ATTR_NETWORK_PEER_ADDRESS] = labels.peer.address;
    if (labels.peer.port !== null) attributes[ATTR_NETWORK_PEER_PORT] = labels.peer.port;
    if (labels.peer.family !== null) attributes[ATTR_NETWORK_TYPE] = labels.peer.family;
    if (labels.peer.name !== null) attributes[labels.peer.port === null ? ATTR_CLIENT_ADDRESS : ATTR_SERVER_ADDRESS] = labels.peer.name;
  }
  return attributes;
}
