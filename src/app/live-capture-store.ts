/**
 * The CaptureStore over a running Capture: ticks on a timer, publishes one ScreenInput per tick
 * (none while paused — ingest goes on underneath), follows the detail page's connection, saves
 * the snapshot document of what is on screen, and writes the flight recorder on `w`.
 */
import type { Capture } from './capture.js';
import type { HostInfo } from '../model/snapshot-types.js';
import type { FlightRecordingWritten } from '../recording/flight-dump.js';
import type { CaptureStore } from '../ui/capture-store.js';
import { DetailRateTrail } from '../ui/detail-rate-trail.js';
import { saveScreenSnapshot, type SavedScreen } from '../ui/save-screen-snapshot.js';
import { TickLoop } from './tick-loop.js';
import { BaselineTracker } from './baseline-tracker.js';
import type { ScreenInput } from '../ui/view-model/screen-input.js';
import type { UiState } from '../ui/view-model/ui-state.js';

export interface LiveCaptureStoreOptions {
  intervalMs: number;
  /** Where `s` writes `netscope-YYYYMMDD-HHMMSS.json`. */
  outputDirectory: string;
  host: HostInfo;
  /** `w`: the flight recorder's window written out (see attachObservers). */
  writeFlightRecording: () => FlightRecordingWritten;
  /** Wall clock, for file names. */
  now?: () => Date;
  /** `--baseline FILE`, or none until `b` marks one. */
  baseline?: BaselineTracker;
}

export class LiveCaptureStore implements CaptureStore {
  private readonly listeners = new Set<() => void>();
  private current: ScreenInput;
  private paused = false;
  private intervalMs: number;
  private readonly loop: TickLoop;
  private readonly detail = new DetailRateTrail();
  private notice: string | null = null;
  private readonly now: () => Date;
  private readonly baseline: BaselineTracker;
  /** A tick's publication waiting for the keys that came in while its model work ran. */
  private pendingPublish: NodeJS.Immediate | null = null;

  constructor(
    private readonly capture: Capture,
    private readonly options: LiveCaptureStoreOptions,
  ) {
    this.intervalMs = options.intervalMs;
    this.now = options.now ?? (() => new Date());
    this.baseline = options.baseline ?? new BaselineTracker();
    this.current = this.input();
    this.loop = new TickLoop(() => this.intervalMs, () => this.tickAfterInput());
    this.loop.start();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ScreenInput => this.current;

  /** Ticks now (the first frame should not wait a whole interval). */
  tick(): void {
    this.detail.note(this.capture.tick());
    if (this.paused) return;
    this.publish();
  }

  /**
   * The loop's tick: the model's work now, its publication once the keys typed meanwhile are in.
   * Those keys wait in stdin while the model works; setImmediate runs after the event loop has read
   * them, so each key is drawn on the snapshot already on screen (a filter over rows already
   * sorted) before this tick's rows are sorted and filtered, and a churn tick never makes a key
   * wait for a frame of its own.
   */
  private tickAfterInput(): void {
    this.detail.note(this.capture.tick());
    if (this.paused || this.pendingPublish !== null) return;
    this.pendingPublish = setImmediate(() => {
      this.pendingPublish = null;
      if (!this.paused) this.publish();
    });
  }

  setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    if (!paused) this.publish();
  }

  setIntervalMs(intervalMs: number): void {
    if (intervalMs === this.intervalMs) return;
    this.intervalMs = intervalMs;
    this.loop.reschedule();
  }

  setDetailConnection(connectionId: number | null): void {
    if (this.detail.follow(connectionId)) this.publish();
  }

  /** Shows a lasting warning under the table (a recording that stopped), even while paused. */
  showNotice(notice: string): void {
    this.notice = notice;
    // Only the notice changes: a paused view keeps its snapshot.
    this.current = { ...this.current, notice };
    for (const listener of this.listeners) listener();
  }

  saveSnapshot(view: UiState): SavedScreen {
    return saveScreenSnapshot(this.current, view, this.options.outputDirectory, this.now());
  }

  /** The moment on screen becomes the baseline (a tick not yet drawn is not marked); published at once, even while paused. */
  markBaseline(): number {
    const atMs = this.baseline.mark(this.current.snapshot);
    this.current = { ...this.current, changes: this.baseline.changesAt(this.current.snapshot) };
    for (const listener of this.listeners) listener();
    return atMs;
  }

  writeFlightRecording(): FlightRecordingWritten {
    return this.options.writeFlightRecording();
  }

  /** Stops ticking and the capture; what is synchronous (the probes' release) happens before the first await. */
  stop(): Promise<void> {
    this.loop.stop();
    if (this.pendingPublish !== null) clearImmediate(this.pendingPublish);
    this.pendingPublish = null;
    return this.capture.stop();
  }

  private input(): ScreenInput {
    return {
      snapshot: this.capture.model.snapshot,
      findings: this.capture.findings,
      source: { kind: this.capture.source.kind, probes: this.capture.source.probes },
      host: this.options.host,
      detailRates: this.detail.rates,
      notice: this.notice,
      replay: null,
      changes: this.baseline.changesAt(this.capture.model.snapshot),
    };
  }

  private publish(): void {
    this.current = this.input();
    for (const listener of this.listeners) listener();
  }
}
