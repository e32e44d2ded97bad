/**
 * What a capture is made of, as the stages below the wiring see it: a source feeds the model,
 * observers follow it. Sources (live probes, procfs, a replayed recording) and observers
 * (recorders, the event stream, the exporters) implement these; only src/app/ assembles them.
 */
import type { ModelRecord } from './records.js';
import type { ModelSnapshot, ProbeStatus, SourceInfo } from './snapshot-types.js';

/**
 * Something that follows the capture without shaping it: a recorder, the flight recorder, the
 * event stream, the metric exporters. Observers see every record right after the model
 * ingested it, and every published snapshot.
 */
export interface CaptureObserver {
  record?(record: ModelRecord): void;
  tick?(snapshot: ModelSnapshot): void;
  /** The capture is over: flush and release (awaited before netscope exits). */
  close?(): void | Promise<void>;
}

/** What the capture needs of a source: the live probes, the procfs fallback, or a replayed recording. */
export interface CaptureSource {
  readonly kind: SourceInfo['kind'];
  readonly probes: ProbeStatus[];
  /** Set when the source runs degraded: one line saying what is missing and how to get it. */
  readonly degradedNotice: string | null;
  /** Hands the tick's records (samples, owners, loss) to the sink given at construction. */
  collect(nowMs: number): void;
  stop(): void;
}
