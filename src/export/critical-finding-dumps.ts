/**
 * With the flight recorder on, a critical finding that opens keeps what led up to it: the
 * recorder's window is written out as `w` writes it (the same safe writer: a new file, mode
 * 0600, never through a symlink). Once per finding, and findings that turn critical in the same
 * tick share one dump — it holds the same minutes. A run writes a bounded number of dumps
 * taking a bounded amount of disk: an agent left alone on a flapping host must not fill it.
 * Every dump not written is counted and said.
 */
import { escapeRecordedText } from '../enrich/untrusted-text.js';
import type { Finding } from '../findings/finding.js';
import { flightRecordingFailureText, type FlightRecordingWritten } from '../recording/flight-dump.js';

export interface CriticalFindingDumpOptions {
  /** Dumps a run writes at most (--flight-dumps N; the flag's default, 0, attaches none). */
  maxDumps: number;
  /** Disk all dumps of a run may take, bytes (--flight-dumps-max-mb, default 1 GiB); a dump that would pass it is not written. */
  maxTotalBytes: number;
}

/** What became of the dump asked for by findings turning critical. */
export type CriticalFindingDump = {
  /** The findings that turned critical in this tick. */
  findingIds: readonly string[];
  /** Dumps skipped this run so far (this one included, when it is skipped). */
  skippedDumps: number;
} & ({ kind: 'written'; written: FlightRecordingWritten } | { kind: 'skipped'; /** Why, and what to do about it, in one sentence. */ reason: string });

/** `--events`: a dump a critical finding asked for, written or skipped, as one NDJSON line. */
export interface FlightDumpLine {
  type: 'flightDump';
  /** RFC 3339 UTC, when it was written or skipped. */
  time: string;
  findingIds: string[];
  /** Where the dump went; null when skipped. */
  path: string | null;
  /** The dump's size, bytes; null when skipped. */
  bytes: number | null;
  /** Why it was skipped, and the fix; null when written. */
  skippedBecause: string | null;
  /** Dumps skipped this run so far. */
  skippedDumps: number;
}

export class CriticalFindingDumps {
  /** Findings a dump was written or skipped for: each asks once a run. */
  private readonly handled = new Set<string>();
  private dumpsWritten = 0;
  private bytesWritten = 0;
  private dumpsSkipped = 0;

  /**
   * @param write writes the window, at most the bytes given (see writeFlightRecording); throws
   *   when it cannot (FlightDumpOverBudget, UnsafeOutputError, OutputWriteError…).
   * @param say told of each dump written or skipped.
   */
  constructor(
    private readonly write: (maxBytes: number) => FlightRecordingWritten,
    private readonly options: CriticalFindingDumpOptions,
    private readonly say: (dump: CriticalFindingDump) => void,
  ) {}

  /** Dumps skipped this run: past a cap, or failed. */
  get skippedDumps(): number {
    return this.dumpsSkipped;
  }

  get writtenDumps(): number {
    return this.dumpsWritten;
  }

  /** One tick's findings: those open and critical for the first time ask for a dump. */
  update(findings: readonly Finding[]): void {
    const findingIds = findings.filter((finding) => finding.state === 'open' && finding.severity === 'critical' && !this.handled.has(finding.id)).map((finding) => finding.id);
    if (findingIds.length === 0) return;
    for (const id of findingIds) this.handled.add(id);
    const budgetLeft = this.options.maxTotalBytes - this.bytesWritten;
    if (this.dumpsWritten >= this.options.maxDumps) return this.skip(findingIds, `${this.options.maxDumps} dumps already written this run — raise --flight-dumps for more`);
    if (budgetLeft <= 0) return this.skip(findingIds, "this run's dumps took all of --flight-dumps-max-mb — raise it for more");
    try {
      const written = this.write(budgetLeft);
      this.dumpsWritten++;
      this.bytesWritten += written.bytes;
      this.say({ kind: 'written', findingIds, written, skippedDumps: this.dumpsSkipped });
    } catch (error) {
      this.skip(findingIds, flightRecordingFailureText(error));
    }
  }

  private skip(findingIds: readonly string[], reason: string): void {
    this.dumpsSkipped++;
    this.say({ kind: 'skipped', findingIds, reason, skippedDumps: this.dumpsSkipped });
  }
}

export function flightDumpLine(dump: CriticalFindingDump, atMs: number): FlightDumpLine {
  const written = dump.kind === 'written' ? dump.written : null;
  return {
    type: 'flightDump',
    time: new Date(atMs).toISOString(),
    findingIds: [...dump.findingIds],
    path: written?.path ?? null,
    bytes: written?.bytes ?? null,
    skippedBecause: dump.kind === 'skipped' ? dump.reason : null,
    skippedDumps: dump.skippedDumps,
  };
}

/** The line a person reads about a dump (the live view's notice line, stderr). */
export function criticalFindingDumpText(dump: CriticalFindingDump): string {
  const ids = dump.findingIds.map(escapeRecordedText);
  const about = ids.length === 1 ? `critical finding ${ids[0]}` : `${ids.length} critical findings (${ids.join(', ')})`;
  if (dump.kind === 'written') {
    const { written } = dump;
    return `flight recorder: ${about} — wrote the last ${Math.round(written.spanMs / 1000)} s (${written.ticks} ticks) to ${written.path}`;
  }
  return `flight recorder: no dump for ${about}: ${dump.reason} (${dump.skippedDumps} skipped this run)`;
}
