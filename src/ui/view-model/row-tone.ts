/**
 * The colour intent of a table row, by severity (k9s): what is over is dim, what is degraded
 * warns (yellow), what is failing is bad (red). A row takes the worst of its problems. The same
 * scale as the Events pane below: a lost packet is bad, a retransmit or a reset warns.
 */
import type { Tone } from './view-types.js';
import type { PaneId } from './ui-state.js';
import type { PaneRow, RowContext } from './columns.js';
import type { ConnectionSnapshot, TrafficSums } from '../../model/snapshot-types.js';
import { findingTone } from './finding-format.js';

/** A SYN unanswered this long has been retransmitted at least once (the first SYN timeout is 1 s). */
export const SLOW_SYN_SENT_MS = 1000;

/**
 * A connection in CLOSE_WAIT this long has a process that is not closing it: the peer hung up
 * and the application never called close(), which is how a descriptor leak looks. Shorter stays
 * only warn: a server finishing its reply passes through CLOSE_WAIT.
 */
export const CLOSE_WAIT_LEAK_MS = 60_000;

/** How long the connection has been in its current state, ms (from its first sighting when older than the capture). */
function inStateMs(connection: ConnectionSnapshot, context: RowContext): number {
  return context.nowMs - (connection.stateHistory.at(-1)?.atMs ?? connection.openedAtMs);
}

function connectionTone(connection: ConnectionSnapshot, context: RowContext): Tone {
  if (connection.closedAtMs !== null) return 'dim';
  const lost = connection.drops.some((drop) => drop.class === 'matters');
  const leaking = connection.state === 'CLOSE_WAIT' && inStateMs(connection, context) >= CLOSE_WAIT_LEAK_MS;
  if (lost || leaking) return 'bad';
  if (connection.retransmits > 0 || connection.resetsSent + connection.resetsReceived > 0 || connection.state === 'CLOSE_WAIT') return 'warn';
  if (connection.state === 'SYN_SENT' && inStateMs(connection, context) >= SLOW_SYN_SENT_MS) return 'warn';
  // Our own side not reading is the one flow limit that is always a fault of this host.
  if (connection.limit?.verdict === 'stalled-reader') return 'warn';
  return 'normal';
}

function trafficTone(sums: TrafficSums): Tone {
  if (sums.openConnections === 0) return 'dim';
  if (sums.drops > 0) return 'bad';
  return sums.retransmits > 0 || sums.resetsSent + sums.resetsReceived > 0 ? 'warn' : 'normal';
}

/** For each pane, the tone of a row. */
export const paneTones: { readonly [Pane in PaneId]: (row: PaneRow[Pane], context: RowContext) => Tone } = {
  findings: findingTone,
  connections: connectionTone,
  processes: trafficTone,
  containers: trafficTone,
  peers: trafficTone,
  // A full accept queue drops new connections; a non-empty one means the server is behind.
  listeners: (row) => (row.acceptQueueLimit > 0 && row.acceptQueue >= row.acceptQueueLimit ? 'bad' : row.acceptQueue > 0 ? 'warn' : 'normal'),
  events: (row) => {
    switch (row.type) {
      case 'drop':
      case 'refused':
        return 'bad';
      case 'reset':
      case 'retransmit':
        return 'warn';
      case 'close':
        return 'dim';
      case 'connect':
      case 'accept':
      case 'state':
        return 'normal';
    }
  },
};
