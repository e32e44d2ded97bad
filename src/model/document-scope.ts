import type { ContainerIdentity } from './records.js';
import type { SnapshotDocument } from './snapshot-document.js';

/** `--pid` / `--port` / `--container` / `--pod`: what to keep of a snapshot document. Null keeps everything. */
export interface DocumentScope {
  pid: number | null;
  port: number | null;
  /** A container's name, or a prefix of its id. */
  container: string | null;
  /** A Kubernetes pod's name, or `namespace/name`. */
  pod: string | null;
}

/** No scope given: the document is the whole host's. */
export function isWholeHost(scope: DocumentScope): boolean {
  return scope.pid === null && scope.port === null && scope.container === null && scope.pod === null;
}

/** Does the container answer to `--container` (name, or id prefix) and `--pod` (name, or namespace/name)? */
export function containerInScope(container: ContainerIdentity | null, scope: Pick<DocumentScope, 'container' | 'pod'>): boolean {
  if (scope.container === null && scope.pod === null) return true;
  if (container === null) return false;
  const matchesContainer = scope.container === null || container.name === scope.container || container.id.startsWith(scope.container);
  const matchesPod =
    scope.pod === null ||
    (container.pod !== null && (container.pod === scope.pod || `${container.namespace ?? ''}/${container.pod}` === scope.pod));
  return matchesContainer && matchesPod;
}

/**
 * Keeps the connections (and listeners) of one process, port, container and/or pod, with the
 * processes, peers and containers they involve. Totals and drops stay host-wide: they say what
 * the host saw.
 */
export function scopeDocument(document: SnapshotDocument, scope: DocumentScope): SnapshotDocument {
  if (isWholeHost(scope)) return document;
  const matchesPid = (pid: number | null) => scope.pid === null || pid === scope.pid;
  const matchesPort = (...ports: number[]) => scope.port === null || ports.includes(scope.port);
  const matchesContainer = (container: ContainerIdentity | null) => containerInScope(container, scope);
  const connections = document.connections.filter(
    (entry) => matchesPid(entry.pid) && matchesPort(entry.sport, entry.dport) && matchesContainer(entry.container),
  );
  const pids = new Set(connections.map((entry) => entry.pid));
  const peers = new Set(connections.map((entry) => entry.daddr));
  const containerIds = new Set(connections.map((entry) => entry.container?.id));
  const wholeContainer = scope.pid === null && scope.port === null;
  return {
    ...document,
    connections,
    listeners: document.listeners.filter(
      (listener) => matchesPid(listener.pid) && matchesPort(listener.sport) && matchesContainer(listener.container),
    ),
    processes: document.processes.filter(
      (process) =>
        pids.has(process.pid) || (scope.pid !== null && process.pid === scope.pid && matchesContainer(process.container)),
    ),
    peers: document.peers.filter((peer) => peers.has(peer.address)),
    containers: document.containers.filter((container) =>
      wholeContainer ? matchesContainer(container) : containerIds.has(container.id),
    ),
  };
}
