/**
 * The capture observer behind --prometheus and --otlp: after each published snapshot it folds
 * the traffic counters once and hands the tick to every exporter, which read the counters
 * whenever they are scraped or export.
 */
import type { CaptureObserver } from '../model/capture-contracts.js';
import type { ModelSnapshot } from '../model/snapshot-types.js';
import type { Finding } from '../findings/finding.js';
import type { TickChanges, TrafficCounters } from './traffic-counters.js';

export interface MetricTick {
  /** The snapshot the counters were just folded from (host-wide: lost events, evictions, container state problems). */
  snapshot: ModelSnapshot;
  changes: TickChanges;
  /** The findings as of this tick (open and lately resolved). */
  findings: readonly Finding[];
  /**
   * From the tick's start (the snapshot's time) to the moment the exporters got it: sampling
   * every socket, the model's fold, and the observers before this one. Null when replaying,
   * where the snapshot's time is the recording's.
   */
  tickDurationSeconds: number | null;
}

/** One way out for the metrics: a scrape endpoint, a push exporter. */
export interface MetricExporter {
  publish(tick: MetricTick): void;
  /** Flush what is pending and release the port or connection. */
  close(): Promise<void>;
}

export class MetricsObserver implements CaptureObserver {
  /**
   * @param wallClock ms since the epoch, the clock the capture stamps its ticks with; null when replaying.
   * @param findings the findings as of the tick being observed (the engine runs before the observers).
   */
  constructor(
    private readonly counters: TrafficCounters,
    private readonly exporters: readonly MetricExporter[],
    private readonly wallClock: (() => number) | null,
    private readonly findings: () => readonly Finding[] = () => [],
  ) {}

  tick(snapshot: ModelSnapshot): void {
    const tickDurationSeconds = this.wallClock === null ? null : Math.max(0, this.wallClock() - snapshot.atMs) / 1000;
    const changes = this.counters.update(snapshot);
    const findings = this.findings();
    for (const exporter of this.exporters) exporter.publish({ snapshot, changes, findings, tickDurationSeconds });
  }

  async close(): Promise<void> {
    await Promise.all(this.exporters.map((exporter) => exporter.close()));
  }
}
