/**
 * `--record FILE`: every record the model ingests and a marker at every tick, appended to FILE
 * as they happen (see recording-format.ts). The file is written once a tick — whole ticks, so a
 * netscope killed at any moment leaves a recording that replays up to its last tick — and
 * gzip'd a tick at a time when FILE ends in `.gz` (concatenated gzip members are one gzip
 * stream to every reader). A write that fails or would pass the size cap ends the recording
 * with one line; the capture goes on.
 */
import { closeSync, fsyncSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { CaptureObserver } from '../capture.js';
import type { ModelRecord } from '../model/records.js';
import type { ModelSnapshot } from '../model/snapshot-types.js';
import { openNewFileSafely } from '../safe-file-write.js';
import { endLine, headerLine, recordLine, tickLine, type RecordingHeader } from './recording-format.js';

/** Kept free below the cap for the end marker (a gzip member of one short line is ~60 bytes). */
const END_MARKER_ROOM_BYTES = 256;

export interface RecordingFileOptions {
  path: string;
  /** The file never grows past this, in bytes (compressed bytes for `.gz`). */
  maxBytes: number;
  header: RecordingHeader;
  /** Says why the recording stopped early, in one line (stderr, or the live view's notice line). */
  report: (line: string) => void;
  /** Wall clock for the end marker, ms since the epoch. */
  now?: () => number;
}

export class RecordingFile implements CaptureObserver {
  /** Null once the recording is over (closed, capped or failed). */
  private fd: number | null;
  private readonly compressed: boolean;
  private pending: string[] = [];
  private writtenBytes = 0;
  private readonly now: () => number;

  /** Creates the file (throws UnsafeOutputError when it exists, is a symlink or cannot be made) and writes the header. */
  constructor(private readonly options: RecordingFileOptions) {
    this.now = options.now ?? Date.now;
    this.compressed = options.path.endsWith('.gz');
    this.fd = openNewFileSafely(options.path);
    this.pending.push(headerLine(options.header));
    this.flush(this.now());
  }

  record(record: ModelRecord): void {
    if (this.fd !== null) this.pending.push(recordLine(record));
  }

  tick(snapshot: ModelSnapshot): void {
    if (this.fd === null) return;
    this.pending.push(tickLine(snapshot.atMs));
    this.flush(snapshot.atMs);
  }

  /** Writes what is pending and the end marker, then fsyncs and closes. Safe to call twice. */
  close(): void {
    if (this.fd === null) return;
    this.pending.push(endLine(this.now(), 'stopped'));
    this.flush(this.now());
    this.finish();
  }

  private encode(lines: readonly string[]): Uint8Array {
    const text = `${lines.join('\n')}\n`;
    return this.compressed ? gzipSync(text) : Buffer.from(text);
  }

  /** Writes the pending lines, unless they would pass the cap: then only the end marker, and the recording is over. */
  private flush(atMs: number): void {
    const bytes = this.encode(this.pending);
    this.pending = [];
    if (this.writtenBytes + bytes.length + END_MARKER_ROOM_BYTES > this.options.maxBytes) {
      if (!this.write(this.encode([endLine(atMs, 'sizeCap')]))) return;
      this.finish();
      const megabytes = Number((this.options.maxBytes / (1024 * 1024)).toPrecision(3));
      const fix = this.compressed ? 'raise --record-max-mb' : 'raise --record-max-mb, or record to a .gz file';
      this.options.report(
        `recording ${this.options.path} reached its size cap (--record-max-mb ${megabytes}) at ${new Date(atMs).toISOString()} and stopped there (the capture goes on) — ${fix}`,
      );
      return;
    }
    this.write(bytes);
  }

  /** False (and the recording over, with one line said) when the write failed. */
  private write(bytes: Uint8Array): boolean {
    if (this.fd === null) return false;
    try {
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(this.fd, bytes, offset);
      this.writtenBytes += bytes.length;
      return true;
    } catch (error) {
      this.finish();
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      this.options.report(`recording to ${this.options.path} failed (${code}) and stopped (the capture goes on) — free some space, or record elsewhere`);
      return false;
    }
  }

  private finish(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    try {
      fsyncSync(fd);
    } catch {
      // what was written is in the page cache; a failed fsync cannot be helped here
    }
    closeSync(fd);
  }
}
