/** What the findings read from a connection's state history. */
import type { ConnectionSnapshot } from '../model/snapshot-types.js';

/** Did the connection get past its handshake (or was it open before the capture, and not first seen connecting)? */
export function wasEstablished(connection: ConnectionSnapshot): boolean {
  for (const stay of connection.stateHistory) {
    if (stay.state !== 'SYN_SENT' && stay.state !== 'CLOSE') return true;
  }
  if (connection.state !== 'SYN_SENT' && connection.state !== 'CLOSE') return true;
  // A connect already waiting when the capture started is first seen in SYN_SENT.
  return connection.preexisting && connection.stateHistory[0]?.state !== 'SYN_SENT';
}

/** When the connection's first SYN went out; null when it was not seen connecting. */
export function synSentAtMs(connection: ConnectionSnapshot): number | null {
  return connection.stateHistory.find((stay) => stay.state === 'SYN_SENT')?.atMs ?? null;
}

/** A connect that never got past SYN_SENT and ended (closed). */
export function endedInHandshake(connection: ConnectionSnapshot): boolean {
  return connection.closedAtMs !== null && synSentAtMs(connection) !== null && !wasEstablished(connection);
}
