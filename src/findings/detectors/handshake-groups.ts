/**
 * Connects grouped per client process and destination (address and port): what the unreachable
 * and refused findings count. Both read the snapshot alone — the connections still in the
 * handshake and those that ended in it within the window — so they keep no state of their own.
 */
import type { ConnectionSnapshot } from '../../model/snapshot-types.js';
import type { FindingSubject } from '../finding.js';
import { pidKey, subjectOf } from '../finding-subject.js';

export interface HandshakeGroup {
  subject: FindingSubject;
  /** Newest first. */
  connections: ConnectionSnapshot[];
  firstAtMs: number;
  lastAtMs: number;
}

export class HandshakeGroups {
  readonly groups = new Map<string, HandshakeGroup>();

  /** Counts a connect for its client and destination, with the moments its evidence spans. */
  add(connection: ConnectionSnapshot, firstAtMs: number, lastAtMs: number): void {
    const key = processEndpointKey(connection);
    const group = this.groups.get(key);
    if (group === undefined) {
      this.groups.set(key, { subject: subjectOf(connection.owner, { address: connection.daddr, port: connection.dport }), connections: [connection], firstAtMs, lastAtMs });
      return;
    }
    group.connections.push(connection);
    group.firstAtMs = Math.min(group.firstAtMs, firstAtMs);
    group.lastAtMs = Math.max(group.lastAtMs, lastAtMs);
  }
}

/** `pid=412:peer=127.0.0.1:9`: a connection's process and peer address and port, the key its handshake findings group under. */
export function processEndpointKey(connection: ConnectionSnapshot): string {
  return `${pidKey(connection.owner.pid)}:peer=${connection.family === 'ipv6' ? `[${connection.daddr}]` : connection.daddr}:${connection.dport}`;
}

/** The ids of the most recent connections of a group, at most `max`. */
export function recentConnectionIds(group: HandshakeGroup, max: number): number[] {
  return group.connections
    .toSorted((a, b) => (b.closedAtMs ?? Infinity) - (a.closedAtMs ?? Infinity) || b.id - a.id)
    .slice(0, max)
    .map((connection) => connection.id);
}
