import type { ConnectionEntry } from './connection-entry.js';
import type { Totals } from './snapshot-types.js';
import { DropCounter } from './drop-counter.js';

export function zeroTotals(): Totals {
  return {
    connectionsOpened: 0,
    connectionsClosed: 0,
    bytesSent: 0,
    bytesReceived: 0,
    retransmits: 0,
    resetsSent: 0,
    resetsReceived: 0,
    drops: 0,
    evicted: 0,
    lostEvents: 0,
    udpFlowsRefused: 0,
  };
}

/** Traffic summed over the connections in the table at a tick. */
export interface TableSums {
  bytesSent: number;
  bytesReceived: number;
  retransmits: number;
}

/**
 * Counts over the whole capture. Events are counted as they come; bytes and retransmits are the
 * table's sums plus what evicted connections had moved, so eviction never lowers a total.
 */
export class CaptureTotals {
  connectionsOpened = 0;
  connectionsClosed = 0;
  resetsSent = 0;
  resetsReceived = 0;
  readonly drops = new DropCounter();
  /** Retransmit records without a socket cookie. */
  retransmitsWithoutSocket = 0;
  private lostEvents = 0;
  private udpFlowsRefused = 0;
  private evicted = 0;
  private evictedBytesSent = 0;
  private evictedBytesReceived = 0;
  private evictedRetransmits = 0;

  countReset(direction: 'sent' | 'received'): void {
    if (direction === 'sent') this.resetsSent++;
    else this.resetsReceived++;
  }

  /** The kernel reports lost events as a running total. */
  noteLostEvents(total: number): void {
    if (total > this.lostEvents) this.lostEvents = total;
  }

  /** The packet program reports refused flows as a running total too. */
  noteUdpFlowsRefused(total: number): void {
    if (total > this.udpFlowsRefused) this.udpFlowsRefused = total;
  }

  noteEvicted(connection: ConnectionEntry): void {
    this.evicted++;
    this.evictedBytesSent += connection.bytesSent;
    this.evictedBytesReceived += connection.bytesReceived;
    this.evictedRetransmits += connection.retransmits;
  }

  toTotals(table: TableSums): Totals {
    return {
      connectionsOpened: this.connectionsOpened,
      connectionsClosed: this.connectionsClosed,
      bytesSent: this.evictedBytesSent + table.bytesSent,
      bytesReceived: this.evictedBytesReceived + table.bytesReceived,
      retransmits: this.evictedRetransmits + this.retransmitsWithoutSocket + table.retransmits,
      resetsSent: this.resetsSent,
      resetsReceived: this.resetsReceived,
      drops: this.drops.mattering,
      evicted: this.evicted,
      lostEvents: this.lostEvents,
      udpFlowsRefused: this.udpFlowsRefused,
    };
  }
}
