/**
 * A Capture over a recording: the replay source, and the capture's clock set to the recorded
 * tick times — each `capture.tick()` plays one recorded tick, exactly as it went live.
 */
import { Capture } from './capture.js';
import { type CliOptions } from './cli-options.js';
import { UsageError } from '../errors.js';
import type { ModelOptions } from '../model/connection-model.js';
import { ReplaySource } from '../recording/replay-source.js';
import type { Recording } from '../recording/recording-format.js';

export interface ReplayCapture {
  capture: Capture;
  source: ReplaySource;
}

export function openReplayCapture(recording: Recording, modelOptions: Partial<ModelOptions>): ReplayCapture {
  const lastTickAtMs = recording.ticks.at(-1)?.atMs ?? recording.startedAtMs;
  const capture = new Capture(
    (sink) => new ReplaySource(recording, sink),
    recording.header.host,
    modelOptions,
    () => source.nextTickAtMs ?? lastTickAtMs,
  );
  // The capture made it from the factory above.
  const source = capture.source as ReplaySource;
  return { capture, source };
}

/**
 * How many recorded ticks to play for the snapshot at `--at`: every one up to that moment (the
 * snapshot a live --json would have printed then), or all of them without `--at`. A moment
 * outside the recording is a usage error that gives its span.
 */
export function ticksUntil(recording: Recording, at: CliOptions['replayAt']): number {
  const { ticks } = recording;
  if (at === null) return ticks.length;
  const targetMs = at.kind === 'relative' ? recording.startedAtMs + at.ms : at.ms;
  const played = ticks.findIndex((tick) => tick.atMs > targetMs);
  const count = played === -1 ? ticks.length : played;
  const lastMs = recording.end?.atMs ?? ticks.at(-1)?.atMs ?? targetMs;
  if (count === 0 || targetMs > lastMs) {
    // A first tick stamped a moment before the header's start (the clocks are read apart) is its start: never "-0.0 s".
    const moment = (ms: number) => `${(Math.max(0, ms - recording.startedAtMs) / 1000).toFixed(1)} s (${new Date(ms).toISOString()})`;
    const firstMs = ticks[0]?.atMs ?? targetMs;
    throw new UsageError(`--at ${moment(targetMs)} is outside the recording, which runs from ${moment(firstMs)} to ${moment(lastMs)} — pick a moment in between`);
  }
  return count;
}
