import type { HostInfo, ModelSnapshot, SourceInfo } from '../../model/snapshot-types.js';

/** What the store publishes once per tick (referentially stable in between). */
export interface ScreenInput {
  snapshot: ModelSnapshot;
  source: SourceInfo;
  host: HostInfo;
  /**
   * Rates of the connection on the detail page, one point per tick since the page opened
   * (bytes/s, oldest first); empty arrays when no detail page is open.
   */
  detailRates: { send: readonly number[]; receive: readonly number[] };
}
