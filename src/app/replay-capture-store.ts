/**
 * The CaptureStore over a recording: plays its ticks at their recorded pace times the speed,
 * publishing each, until the last; pause stops the playback clock. Stepping back replays from
 * the start up to the tick before (the model only moves forward), which gives exactly the
 * snapshot that tick had.
 */
import type { ModelOptions } from '../model/connection-model.js';
import { FlightRecorderUnavailable, type FlightRecordingWritten } from '../recording/flight-dump.js';
import type { Recording } from '../recording/recording-format.js';
import { openReplayCapture, type ReplayCapture } from './replay-capture.js';
import type { CaptureStore, ReplayControls } from '../ui/capture-store.js';
import { DetailRateTrail } from '../ui/detail-rate-trail.js';
import { saveScreenSnapshot, type SavedScreen } from '../ui/save-screen-snapshot.js';
import type { ScreenInput } from '../ui/view-model/screen-input.js';
import type { UiState } from '../ui/view-model/ui-state.js';
import { TickLoop } from './tick-loop.js';

export interface ReplayCaptureStoreOptions {
  /** The model's bounds, as the live capture had them (retention changes what a snapshot holds). */
  modelOptions: Partial<ModelOptions>;
  /** Where `s` writes `netscope-YYYYMMDD-HHMMSS.json`. */
  outputDirectory: string;
  /** Initial playback speed (`--speed`). */
  speed: number;
  /** Wall clock, for file names. */
  now?: () => Date;
}

export class ReplayCaptureStore implements CaptureStore {
  readonly replay: ReplayControls;
  private readonly listeners = new Set<() => void>();
  private playback: ReplayCapture;
  private current: ScreenInput;
  private paused = false;
  private speed: number;
  private readonly loop: TickLoop;
  private readonly detail = new DetailRateTrail();
  private readonly now: () => Date;

  /** Shows the recording's first tick and starts playing. */
  constructor(
    private readonly recording: Recording,
    private readonly options: ReplayCaptureStoreOptions,
  ) {
    this.speed = options.speed;
    this.now = options.now ?? (() => new Date());
    this.playback = openReplayCapture(recording, options.modelOptions);
    this.advance();
    this.current = this.input();
    this.replay = { step: (direction) => this.step(direction), setSpeed: (speed) => this.setSpeed(speed) };
    this.loop = new TickLoop(
      () => this.delayUntilNextTickMs(),
      () => {
        this.advance();
        this.publish();
      },
    );
    this.loop.start();
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ScreenInput => this.current;

  setPaused(paused: boolean): void {
    if (this.paused === paused) return;
    this.paused = paused;
    this.loop.reschedule();
  }

  /** A replay ticks when the recording did: its pace is the speed, not the interval. */
  setIntervalMs(): void {}

  setDetailConnection(connectionId: number | null): void {
    if (this.detail.follow(connectionId)) this.publish();
  }

  saveSnapshot(view: UiState): SavedScreen {
    return saveScreenSnapshot(this.current, view, this.options.outputDirectory, this.now());
  }

  writeFlightRecording(): FlightRecordingWritten {
    throw new FlightRecorderUnavailable('this is a replay: it has nothing new to write', 's saves a JSON snapshot of this moment');
  }

  stop(): Promise<void> {
    this.loop.stop();
    return this.playback.capture.stop();
  }

  private step(direction: 1 | -1): void {
    this.paused = true;
    this.loop.reschedule();
    const played = this.playback.source.ticksPlayed;
    if (direction === 1) this.advance();
    else if (played > 1) this.rewindTo(played - 1);
    this.publish();
  }

  private setSpeed(speed: number): void {
    if (speed === this.speed) return;
    this.speed = speed;
    this.loop.reschedule();
  }

  /** Plays the next recorded tick, if any. */
  private advance(): void {
    if (this.playback.source.nextTickAtMs === null) return;
    this.detail.note(this.playback.capture.tick());
  }

  /** Replays from the start until `ticks` are played. */
  private rewindTo(ticks: number): void {
    void this.playback.capture.stop();
    this.playback = openReplayCapture(this.recording, this.options.modelOptions);
    this.detail.restart();
    while (this.playback.source.ticksPlayed < ticks && this.playback.source.nextTickAtMs !== null) this.advance();
  }

  /** The next recorded tick is its recorded gap away, at this speed; none while paused or at the end. */
  private delayUntilNextTickMs(): number | null {
    const nextAtMs = this.playback.source.nextTickAtMs;
    if (this.paused || nextAtMs === null) return null;
    return Math.max(0, (nextAtMs - this.playback.capture.model.snapshot.atMs) / this.speed);
  }

  private input(): ScreenInput {
    const { capture, source } = this.playback;
    const { startedAtMs, ticks } = this.recording;
    const snapshot = capture.model.snapshot;
    return {
      snapshot,
      findings: capture.findings,
      source: { kind: source.kind, probes: source.probes },
      host: this.recording.header.host,
      detailRates: this.detail.rates,
      notice: null,
      replay: {
        positionMs: Math.max(0, snapshot.atMs - startedAtMs),
        durationMs: Math.max(0, (ticks.at(-1)?.atMs ?? startedAtMs) - startedAtMs),
        atEnd: source.nextTickAtMs === null,
      },
    };
  }

  private publish(): void {
    this.current = this.input();
    for (const listener of this.listeners) listener();
  }
}
