import type { SnapshotDocument } from './snapshot-document.js';

/** `--pid` / `--port`: what to keep of a snapshot document. Null keeps everything. */
export interface DocumentScope {
  pid: number | null;
  port: number | null;
}

/**
 * Keeps the connections (and listeners) of one process and/or port, with the processes and
 * peers they involve. Totals and drops stay host-wide: they say what the host saw.
 */
export function scopeDocument(document: SnapshotDocument, scope: DocumentScope): SnapshotDocument {
  if (scope.pid === null && scope.port === null) return document;
  const matchesPid = (pid: number | null) => scope.pid === null || pid === scope.pid;
  const matchesPort = (...ports: number[]) => scope.port === null || ports.includes(scope.port);
  const connections = document.connections.filter((entry) => matchesPid(entry.pid) && matchesPort(entry.sport, entry.dport));
  const pids = new Set(connections.map((entry) => entry.pid));
  const peers = new Set(connections.map((entry) => entry.daddr));
  return {
    ...document,
    connections,
    listeners: document.listeners.filter((listener) => matchesPid(listener.pid) && matchesPort(listener.sport)),
    processes: document.processes.filter((process) => pids.has(process.pid) || (scope.pid !== null && process.pid === scope.pid)),
    peers: document.peers.filter((peer) => peers.has(peer.address)),
  };
}
