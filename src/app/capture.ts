/**
 * One capture: a source feeding the model, and the tick that samples the source, folds the
 * model, updates the findings from the new snapshot and publishes it. The JSON output and the
 * TUI both drive it; a replay ticks the same way, so it states the same findings.
 */
import { ConnectionModel, type ModelOptions } from '../model/connection-model.js';
import type { CaptureObserver, CaptureSource } from '../model/capture-contracts.js';
import type { Finding } from '../findings/finding.js';
import { FindingsEngine } from '../findings/findings-engine.js';
import { HeapKeeper } from './heap-keeper.js';
import type { ModelRecord } from '../model/records.js';
import { toSnapshotDocument, toStreamedSnapshotDocument, type SnapshotDocument, type StreamedSnapshotDocument } from '../model/snapshot-document.js';
import type { HostInfo, ModelSnapshot } from '../model/snapshot-types.js';

export class Capture {
  readonly model: ConnectionModel;
  readonly source: CaptureSource;
  /** Hands a record to the model and the observers, as the source does: for what names peers between ticks (--resolve). */
  readonly ingest: (record: ModelRecord) => void;
  private readonly engine = new FindingsEngine();
  private readonly observers: CaptureObserver[] = [];
  private readonly heap = new HeapKeeper();

  constructor(
    createSource: (sink: (record: ModelRecord) => void) => CaptureSource,
    private readonly host: HostInfo,
    modelOptions: Partial<ModelOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    const model = new ConnectionModel(modelOptions);
    this.model = model;
    this.ingest = (record) => {
      model.ingest(record);
      if (record.kind === 'state') this.heap.noteStateChange();
      for (const observer of this.observers) observer.record?.(record);
    };
    this.source = createSource(this.ingest);
  }

  /**
   * The live view draws a frame a tick, and its first frames over a busy host's table build
   * what a young generation held small through the start (see HeapKeeper) would promote: without
   * the hold its peak at 20,000 open connections was 203–211 MiB against 209–213 with it (tmux
   * 160×45, ten runs each, interleaved).
   */
  drawsFrames(): void {
    this.heap.endStart();
  }

  observe(observer: CaptureObserver): void {
    this.observers.push(observer);
  }

  tick(): ModelSnapshot {
    const nowMs = this.now();
    this.heap.runPass(() => this.source.collect(nowMs));
    const snapshot = this.model.tick(nowMs);
    // Before the observers: the event stream and the exporters read the tick's findings.
    this.engine.update(snapshot);
    for (const observer of this.observers) observer.tick?.(snapshot);
    this.heap.afterTick();
    return snapshot;
  }

  /** The findings as of the last tick: open ones and those resolved lately, worst first. */
  get findings(): readonly Finding[] {
    return this.engine.findings;
  }

  document(): SnapshotDocument {
    return toSnapshotDocument(this.model.snapshot, this.documentMeta());
  }

  /** The document to write as it is read: its connections are made one at a time (see RowsAsRead). */
  streamedDocument(): StreamedSnapshotDocument {
    return toStreamedSnapshotDocument(this.model.snapshot, this.documentMeta());
  }

  private documentMeta(): Parameters<typeof toSnapshotDocument>[1] {
    return {
      host: this.host,
      source: { kind: this.source.kind, probes: this.source.probes },
      generatedAtMs: this.model.snapshot.atMs,
    };
  }

  /** Stops the source, then closes every observer (recordings flushed, servers closed). */
  async stop(): Promise<void> {
    this.source.stop();
    // What closes synchronously (a recording) closes before the first await: an 'exit' handler,
    // which cannot wait, still leaves the file whole.
    for (const observer of this.observers.splice(0)) {
      const closing = observer.close?.();
      if (closing !== undefined) await closing;
    }
    this.heap.collectNow();
  }
}
