/**
 * Scope: Enter on a process (or a process name, grouped), a container, a peer, a listener or a finding (or `--pid`,
 * `--container`, `--pod`) narrows every pane to what is related to it, until Esc. Connections are
 * related by their owner (its pid or its container), their remote address (or, for a Peers row
 * grouping addresses by name, their peer's name), the listener that
 * accepted them, or — under a finding — by being its evidence; events by their connection;
 * processes, containers, peers and listeners by the connections between them, or by their own
 * owner; findings by their subject or evidence.
 */
import type { PaneId, Scope } from './ui-state.js';
import type { PaneRow } from './columns.js';
import type { ConnectionSnapshot, ListenerSnapshot, ModelSnapshot } from '../../model/snapshot-types.js';
import type { ContainerIdentity } from '../../model/records.js';
import type { Finding } from '../../findings/finding.js';
import { containerInScope } from '../../model/document-scope.js';
import { formatContainer, formatEndpoint } from './format.js';

export type ActiveScope = NonNullable<Scope>;
type ContainerScope = Extract<ActiveScope, { kind: 'container' | 'containerQuery' }>;

/** Characters of a container id shown when nothing else names it (as `docker ps` shows ids). */
export const SHORT_ID_LENGTH = 12;

function isContainerScope(scope: ActiveScope): scope is ContainerScope {
  return scope.kind === 'container' || scope.kind === 'containerQuery';
}

/** Whether `container` (null for a host process) is in a container scope. */
function containerMatches(container: ContainerIdentity | null, scope: ContainerScope): boolean {
  if (container === null) return false;
  // The same test as the JSON document's --container/--pod, so both views keep the same rows.
  return scope.kind === 'container' ? container.id === scope.id : containerInScope(container, scope);
}

/** Which connections a scope keeps; a listener scope looks its listener up in the snapshot. */
function connectionMatcher(snapshot: ModelSnapshot, scope: ActiveScope): (connection: ConnectionSnapshot) => boolean {
  switch (scope.kind) {
    case 'process':
      return (connection) => connection.owner.pid === scope.pid;
    case 'processName':
      return (connection) => isNamed(connection.owner, scope);
    case 'peer':
      return (connection) => connection.daddr === scope.address;
    case 'peerName':
      return (connection) => connection.peerName?.name === scope.name;
    case 'listener': {
      const listener = scopedListener(snapshot, scope);
      return listener === undefined ? () => false : (connection) => acceptedBy(listener, connection);
    }
    case 'container':
    case 'containerQuery':
      return (connection) => containerMatches(connection.owner.container, scope);
    case 'finding':
      return (connection) => scope.connectionIds.includes(connection.id);
  }
}

/**
 * Whether a finding is about what a (non-finding) scope names: its process, its peer, its
 * listener or its container. A finding names its peer by address: under a name scope, any
 * address of `connections` (those carrying the name) is the peer.
 */
function subjectInScope(finding: Finding, scope: Exclude<ActiveScope, { kind: 'finding' }>, connections: readonly ConnectionSnapshot[]): boolean {
  switch (scope.kind) {
    case 'process':
      return finding.subject.pid === scope.pid;
    case 'processName':
      return isNamed(finding.subject, scope);
    case 'peer':
      return finding.subject.peerAddress === scope.address;
    case 'peerName':
      return connections.some((connection) => connection.daddr === finding.subject.peerAddress);
    case 'listener':
      return finding.evidence.listenerIds.includes(scope.id);
    case 'container':
    case 'containerQuery':
      return containerMatches(finding.subject.container, scope);
  }
}

/** Whether an owner (a process, a connection's or listener's owner, a finding's subject) has the name and container of a `processName` scope. */
function isNamed(owner: { comm: string | null; container: ContainerIdentity | null }, scope: Extract<ActiveScope, { kind: 'processName' }>): boolean {
  return owner.comm === scope.comm && (owner.container?.id ?? null) === scope.containerId;
}

function connectionsInScope(snapshot: ModelSnapshot, scope: ActiveScope): ConnectionSnapshot[] {
  return snapshot.connections.filter(connectionMatcher(snapshot, scope));
}

function scopedListener(snapshot: ModelSnapshot, scope: Extract<ActiveScope, { kind: 'listener' }>): ListenerSnapshot | undefined {
  return snapshot.listeners.find((listener) => listener.id === scope.id);
}

function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** Whether a connection was accepted by the listener (same local port and netns, on its address or any). */
function acceptedBy(listener: ListenerSnapshot, connection: Pick<ConnectionSnapshot, 'saddr' | 'sport' | 'netns'>): boolean {
  return connection.sport === listener.sport && connection.netns === listener.netns && (isWildcard(listener.saddr) || listener.saddr === connection.saddr);
}

