/**
 * `w` in the live view and SIGUSR1 otherwise: the flight recorder's window written out as a
 * recording, `netscope-flight-YYYYMMDD-HHMMSS.ndjson` in the output directory — created new
 * (never over another file, never through a symlink), mode 0600, fsync'd.
 */
import { ExitCode, NetscopeError } from '../errors.js';
import { fileStamp } from '../output/file-stamp.js';
import { OutputDirectory } from '../output/safe-file-write.js';
import type { FlightRecorder, FlightRecordingSpan } from './flight-recorder.js';

/** Why there is no flight recording to write (it is off, or holds nothing yet), and what to do. */
export class FlightRecorderUnavailable extends NetscopeError {
  constructor(problem: string, fix: string) {
    super(problem, fix, ExitCode.failure);
  }
}

export interface FlightRecordingWritten extends FlightRecordingSpan {
  path: string;
}

/** Writes the window; throws FlightRecorderUnavailable before the first tick, UnsafeOutputError or OutputWriteError when the file cannot be made or written. */
export function writeFlightRecording(recorder: FlightRecorder, directory: string, now: Date): FlightRecordingWritten {
  const text = recorder.recording();
  const span = recorder.span();
  if (text === null || span === null) throw new FlightRecorderUnavailable('the flight recorder holds nothing yet', 'wait for the first tick');
  const outputDirectory = OutputDirectory.open(directory);
  try {
    const name = unusedName(outputDirectory, `netscope-flight-${fileStamp(now)}`, '.ndjson');
    outputDirectory.writeNewFile(name, text);
    return { path: outputDirectory.pathOf(name), ...span };
  } finally {
    outputDirectory.close();
  }
}

/** `stem.ext`, or `stem-2.ext`… when two dumps fall in the same second. */
function unusedName(directory: OutputDirectory, stem: string, extension: string): string {
  for (let suffix = 1; ; suffix++) {
    const candidate = `${stem}${suffix === 1 ? '' : `-${suffix}`}${extension}`;
    if (directory.entry(candidate) === null) return candidate;
  }
}

/** The one line for a dump that could not be written: the cause, then what to do about it. */
export function flightRecordingFailureText(error: unknown): string {
  if (error instanceof NetscopeError) return error.sentence;
  return `cannot write the flight recording: ${error instanceof Error ? error.message : String(error)}`;
}
