/** What the findings read from a connection's state history. */
import type { ConnectionSnapshot } from '../model/snapshot-types.js';

/** Did the connection get past its handshake (or was it open before the capture)? */
export function wasEstablished(connection: ConnectionSnapshot): boolean {
  if (connection.preexisting) return true;
  for (const stay of connection.stateHistory) {
    if (stay.state !== 'SYN_SENT' && stay.state !== 'CLOSE') return true;
  }
  return connection.state !== 'SYN_SENT' && connection.state !== 'CLOSE';
}

/** When the connection's first SYN went out; null when it was not seen connecting. */
export function synSentAtMs(connection: ConnectionSnapshot): number | null {
  return connection.stateHistory.find((stay) => stay.state === 'SYN_SENT')?.atMs ?? null;
}

/** A connect that never got past SYN_SENT and ended (closed). */
export function endedInHandshake(connection: ConnectionSnapshot): boolean {
  return connection.closedAtMs !== null && synSentAtMs(connection) !== null && !wasEstablished(connection);
}