/** For each pane, the rows a scope keeps. */
export const paneScopes: { readonly [Pane in PaneId]: (snapshot: ModelSnapshot, scope: ActiveScope) => (row: PaneRow[Pane]) => boolean } = {
  findings: (snapshot, scope) => {
    if (scope.kind === 'finding') return (row) => row.id === scope.id;
    const inScope = connectionsInScope(snapshot, scope);
    const ids = new Set(inScope.map((connection) => connection.id));
    return (row) => subjectInScope(row, scope, inScope) || row.evidence.connectionIds.some((id) => ids.has(id));
  },
  connections: connectionMatcher,
  processes: (snapshot, scope) => {
    if (scope.kind === 'process') return (row) => row.pid === scope.pid;
    if (scope.kind === 'processName') return (row) => isNamed(row, scope);
    const pids = new Set(connectionsInScope(snapshot, scope).map((connection) => connection.owner.pid));
    return (row) => pids.has(row.pid);
  },
  containers: (snapshot, scope) => {
    if (isContainerScope(scope)) return (row) => containerMatches(row.container, scope);
    const ids = new Set(connectionsInScope(snapshot, scope).map((connection) => connection.owner.container?.id));
    return (row) => ids.has(row.container.id);
  },
  peers: (snapshot, scope) => {
    if (scope.kind === 'peer') return (row) => row.address === scope.address;
    const addresses = new Set(connectionsInScope(snapshot, scope).map((connection) => connection.daddr));
    return (row) => row.addresses.some((address) => addresses.has(address));
  },
  listeners: (snapshot, scope) => {
    switch (scope.kind) {
      case 'process':
        return (row) => row.owner.pid === scope.pid;
      case 'processName':
        return (row) => isNamed(row.owner, scope);
      case 'peer':
      case 'peerName': {
        const fromPeer = connectionsInScope(snapshot, scope);
        return (row) => fromPeer.some((connection) => acceptedBy(row, connection));
      }
      case 'listener':
        return (row) => row.id === scope.id;
      case 'container':
      case 'containerQuery':
        return (row) => containerMatches(row.owner.container, scope);
      case 'finding':
        return (row) => scope.listenerIds.includes(row.id);
    }
  },
  events: (snapshot, scope) => {
    switch (scope.kind) {
      case 'process':
        return (row) => row.pid === scope.pid;
      case 'processName': {
        // Events carry a name but no container: theirs is their connection's, or their process's.
        const pids = new Set(snapshot.processes.filter((process) => isNamed(process, scope)).map((process) => process.pid));
        const ids = new Set(connectionsInScope(snapshot, scope).map((connection) => connection.id));
        return (row) => (row.connectionId !== null && ids.has(row.connectionId)) || (row.pid !== null && pids.has(row.pid));
      }
      case 'peer':
        return (row) => row.daddr === scope.address || row.saddr === scope.address;
      case 'peerName': {
        const addresses = new Set(connectionsInScope(snapshot, scope).map((connection) => connection.daddr));
        return (row) => addresses.has(row.daddr) || addresses.has(row.saddr);
      }
      case 'listener': {
        // A refused or dropped segment may have no socket: it still arrived at the listener's port.
        // Events carry no netns, so those are matched by port and address alone.
        const listener = scopedListener(snapshot, scope);
        if (listener === undefined) return () => false;
        const ids = new Set(connectionsInScope(snapshot, scope).map((connection) => connection.id));
        return (row) => (row.connectionId !== null ? ids.has(row.connectionId) : acceptedBy(listener, { ...row, netns: listener.netns }));
      }
      case 'container':
      case 'containerQuery': {
        // Events carry no container: they belong to one through their connection, or through
        // their process once the connection has been evicted.
        const connections = connectionsInScope(snapshot, scope);
        const ids = new Set(connections.map((connection) => connection.id));
        const pids = new Set(connections.map((connection) => connection.owner.pid));
        return (row) => (row.connectionId !== null && ids.has(row.connectionId)) || (row.pid !== null && pids.has(row.pid));
      }
      case 'finding': {
        // Its connections' events, and those of its process with its peer whose sockets are
        // already gone (the refused attempts before the ones still listed).
        const ids = new Set(scope.connectionIds);
        const byProcess = (row: PaneRow['events']) => scope.pid !== null && row.pid === scope.pid && (scope.peerAddress === null || row.daddr === scope.peerAddress);
        return (row) => (row.connectionId !== null && ids.has(row.connectionId)) || byProcess(row);
      }
    }
  },
};

