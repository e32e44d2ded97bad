/**
 * What the filter sees of each pane: the fields its words are matched against, and what
 * `pid:`, `port:`, `state:`, `ctr:` and `pod:` mean there. Where a row has no such field of its
 * own (a peer's port, a container's state, an event's container), the term keeps the rows with
 * a matching connection.
 *
 * Each pane lists its fuzzy fields by weight — process name, then container and pod, then peer,
 * then command line — but gives fuse.js no weights: weights only rank matches, and a row here
 * matches when any of its fields does, in the table's own order.
 */
import type { EventRow } from './event-rows.js';
import type { PaneId } from './ui-state.js';
import type { PaneRow } from './columns.js';
import type { FieldTerm } from '../../filter/filter-query.js';
import type { SearchField, Searchable } from '../../filter/filter.js';
import type {
  ConnectionSnapshot,
  ContainerSnapshot,
  ListenerSnapshot,
  ModelSnapshot,
  PeerName,
  ProcessSnapshot,
} from '../../model/snapshot-types.js';
import type { ContainerIdentity } from '../../model/records.js';
import { containerInScope } from '../../model/document-scope.js';
import { inWorkload, workloadOf } from '../../model/workload.js';
import type { Finding } from '../../findings/finding.js';
import { findingKindName } from './finding-format.js';
import { natMatchesTerm } from '../../filter/nat-term.js';
import type { PeerRow } from './peer-groups.js';

type ContainerTerm = Extract<FieldTerm, { kind: 'container' | 'pod' | 'workload' }>;

/**
 * Whether `ctr:`/`pod:` names `container`, as `--container`/`--pod` would, or `workload:` its
 * workload; a host process (null) never matches.
 */
function containerMatchesTerm(container: ContainerIdentity | null, term: ContainerTerm): boolean {
  if (container === null) return false;
  if (term.kind === 'workload') return inWorkload(container, term.workload);
  return containerInScope(container, term.kind === 'container' ? { container: term.container, pod: null } : { container: null, pod: term.pod });
}

/** Whether `host:` names this peer: its address, its name, or a domain its name is in. */
function peerMatchesHost(address: string, peerName: PeerName | null, host: string): boolean {
  if (address.toLowerCase() === host) return true;
  if (peerName === null) return false;
  const name = peerName.name.toLowerCase();
  return name === host || name.endsWith(`.${host}`);
}

function connectionMatchesField(connection: ConnectionSnapshot, term: FieldTerm): boolean {
  switch (term.kind) {
    case 'pid':
      return connection.owner.pid === term.pid;
    case 'port':
      return connection.sport === term.port || connection.dport === term.port;
    case 'state':
      return term.states.has(connection.state);
    case 'protocol':
      return connection.protocol === term.protocol;
    case 'container':
    case 'pod':
    case 'workload':
      return containerMatchesTerm(connection.owner.container, term);
    case 'nat':
      return natMatchesTerm(connection.nat, term);
    case 'host':
      return peerMatchesHost(connection.daddr, connection.peerName, term.host);
  }
}

/** The values `pick` takes over the connections a field term matches. */
function overMatchingConnections<Value>(
  connections: readonly ConnectionSnapshot[],
  term: FieldTerm,
  pick: (connection: ConnectionSnapshot) => Value,
): Set<Value> {
  const picked = new Set<Value>();
  for (const connection of connections) if (connectionMatchesField(connection, term)) picked.add(pick(connection));
  return picked;
}

/** The owner's container name, pod, namespace, image and runtime (none for a host process). */
function containerFields<Row>(container: (row: Row) => ContainerIdentity | null): SearchField<Row>[] {
  return [
    { name: 'container', match: 'fuzzy', text: (row) => container(row)?.name ?? null },
    { name: 'pod', match: 'fuzzy', text: (row) => container(row)?.pod ?? null },
    { name: 'workload', match: 'fuzzy', text: (row) => { const owner = container(row); return owner === null ? null : (workloadOf(owner)?.name ?? null); } },
    { name: 'namespace', match: 'fuzzy', text: (row) => container(row)?.namespace ?? null },
    { name: 'image', match: 'fuzzy', text: (row) => container(row)?.image ?? null },
    { name: 'runtime', match: 'fuzzy', text: (row) => container(row)?.runtime ?? null },
  ];
}

