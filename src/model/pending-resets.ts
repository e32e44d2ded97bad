import type { ResetRecord } from './records.js';

interface ResetCounts {
  sent: number;
  received: number;
  /** When the first of them was seen, ms since the epoch. */
  firstAtMs: number;
}

/**
 * Resets for sockets not in the table yet. A reset record names no TCP state to start a
 * connection with, but the state change that follows a reset (to CLOSE) does: it creates the
 * connection, which then takes these.
 */
export class PendingResets {
  private readonly byCookie = new Map<number, ResetCounts>();

  add(record: ResetRecord): void {
    const counts = this.byCookie.get(record.cookie) ?? { sent: 0, received: 0, firstAtMs: record.atMs };
    if (record.direction === 'sent') counts.sent++;
    else counts.received++;
    this.byCookie.set(record.cookie, counts);
  }

  take(cookie: number): ResetCounts | undefined {
    const counts = this.byCookie.get(cookie);
    if (counts !== undefined) this.byCookie.delete(cookie);
    return counts;
  }

  /** Forgets resets whose socket never showed up. */
  prune(seenBeforeMs: number): void {
    for (const [cookie, counts] of this.byCookie) if (counts.firstAtMs < seenBeforeMs) this.byCookie.delete(cookie);
  }
}
