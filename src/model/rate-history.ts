import type { RatePoint, Totals } from './snapshot-types.js';
import { zeroTotals } from './capture-totals.js';

/** Host-wide rates, one point per tick, from the change in the capture's totals. */
export class RateHistory {
  private readonly points: RatePoint[] = [];
  private previousTotals = zeroTotals();

  constructor(private readonly maxPoints: number) {}

  /** Adds the point for a tick `elapsedS` seconds after the previous one; returns the history. */
  append(atMs: number, elapsedS: number, totals: Totals): RatePoint[] {
    const previous = this.previousTotals;
    const perSecond = (now: number, before: number): number => (elapsedS > 0 ? (now - before) / elapsedS : 0);
    this.points.push({
      atMs,
      sendRate: perSecond(totals.bytesSent, previous.bytesSent),
      receiveRate: perSecond(totals.bytesReceived, previous.bytesReceived),
      retransmitsPerSecond: perSecond(totals.retransmits, previous.retransmits),
      dropsPerSecond: perSecond(totals.drops, previous.drops),
      resetsPerSecond: perSecond(
        totals.resetsSent + totals.resetsReceived,
        previous.resetsSent + previous.resetsReceived,
      ),
    });
    if (this.points.length > this.maxPoints) this.points.shift();
    this.previousTotals = totals;
    return [...this.points];
  }
}