const connectionFields: readonly SearchField<ConnectionSnapshot>[] = [
  { name: 'comm', match: 'fuzzy', text: (row) => row.owner.comm },
  ...containerFields<ConnectionSnapshot>((row) => row.owner.container),
  { name: 'daddr', match: 'literal', text: (row) => row.daddr },
  { name: 'peerName', match: 'fuzzy', text: (row) => row.peerName?.name ?? null },
  { name: 'dport', match: 'number', number: (row) => row.dport },
  { name: 'sport', match: 'number', number: (row) => row.sport },
  { name: 'state', match: 'fuzzy', text: (row) => row.state },
  { name: 'protocol', match: 'fuzzy', text: (row) => row.protocol },
  { name: 'saddr', match: 'literal', text: (row) => row.saddr },
  { name: 'pid', match: 'number', number: (row) => row.owner.pid },
  { name: 'cmdline', match: 'fuzzy', text: (row) => row.owner.cmdline },
  { name: 'local', match: 'endpoint', endpoint: (row) => ({ address: row.saddr.toLowerCase(), port: row.sport }) },
  { name: 'remote', match: 'endpoint', endpoint: (row) => ({ address: row.daddr.toLowerCase(), port: row.dport }) },
  // The real destination behind NAT: a backend's address finds the connections sent to it through a Service address.
  { name: 'natDestination', match: 'endpoint', endpoint: (row) => (row.nat === null ? null : { address: row.nat.destination.address.toLowerCase(), port: row.nat.destination.port }) },
  { name: 'natAddress', match: 'literal', text: (row) => row.nat?.destination.address.toLowerCase() ?? null },
];

const processFields: readonly SearchField<ProcessSnapshot>[] = [
  { name: 'comm', match: 'fuzzy', text: (row) => row.comm },
  ...containerFields<ProcessSnapshot>((row) => row.container),
  { name: 'pid', match: 'number', number: (row) => row.pid },
  { name: 'user', match: 'fuzzy', text: (row) => row.user },
  { name: 'cmdline', match: 'fuzzy', text: (row) => row.cmdline },
];

const containerPaneFields: readonly SearchField<ContainerSnapshot>[] = [
  { name: 'comm', match: 'fuzzy', text: (row) => row.processes.map((process) => process.comm ?? '').join(' ') },
  ...containerFields<ContainerSnapshot>((row) => row.container),
];

const peerFields: readonly SearchField<PeerRow>[] = [
  { name: 'address', match: 'literal', text: (row) => row.addresses.join(' ') },
  { name: 'peerName', match: 'fuzzy', text: (row) => row.peerName?.name ?? null },
];

const listenerFields: readonly SearchField<ListenerSnapshot>[] = [
  { name: 'comm', match: 'fuzzy', text: (row) => row.owner.comm },
  ...containerFields<ListenerSnapshot>((row) => row.owner.container),
  { name: 'sport', match: 'number', number: (row) => row.sport },
  { name: 'saddr', match: 'literal', text: (row) => row.saddr },
  { name: 'pid', match: 'number', number: (row) => row.owner.pid },
  { name: 'cmdline', match: 'fuzzy', text: (row) => row.owner.cmdline },
  { name: 'local', match: 'endpoint', endpoint: (row) => ({ address: row.saddr.toLowerCase(), port: row.sport }) },
];

const eventFields: readonly SearchField<EventRow>[] = [
  { name: 'comm', match: 'fuzzy', text: (row) => row.comm },
  { name: 'daddr', match: 'literal', text: (row) => row.daddr },
  { name: 'saddr', match: 'literal', text: (row) => row.saddr },
  { name: 'dport', match: 'number', number: (row) => row.dport },
  { name: 'sport', match: 'number', number: (row) => row.sport },
  { name: 'toState', match: 'fuzzy', text: (row) => row.toState },
  { name: 'fromState', match: 'fuzzy', text: (row) => row.fromState },
  { name: 'reason', match: 'fuzzy', text: (row) => row.reason },
  { name: 'type', match: 'fuzzy', text: (row) => row.type },
  { name: 'pid', match: 'number', number: (row) => row.pid },
  { name: 'local', match: 'endpoint', endpoint: (row) => ({ address: row.saddr.toLowerCase(), port: row.sport }) },
  { name: 'remote', match: 'endpoint', endpoint: (row) => ({ address: row.daddr.toLowerCase(), port: row.dport }) },
];

const findingFields: readonly SearchField<Finding>[] = [
  { name: 'comm', match: 'fuzzy', text: (row) => row.subject.comm },
  ...containerFields<Finding>((row) => row.subject.container),
  { name: 'peer', match: 'literal', text: (row) => row.subject.peerAddress },
  { name: 'kind', match: 'fuzzy', text: (row) => findingKindName(row.kind) },
  { name: 'summary', match: 'fuzzy', text: (row) => row.summary },
  { name: 'pid', match: 'number', number: (row) => row.subject.pid },
  { name: 'peerPort', match: 'number', number: (row) => row.subject.peerPort },
  { name: 'localPort', match: 'number', number: (row) => row.subject.localPort },
];

