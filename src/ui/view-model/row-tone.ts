/**
 * The colour intent of a table row: what is over is dim, what is struggling stands out.
 */
import type { Tone } from './view-types.js';
import type { PaneId } from './ui-state.js';
import type { PaneRow, RowContext } from './columns.js';
import type { ConnectionSnapshot, TrafficSums } from '../../model/snapshot-types.js';

/** A SYN unanswered this long has been retransmitted at least once (the first SYN timeout is 1 s). */
export const SLOW_SYN_SENT_MS = 1000;

function connectionTone(connection: ConnectionSnapshot, context: RowContext): Tone {
  if (connection.closedAtMs !== null) return 'dim';
  // Our own side not reading is the one flow limit that is always a fault of this host.
  if (connection.limit?.verdict === 'stalled-reader') return 'warn';
  if (connection.retransmits > 0 || connection.resetsSent + connection.resetsReceived > 0 || connection.drops.some((drop) => drop.class === 'matters')) return 'warn';
  if (connection.state === 'SYN_SENT') {
    const since = connection.stateHistory.at(-1)?.atMs ?? connection.openedAtMs;
    if (context.nowMs - since >= SLOW_SYN_SENT_MS) return 'warn';
  }
  return 'normal';
}

function trafficTone(sums: TrafficSums): Tone {
  if (sums.openConnections === 0) return 'dim';
  return sums.retransmits > 0 || sums.resetsSent + sums.resetsReceived > 0 || sums.drops > 0 ? 'warn' : 'normal';
}

/** For each pane, the tone of a row. */
export const paneTones: { readonly [Pane in PaneId]: (row: PaneRow[Pane], context: RowContext) => Tone } = {
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
