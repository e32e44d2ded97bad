/** The detail page's sparklines: the rates of the connection on the page, one point per tick since it opened. */
import type { ModelSnapshot } from '../model/snapshot-types.js';
import type { ScreenInput } from './view-model/screen-input.js';

/** Rate points kept for the detail page's sparklines (one per tick). */
const DETAIL_RATE_POINTS = 120;

export class DetailRateTrail {
  private connectionId: number | null = null;
  private trail: ScreenInput['detailRates'] = { send: [], receive: [] };

  get rates(): ScreenInput['detailRates'] {
    return this.trail;
  }

  /** Follows another connection (none with null), starting its trail afresh; false when it already followed it. */
  follow(connectionId: number | null): boolean {
    if (connectionId === this.connectionId) return false;
    this.connectionId = connectionId;
    this.trail = { send: [], receive: [] };
    return true;
  }

  /** Adds the tick's point for the connection followed, if the snapshot has it. */
  note(snapshot: ModelSnapshot): void {
    if (this.connectionId === null) return;
    const connection = snapshot.connections.find((candidate) => candidate.id === this.connectionId);
    if (connection === undefined) return;
    this.trail = {
      send: [...this.trail.send, connection.sendRate].slice(-DETAIL_RATE_POINTS),
      receive: [...this.trail.receive, connection.receiveRate].slice(-DETAIL_RATE_POINTS),
    };
  }

  /** Back to an empty trail for the same connection (a replay rebuilt from its start). */
  restart(): void {
    this.trail = { send: [], receive: [] };
  }
}
