/**
 * `w` in the live view and SIGUSR1 otherwise: the flight recorder's window written out as a
 * recording, `netscope-flight-YYYYMMDD-HHMMSS.ndjson` in the output directory — created new
 * (never over another file, never through a symlink), mode 0600, fsync'd. Written a line at a
 * time through one buffer: minutes under churn are more text than one string may hold.
 */
import { closeSync, fsyncSync, writeSync } from 'node:fs';
import { ExitCode, NetscopeError } from '../errors.js';
import { fileStamp } from '../output/file-stamp.js';
import { OutputWriteError, writeFailureFix } from '../output/output-write-error.js';
import { OutputDirectory } from '../output/safe-file-write.js';
import type { FlightRecorder, FlightRecordingSpan } from './flight-recorder.js';

/** Why there is no flight recording to write (it is off, or holds nothing yet), and what to do. */
export class FlightRecorderUnavailable extends NetscopeError {
  constructor(problem: string, fix: string) {
    super(problem, fix, ExitCode.failure);
  }
}

/** A dump that would have taken more disk than it was allowed: not written (what got there is removed). */
export class FlightDumpOverBudget extends FlightRecorderUnavailable {
  constructor(readonly maxBytes: number) {
    super(`the flight recording would take more than the ${Math.round(maxBytes / (1024 * 1024))} MiB of disk left to this run's dumps`, 'raise --flight-dumps-max-mb, or lower --flight-minutes');
  }
}

export interface FlightRecordingWritten extends FlightRecordingSpan {
  path: string;
  /** The file's size, bytes. */
  bytes: number;
}

/**
 * Writes the window; throws FlightRecorderUnavailable before the first tick, FlightDumpOverBudget
 * when it would pass `maxBytes` (the file is then removed), UnsafeOutputError or OutputWriteError
 * when the file cannot be made or written.
 */
export function writeFlightRecording(recorder: FlightRecorder, directory: string, now: Date, maxBytes = Infinity): FlightRecordingWritten {
  const span = recorder.span();
  if (span === null) throw new FlightRecorderUnavailable('the flight recorder holds nothing yet', 'wait for the first tick');
  const outputDirectory = OutputDirectory.open(directory);
  try {
    const name = unusedName(outputDirectory, `netscope-flight-${fileStamp(now)}`, '.ndjson');
    const fd = outputDirectory.createFile(name);
    let bytes = 0;
    try {
      const piece = Buffer.allocUnsafeSlow(PIECE_BYTES);
      let used = 0;
      // Checked before each piece is written: a dump over its budget never reaches the disk whole.
      const write = (buffer: Buffer) => {
        bytes += buffer.length;
        if (bytes > maxBytes) throw new FlightDumpOverBudget(maxBytes);
        writeAll(fd, buffer);
      };
      for (const line of recorder.recordingLines()) {
        // UTF-8 takes at most three bytes a UTF-16 unit, and the newline one.
        const most = 3 * line.length + 1;
        if (used + most > PIECE_BYTES) {
          write(piece.subarray(0, used));
          used = 0;
        }
        if (most > PIECE_BYTES) write(Buffer.from(`${line}\n`));
        else {
          used += piece.write(line, used);
          piece[used++] = NEWLINE;
        }
      }
      write(piece.subarray(0, used));
      fsyncSync(fd);
    } catch (error) {
      outputDirectory.removeFile(name, fd);
      if (error instanceof FlightDumpOverBudget) throw error;
      throw new OutputWriteError(`cannot write ${outputDirectory.pathOf(name)}`, error, writeFailureFix(error));
    } finally {
      closeSync(fd);
    }
    return { path: outputDirectory.pathOf(name), bytes, ...span };
  } finally {
    outputDirectory.close();
  }
}

/** The lines go out through one buffer this large, bytes: no string larger than a line is made. */
const PIECE_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

function writeAll(fd: number, bytes: Buffer): void {
  for (let written = 0; written < bytes.length; ) written += writeSync(fd, bytes, written);
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
