/**
 * The `changes` part of the JSON document: what changed since the baseline (`--baseline FILE`,
 * or `b` in the live view), in the document's conventions (RFC 3339 times, rounded numbers).
 */
import type { BaselineChanges, MovedMetricName } from './baseline-changes.js';

/** Where the baseline came from. */
export type BaselineOrigin = 'snapshot' | 'recording' | 'mark';

export interface MovedMetricDocument {
  subject: 'process' | 'peer';
  key: string;
  metric: MovedMetricName;
  /** Bytes/s (whole), a share (0–1, four decimals) or ms (three decimals). */
  before: number;
  after: number;
  /** after / before (three decimals); null when before was 0. */
  factor: number | null;
}

export interface ChangesDocument {
  baseline: {
    /** When the baseline was taken. */
    at: string;
    origin: BaselineOrigin;
    /** The file it was read from; null for a mark. */
    file: string | null;
  };
  peers: { appeared: string[]; gone: string[] };
  listeners: { appeared: string[]; gone: string[] };
  containers: { appeared: string[]; gone: string[] };
  processes: { startedTalking: string[]; stoppedTalking: string[] };
  moved: MovedMetricDocument[];
}

function rounded(value: number, metric: MovedMetricName): number {
  if (metric === 'traffic') return Math.round(value);
  const scale = metric === 'retransmitShare' ? 10_000 : 1000;
  return Math.round(value * scale) / scale;
}

export function changesDocument(changes: BaselineChanges, origin: BaselineOrigin, file: string | null): ChangesDocument {
  return {
    baseline: { at: new Date(changes.baselineAtMs).toISOString(), origin, file },
    peers: changes.peers,
    listeners: changes.listeners,
    containers: changes.containers,
    processes: changes.processes,
    moved: changes.moved.map((move) => ({
      subject: move.subject,
      key: move.key,
      metric: move.metric,
      before: rounded(move.before, move.metric),
      after: rounded(move.after, move.metric),
      factor: Number.isFinite(move.factor) ? Math.round(move.factor * 1000) / 1000 : null,
    })),
  };
}
