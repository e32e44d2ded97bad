/**
 * The one way the model reaches React: an external store for useSyncExternalStore. It publishes
 * a new ScreenInput once per tick, and nothing while paused (ingest goes on underneath).
 */
import type { ScreenInput } from './view-model/screen-input.js';

export interface CaptureStore {
  /** Passed unbound to useSyncExternalStore: implement as an arrow-function property. */
  subscribe(listener: () => void): () => void;
  /** Referentially stable between ticks. Passed unbound too. */
  getSnapshot(): ScreenInput;
  setPaused(paused: boolean): void;
  /** Changes the tick interval, ms. */
  setIntervalMs(intervalMs: number): void;
  /** Starts (or stops, with null) recording the rates of the connection on the detail page. */
  setDetailConnection(connectionId: number | null): void;
  /** Writes the snapshot document of what is on screen; returns the path written. Throws UnsafeOutputError. */
  saveSnapshot(): string;
}