/** Whether a field term names a finding's own subject. */
function subjectMatchesField(finding: Finding, term: FieldTerm): boolean {
  const { subject } = finding;
  switch (term.kind) {
    case 'pid':
      return subject.pid === term.pid;
    case 'port':
      return subject.peerPort === term.port || subject.localPort === term.port;
    case 'host':
      return subject.peerAddress !== null && subject.peerAddress.toLowerCase() === term.host;
    case 'state':
    case 'nat':
    case 'protocol':
      // Not the finding's own: it matches through the connections of its evidence.
      return false;
    case 'container':
    case 'pod':
    case 'workload':
      return containerMatchesTerm(subject.container, term);
  }
}

/** How each pane is searched, given the snapshot its rows come from. */
export const paneSearchables: { readonly [Pane in PaneId]: (snapshot: ModelSnapshot) => Searchable<PaneRow[Pane]> } = {
  // A term keeps a finding about what it names, or one whose evidence holds a connection it
  // matches: `state:close_wait` keeps the leaks, `port:5432` whatever is wrong on that port.
  findings: (snapshot) => ({
    fields: findingFields,
    fieldPredicate: (term) => {
      const matching = overMatchingConnections(snapshot.connections, term, (connection) => connection.id);
      return (row) => subjectMatchesField(row, term) || row.evidence.connectionIds.some((id) => matching.has(id));
    },
  }),
  connections: () => ({
    fields: connectionFields,
    fieldPredicate: (term) => (row) => connectionMatchesField(row, term),
  }),
  processes: (snapshot) => ({
    fields: processFields,
    fieldPredicate: (term) => {
      switch (term.kind) {
        case 'pid':
          return (row) => row.pid === term.pid;
        case 'container':
        case 'pod':
        case 'workload':
          return (row) => containerMatchesTerm(row.container, term);
        default: {
          const pids = overMatchingConnections(snapshot.connections, term, (connection) => connection.owner.pid);
          return (row) => pids.has(row.pid);
        }
      }
    },
  }),
  containers: (snapshot) => ({
    fields: containerPaneFields,
    fieldPredicate: (term) => {
      switch (term.kind) {
        case 'pid':
          return (row) => row.processes.some((process) => process.pid === term.pid);
        case 'container':
        case 'pod':
        case 'workload':
          return (row) => containerMatchesTerm(row.container, term);
        default: {
          const ids = overMatchingConnections(snapshot.connections, term, (connection) => connection.owner.container?.id);
          return (row) => ids.has(row.container.id);
        }
      }
    },
  }),
  peers: (snapshot) => ({
    fields: peerFields,
    fieldPredicate: (term) => {
      if (term.kind === 'host') return (row) => row.addresses.some((address) => peerMatchesHost(address, row.peerName, term.host));
      const addresses = overMatchingConnections(snapshot.connections, term, (connection) => connection.daddr);
      return (row) => row.addresses.some((address) => addresses.has(address));
    },
  }),
  listeners: () => ({
    fields: listenerFields,
    fieldPredicate: (term) => {
      switch (term.kind) {
        case 'pid':
          return (row) => row.owner.pid === term.pid;
        case 'port':
          return (row) => row.sport === term.port;
        case 'state':
          return () => term.states.has('LISTEN');
        case 'protocol':
          return (row) => row.protocol === term.protocol;
        case 'host':
          return () => false;
        case 'container':
        case 'pod':
        case 'workload':
          return (row) => containerMatchesTerm(row.owner.container, term);
        case 'nat':
          // A listener is no connection: nothing was translated for it.
          return () => false;
      }
    },
  }),
  events: (snapshot) => ({
    fields: eventFields,
    fieldPredicate: (term) => {
      switch (term.kind) {
        case 'pid':
          return (row) => row.pid === term.pid;
        case 'port':
          return (row) => row.sport === term.port || row.dport === term.port;
        case 'state':
          return (row) => (row.fromState !== null && term.states.has(row.fromState)) || (row.toState !== null && term.states.has(row.toState));
        case 'protocol':
          // The Events pane lists TCP's events; UDP has no states, resets or retransmits.
          return () => term.protocol === 'tcp';
        case 'host': {
          const ids = overMatchingConnections(snapshot.connections, term, (connection) => connection.id);
          return (row) => row.connectionId !== null && ids.has(row.connectionId);
        }
        case 'container':
        case 'pod':
        case 'workload': {
          // An event's container is its connection's owner's, or its process's once the connection is evicted.
          const ids = overMatchingConnections(snapshot.connections, term, (connection) => connection.id);
          const pids = overMatchingConnections(snapshot.connections, term, (connection) => connection.owner.pid);
          return (row) => (row.connectionId !== null && ids.has(row.connectionId)) || (row.pid !== null && pids.has(row.pid));
        }
        case 'nat': {
          const ids = overMatchingConnections(snapshot.connections, term, (connection) => connection.id);
          return (row) => row.connectionId !== null && ids.has(row.connectionId);
        }
      }
    },
  }),
};
