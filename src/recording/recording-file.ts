/**
 * `--record FILE`: every record the model ingests and a marker at every tick, appended to FILE
 * as they happen (see recording-format.ts). The file is written once a tick — whole ticks, so a
 * netscope killed at any moment leaves a recording that replays up to its last tick — and
 * gzip'd a tick at a time when FILE ends in `.gz` (concatenated gzip members are one gzip
 * stream to every reader). A write that fails or would pass the size cap ends the recording
 * with one line; the capture goes on. A recording that fails before its first tick is on disk
 * (the header cannot be written: netscope ends there; the first tick: the capture goes on) is
 * removed rather than left empty.
 */
import { closeSync, fsyncSync, writeSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { CaptureObserver } from '../model/capture-contracts.js';
import type { ModelRecord } from '../model/records.js';
import type { ModelSnapshot } from '../model/snapshot-types.js';
import { OutputWriteError, systemErrorText, writeFailureFix } from '../output/output-write-error.js';
import { OutputDirectory, splitTarget } from '../output/safe-file-write.js';
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
  /** Held until the first tick is on disk, to remove a recording that fails before it; then null. */
  private directory: OutputDirectory | null;
  private readonly name: string;
  private readonly compressed: boolean;
  private pending: string[] = [];
  private writtenBytes = 0;
  private readonly now: () => number;

  /**
   * Creates the file (throws UnsafeOutputError when it exists, is a symlink or cannot be made)
   * and writes the header (throws OutputWriteError when it cannot, the file removed again).
   */
  constructor(private readonly options: RecordingFileOptions) {
    this.now = options.now ?? Date.now;
    this.compressed = options.path.endsWith('.gz');
    const { directory, name } = splitTarget(options.path);
    this.name = name;
    this.directory = OutputDirectory.open(directory);
    try {
      this.fd = this.directory.createFile(name);
    } catch (error) {
      this.directory.close();
      throw error;
    }
    try {
      this.writeAll(this.encode([headerLine(options.header)]));
    } catch (error) {
      this.discard();
      throw new OutputWriteError(`cannot write the recording ${options.path}`, error, `${writeFailureFix(error)} (the empty file was removed)`);
    }
  }

  record(record: ModelRecord): void {
    if (this.fd !== null) this.pending.push(recordLine(record));
  }

  tick(snapshot: ModelSnapshot): void {
    if (this.fd === null) return;
    this.pending.push(tickLine(snapshot.atMs));
    this.flush(snapshot.atMs);
    if (this.fd !== null) this.releaseDirectory();
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
      this.writeAll(bytes);
      return true;
    } catch (error) {
      const beforeFirstTick = this.directory !== null;
      if (beforeFirstTick) this.discard();
      else this.finish();
      const outcome = beforeFirstTick ? 'failed before its first tick and was removed' : 'failed and stopped';
      this.options.report(`recording to ${this.options.path} ${outcome} (the capture goes on): ${systemErrorText(error)} — ${writeFailureFix(error)}`);
      return false;
    }
  }

  private writeAll(bytes: Uint8Array): void {
    if (this.fd === null) return;
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(this.fd, bytes, offset);
    this.writtenBytes += bytes.length;
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
    this.releaseDirectory();
  }

  /** Removes the file (while it is still this recording's) and ends the recording. */
  private discard(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    this.directory?.removeFile(this.name, fd);
    closeSync(fd);
    this.releaseDirectory();
  }

  private releaseDirectory(): void {
    this.directory?.close();
    this.directory = null;
  }
}
