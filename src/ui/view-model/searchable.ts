/**
 * What the filter sees of each pane: the fields its words are matched against, and what
 * `pid:`, `port:` and `state:` mean there. Processes and peers have no port or state of their
 * own: there, those terms keep the processes and peers with a matching connection.
 */
import type { PaneId } from './ui-state.js';
import type { PaneRow } from './columns.js';
import type { FieldTerm } from './filter-query.js';
import type { SearchField, Searchable } from './filter.js';
import type { ConnectionEvent, ConnectionSnapshot, ListenerSnapshot, ModelSnapshot, PeerSnapshot, ProcessSnapshot } from '../../model/snapshot-types.js';

function connectionMatchesField(connection: ConnectionSnapshot, term: FieldTerm): boolean {
  switch (term.kind) {
    case 'pid':
      return connection.owner.pid === term.pid;
    case 'port':
      return connection.sport === term.port || connection.dport === term.port;
    case 'state':
      return term.states.has(connection.state);
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

const connectionFields: readonly SearchField<ConnectionSnapshot>[] = [
  { name: 'comm', match: 'fuzzy', text: (row) => row.owner.comm },
  { name: 'daddr', match: 'literal', text: (row) => row.daddr },
  { name: 'dport', match: 'number', number: (row) => row.dport },
  { name: 'sport', match: 'number', number: (row) => row.sport },
  { name: 'state', match: 'fuzzy', text: (row) => row.state },
  { name: 'saddr', match: 'literal', text: (row) => row.saddr },
  { name: 'pid', match: 'number', number: (row) => row.owner.pid },
  { name: 'cmdline', match: 'fuzzy', text: (row) => row.owner.cmdline },
];

const processFields: readonly SearchField<ProcessSnapshot>[] = [
  { name: 'comm', match: 'fuzzy', text: (row) => row.comm },
  { name: 'pid', match: 'number', number: (row) => row.pid },
  { name: 'user', match: 'fuzzy', text: (row) => row.user },
  { name: 'cmdline', match: 'fuzzy', text: (row) => row.cmdline },
];

const peerFields: readonly SearchField<PeerSnapshot>[] = [{ name: 'address', match: 'literal', text: (row) => row.address }];

const listenerFields: readonly SearchField<ListenerSnapshot>[] = [
  { name: 'comm', match: 'fuzzy', text: (row) => row.owner.comm },
  { name: 'sport', match: 'number', number: (row) => row.sport },
  { name: 'saddr', match: 'literal', text: (row) => row.saddr },
  { name: 'pid', match: 'number', number: (row) => row.owner.pid },
  { name: 'cmdline', match: 'fuzzy', text: (row) => row.owner.cmdline },
];

const eventFields: readonly SearchField<ConnectionEvent>[] = [
  { name: 'comm', match: 'fuzzy', text: (row) => row.comm },
  { name: 'daddr', match: 'literal', text: (row) => row.daddr },
  { name: 'saddr', match: 'literal', text: (row) => row.saddr },
  { name: 'dport', match: 'number', number: (row) => row.dport },
  { name: 'sport', match: 'number', number: (row) => row.sport },
  { name: 'toState', match: 'fuzzy', text: (row) => row.toState },
  { name: 'fromState', match: 'fuzzy', text: (row) => row.fromState },
  { name: 'reason', match: 'fuzzy', text: (row) => row.reason },
  { name: 'kind', match: 'fuzzy', text: (row) => row.kind },
  { name: 'pid', match: 'number', number: (row) => row.pid },
];

/** How each pane is searched, given the snapshot its rows come from. */
export const paneSearchables: { readonly [Pane in PaneId]: (snapshot: ModelSnapshot) => Searchable<PaneRow[Pane]> } = {
  connections: () => ({
    fields: connectionFields,
    fieldPredicate: (term) => (row) => connectionMatchesField(row, term),
  }),
  processes: (snapshot) => ({
    fields: processFields,
    fieldPredicate: (term) => {
      if (term.kind === 'pid') return (row) => row.pid === term.pid;
      const pids = overMatchingConnections(snapshot.connections, term, (connection) => connection.owner.pid);
      return (row) => pids.has(row.pid);
    },
  }),
  peers: (snapshot) => ({
    fields: peerFields,
    fieldPredicate: (term) => {
      const addresses = overMatchingConnections(snapshot.connections, term, (connection) => connection.daddr);
      return (row) => addresses.has(row.address);
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
      }
    },
  }),
  events: () => ({
    fields: eventFields,
    fieldPredicate: (term) => {
      switch (term.kind) {
        case 'pid':
          return (row) => row.pid === term.pid;
        case 'port':
          return (row) => row.sport === term.port || row.dport === term.port;
        case 'state':
          return (row) => (row.fromState !== null && term.states.has(row.fromState)) || (row.toState !== null && term.states.has(row.toState));
      }
    },
  }),
};