const knownContainersCache = new WeakMap<ModelSnapshot, ContainerIdentity[]>();

/**
 * Every container the snapshot names: those with connections (`containers` sums them all) and
 * those that only listen.
 */
function knownContainers(snapshot: ModelSnapshot): ContainerIdentity[] {
  const cached = knownContainersCache.get(snapshot);
  if (cached !== undefined) return cached;
  const byKey = new Map<string, ContainerIdentity>();
  const candidates = [...snapshot.containers.map((row) => row.container), ...snapshot.listeners.map((listener) => listener.owner.container)];
  for (const container of candidates) if (container !== null) byKey.set(`${container.runtime}/${container.id}`, container);
  const known = [...byKey.values()];
  knownContainersCache.set(snapshot, known);
  return known;
}

/** A container by its name as `formatContainer` gives it, or by its short id when the snapshot does not know it. */
function describeContainerId(snapshot: ModelSnapshot, id: string): string {
  const container = knownContainers(snapshot).find((candidate) => candidate.id === id);
  return container === undefined ? id.slice(0, SHORT_ID_LENGTH) : formatContainer(container);
}

/** What a `--container`/`--pod` scope asks for: `"web"`, `pod "prod/db-0"`, `"app" in pod "db-0"`. */
function describeQuery(scope: Extract<ActiveScope, { kind: 'containerQuery' }>): string {
  const container = scope.container === null ? null : `"${scope.container}"`;
  const pod = scope.pod === null ? null : `pod "${scope.pod}"`;
  if (container !== null && pod !== null) return `${container} in ${pod}`;
  return container ?? pod ?? '';
}

function describeScopeSubject(scope: ActiveScope, snapshot: ModelSnapshot): string {
  switch (scope.kind) {
    case 'peer':
      return `peer ${scope.address}`;
    case 'peerName': {
      const addresses = new Set(connectionsInScope(snapshot, scope).map((connection) => connection.daddr));
      return `peer ${scope.name} (${addresses.size} address${addresses.size === 1 ? '' : 'es'})`;
    }
    case 'listener': {
      const listener = scopedListener(snapshot, scope);
      if (listener === undefined) return `listener ${scope.id} (closed)`;
      const owner = listener.owner.comm === null ? '' : ` (${listener.owner.comm})`;
      return `connections accepted by ${formatEndpoint(listener.saddr, listener.sport)}${owner}`;
    }
    case 'process': {
      const comm = snapshot.processes.find((process) => process.pid === scope.pid)?.comm ?? null;
      return `process ${scope.pid}${comm === null ? '' : ` (${comm})`}`;
    }
    case 'processName': {
      const count = snapshot.processes.filter((process) => isNamed(process, scope)).length;
      const container = scope.containerId === null ? '' : ` in container ${describeContainerId(snapshot, scope.containerId)}`;
      return `processes named ${scope.comm}${container} (${count} pid${count === 1 ? '' : 's'})`;
    }
    case 'container':
      return `container ${describeContainerId(snapshot, scope.id)}`;
    case 'containerQuery': {
      const matched = knownContainers(snapshot).filter((container) => containerMatches(container, scope));
      const [only] = matched;
      if (matched.length === 1 && only !== undefined) return `container ${formatContainer(only)}`;
      return `containers matching ${describeQuery(scope)} (${matched.length === 0 ? 'none yet' : matched.length})`;
    }
    case 'finding':
      return `finding: ${scope.summary}`;
  }
}

/**
 * The header's scope line, `scope: process 4242 (nginx) · Esc leaves`, `scope: container web
 * (docker) · Esc leaves` or `scope: peer 10.0.0.7 · Esc leaves`; null when unscoped.
 */
export function describeScope(scope: Scope, snapshot: ModelSnapshot): string | null {
  return scope === null ? null : `scope: ${describeScopeSubject(scope, snapshot)} · Esc leaves`;
}

/**
 * The footer's note while a `--container`/`--pod` scope matches no container of the snapshot,
 * `no container matches "web" yet — Esc shows all`, so an empty table is not taken for a quiet
 * container; null otherwise. The scope stays: the container may start later.
 */
export function describeUnmatchedScope(scope: Scope, snapshot: ModelSnapshot): string | null {
  if (scope?.kind !== 'containerQuery') return null;
  if (knownContainers(snapshot).some((container) => containerMatches(container, scope))) return null;
  return `no container matches ${describeQuery(scope)} yet — Esc shows all`;
}
