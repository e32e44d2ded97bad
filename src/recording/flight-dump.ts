/**
 * `w` in the live view and SIGUSR1 otherwise: the flight recorder's window written out as a
 * recording, `netscope-flight-YYYYMMDD-HHMMSS.ndjson` in the output directory — created new
 * (never over another file, never through a symlink), mode 0600, fsync'd.
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { fileStamp } from '../file-stamp.js';
import { UnsafeOutputError, writeNewFileSafely } from '../safe-file-write.js';
import type { FlightRecorder, FlightRecordingSpan } from './flight-recorder.js';

/** Why there is no flight recording to write (it is off, or holds nothing yet), and what to do. */
export class FlightRecorderUnavailable extends Error {
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(message);
    this.name = 'FlightRecorderUnavailable';
  }
}

export interface FlightRecordingWritten extends FlightRecordingSpan {
  path: string;
}

/** Writes the window; throws FlightRecorderUnavailable before the first tick, UnsafeOutputError when the file cannot be made. */
export function writeFlightRecording(recorder: FlightRecorder, directory: string, now: Date): FlightRecordingWritten {
  const text = recorder.recording();
  const span = recorder.span();
  if (text === null || span === null) throw new FlightRecorderUnavailable('the flight recorder holds nothing yet', 'wait for the first tick');
  const target = unusedName(directory, `netscope-flight-${fileStamp(now)}`, '.ndjson');
  writeNewFileSafely(target, text);
  return { path: target, ...span };
}

/** `stem.ext`, or `stem-2.ext`… when two dumps fall in the same second. */
function unusedName(directory: string, stem: string, extension: string): string {
  for (let suffix = 1; ; suffix++) {
    const candidate = path.join(directory, `${stem}${suffix === 1 ? '' : `-${suffix}`}${extension}`);
    try {
      lstatSync(candidate);
    } catch {
      return candidate;
    }
  }
}

/** The one line for a dump that could not be written: the cause, then what to do about it. */
export function flightRecordingFailureText(error: unknown): string {
  if (error instanceof FlightRecorderUnavailable || error instanceof UnsafeOutputError) return `${error.message} — ${error.fix}`;
  return `cannot write the flight recording: ${error instanceof Error ? error.message : String(error)}`;
}
