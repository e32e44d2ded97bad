/**
 * The one way the model reaches React: an external store for useSyncExternalStore. It publishes
 * a new ScreenInput once per tick, and nothing while paused (ingest goes on underneath).
 */
import type { FlightRecordingWritten } from '../recording/flight-dump.js';
import type { SavedScreen } from './save-screen-snapshot.js';
import type { ScreenInput } from './view-model/screen-input.js';
import type { UiState } from './view-model/ui-state.js';

/** What only a replay can do: move through the recording. */
export interface ReplayControls {
  /** One recorded tick forward or back (back replays from the start); pauses playback. */
  step(direction: 1 | -1): void;
  /** Playback speed: 2 plays a recorded minute in 30 s. */
  setSpeed(speed: number): void;
}

export interface CaptureStore {
  /** Passed unbound to useSyncExternalStore: implement as an arrow-function property. */
  subscribe(listener: () => void): () => void;
  /** Referentially stable between ticks. Passed unbound too. */
  getSnapshot(): ScreenInput;
  /** Live: stops publishing (ingest goes on). Replay: stops playback. */
  setPaused(paused: boolean): void;
  /** Changes the tick interval, ms. */
  setIntervalMs(intervalMs: number): void;
  /** Starts (or stops, with null) recording the rates of the connection on the detail page. */
  setDetailConnection(connectionId: number | null): void;
  /**
   * Writes the snapshot document of what `view` shows (its filter, scope and `t` applied, and
   * recorded in the document); says what it wrote. Throws UnsafeOutputError.
   */
  saveSnapshot(view: UiState): SavedScreen;
  /** `b`: what is on screen becomes the baseline; returns its time, ms since the epoch. */
  markBaseline(): number;
  /** Writes the flight recorder's last minutes as a recording. Throws FlightRecorderUnavailable or UnsafeOutputError. */
  writeFlightRecording(): FlightRecordingWritten;
  /** Present when replaying a recording. */
  readonly replay?: ReplayControls;
}
