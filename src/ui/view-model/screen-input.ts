import type { Finding } from '../../findings/finding.js';
import type { HostInfo, ModelSnapshot, SourceInfo } from '../../model/snapshot-types.js';

/** Where a replay stands: the recording's time at the tick on screen, and its length. */
export interface ReplayProgress {
  /** From the recording's start to the tick on screen, ms. */
  positionMs: number;
  /** From the recording's start to its last tick, ms. */
  durationMs: number;
  /** The last tick is on screen: playback has stopped. */
  atEnd: boolean;
}

/** What the store publishes once per tick (referentially stable in between). */
export interface ScreenInput {
  snapshot: ModelSnapshot;
  /** The findings as of this snapshot's tick: open ones and those resolved lately, worst first. */
  findings: readonly Finding[];
  source: SourceInfo;
  host: HostInfo;
  /**
   * Rates of the connection on the detail page, one point per tick since the page opened
   * (bytes/s, oldest first); empty arrays when no detail page is open.
   */
  detailRates: { send: readonly number[]; receive: readonly number[] };
  /** A lasting warning from the capture (a recording that stopped at its cap); null when none. */
  notice: string | null;
  /** Set while replaying a recording; null in a live capture. */
  replay: ReplayProgress | null;
}
