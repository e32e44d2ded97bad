/** One kind's detector: stateful across ticks (its windows and baselines), pure (the snapshot is its only input). */
import type { ModelSnapshot } from '../model/snapshot-types.js';
import type { TickDeltas } from './connection-deltas.js';
import type { FindingCandidate } from './finding-candidate.js';

export interface FindingDetector {
  /** This tick's candidates, in a deterministic order. */
  detect(snapshot: ModelSnapshot, deltas: TickDeltas): FindingCandidate[];
}
