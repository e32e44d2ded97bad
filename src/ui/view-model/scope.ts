/**
 * Scope: Enter on a process or a peer narrows every pane to what is related to it, until Esc.
 * Connections and events are related by their owner or remote address; processes, peers and
 * listeners by the connections between them.
 */
import type { PaneId, Scope } from './ui-state.js';
import type { PaneRow } from './columns.js';
import type { ConnectionSnapshot, ListenerSnapshot, ModelSnapshot } from '../../model/snapshot-types.js';

export type ActiveScope = NonNullable<Scope>;

function connectionInScope(connection: ConnectionSnapshot, scope: ActiveScope): boolean {
  return scope.kind === 'process' ? connection.owner.pid === scope.pid : connection.daddr === scope.address;
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** Whether a connection was accepted by the listener (same local port, on its address or any). */
function acceptedBy(listener: ListenerSnapshot, connection: ConnectionSnapshot): boolean {
  return connection.sport === listener.sport && connection.netns === listener.netns && (isWildcard(listener.saddr) || listener.saddr === connection.saddr);
}

/** For each pane, the rows a scope keeps. */
export const paneScopes: { readonly [Pane in PaneId]: (snapshot: ModelSnapshot, scope: ActiveScope) => (row: PaneRow[Pane]) => boolean } = {
  connections: (_snapshot, scope) => (row) => connectionInScope(row, scope),
  processes: (snapshot, scope) => {
    if (scope.kind === 'process') return (row) => row.pid === scope.pid;
    const pids = new Set(snapshot.connections.filter((connection) => connectionInScope(connection, scope)).map((connection) => connection.owner.pid));
    return (row) => pids.has(row.pid);
  },
  peers: (snapshot, scope) => {
    if (scope.kind === 'peer') return (row) => row.address === scope.address;
    const addresses = new Set(snapshot.connections.filter((connection) => connectionInScope(connection, scope)).map((connection) => connection.daddr));
    return (row) => addresses.has(row.address);
  },
  listeners: (snapshot, scope) => {
    if (scope.kind === 'process') return (row) => row.owner.pid === scope.pid;
    const fromPeer = snapshot.connections.filter((connection) => connectionInScope(connection, scope));
    return (row) => fromPeer.some((connection) => acceptedBy(row, connection));
  },
  events: (_snapshot, scope) => (row) =>
    scope.kind === 'process' ? row.pid === scope.pid : row.daddr === scope.address || row.saddr === scope.address,
};

/** The header's scope line, `scope: process 4242 (nginx) · Esc leaves` or `scope: peer 10.0.0.7 · Esc leaves`; null when unscoped. */
export function describeScope(scope: Scope, snapshot: ModelSnapshot): string | null {
  if (scope === null) return null;
  if (scope.kind === 'peer') return `scope: peer ${scope.address} · Esc leaves`;
  const comm = snapshot.processes.find((process) => process.pid === scope.pid)?.comm ?? null;
  return `scope: process ${scope.pid}${comm === null ? '' : ` (${comm})`} · Esc leaves`;
}
