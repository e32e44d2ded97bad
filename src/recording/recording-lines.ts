/**
 * A recording's bytes, as they arrive (from a file, through gunzip), cut into lines — within two
 * caps, so that no file, however made, holds more memory than they allow: the bytes read in all
 * (decompressed), and the bytes of one line. A line past its cap is refused before it is whole,
 * and reading stops at the first byte past the total.
 */
import { ExitCode } from '../errors.js';
import { RecordingError } from './recording-error.js';

/**
 * The longest line read: 8 MiB. A record's line is a few hundred bytes; the longest netscope
 * writes is an owner record with a whole command line, which Linux caps at 6 MiB (argv and
 * environment together: fs/exec.c, three quarters of _STK_LIM). Past that, the file is damaged
 * or crafted — a gzip bomb of one endless line.
 */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

export interface LineCaps {
  /** Bytes read in all, after gunzip, newlines included. */
  maxBytes: number;
  /** Bytes of one line, without its newline. */
  maxLineBytes: number;
}

export interface Line {
  /** 1-based. */
  number: number;
  /** Null when the bytes are not UTF-8. */
  text: string | null;
  /** False for a last line with no newline: the write that ended the file was cut off. */
  complete: boolean;
}

const NEWLINE = 0x0a;
const MIB = 1024 * 1024;

function inMiB(bytes: number): string {
  return `${Number((bytes / MIB).toPrecision(4))} MiB`;
}

/**
 * The error for a recording past the --replay-max-mb cap, at `line` (null: before reading,
 * from the file's size).
 */
export function overSizeCap(name: string, maxBytes: number, line: number | null): RecordingError {
  const where = line === null ? '' : ` (at line ${line})`;
  return new RecordingError(
    `${name} is larger than ${inMiB(maxBytes)} once decompressed${where}, the --replay-max-mb ${maxBytes / MIB} cap`,
    'a gzip bomb, or a long recording: if you trust it, raise --replay-max-mb (a replay holds about that much in memory)',
    ExitCode.dataError,
  );
}

export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  /** The current line's bytes so far, as views into the chunks they came in. */
  private parts: Uint8Array[] = [];
  private lineBytes = 0;
  private totalBytes = 0;
  private lineNumber = 1;

  constructor(
    private readonly name: string,
    private readonly caps: LineCaps,
    private readonly onLine: (line: Line) => void,
  ) {}

  /** Takes the next bytes; hands on each line they complete. Throws RecordingError (65) past a cap. */
  push(chunk: Uint8Array): void {
    for (let start = 0; start < chunk.length; ) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      this.take(chunk.subarray(start, end), newline === -1 ? 0 : 1);
      if (newline === -1) return;
      this.emit(true);
      start = newline + 1;
    }
  }

  /** The input is over: a last line without its newline is handed on as cut short. */
  end(): void {
    if (this.lineBytes > 0) this.emit(false);
  }

  private take(bytes: Uint8Array, newlines: number): void {
    this.totalBytes += bytes.length + newlines;
    if (this.totalBytes > this.caps.maxBytes) throw overSizeCap(this.name, this.caps.maxBytes, this.lineNumber);
    this.lineBytes += bytes.length;
    if (this.lineBytes > this.caps.maxLineBytes) {
      throw new RecordingError(
        `${this.name} line ${this.lineNumber} is longer than ${inMiB(this.caps.maxLineBytes)} (netscope writes a few hundred bytes a line, a command line at most 6 MiB)`,
        'the file is damaged or was not written by netscope: cut it before that line to replay what precedes it',
        ExitCode.dataError,
      );
    }
    if (bytes.length > 0) this.parts.push(bytes);
  }

  private emit(complete: boolean): void {
    const bytes = this.parts.length === 1 ? (this.parts[0] as Uint8Array) : Buffer.concat(this.parts);
    let text: string | null;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      text = null;
    }
    this.parts = [];
    this.lineBytes = 0;
    this.onLine({ number: this.lineNumber++, text, complete });
  }
}
