/**
 * The recording format, version 2: NDJSON, one JSON object a line.
 *
 *   line 1   the header: {"netscopeRecording":2,"host":{…},"startedAt":"…Z","netscopeVersion":"…","source":{"kind":…,"probes":[…]}}
 *   then     every ModelRecord exactly as the model ingested it, in that order
 *            {"kind":"tick","atMs":N} where the capture ticked at N (ms since the epoch)
 *   last     {"kind":"end","atMs":N,"reason":"stopped"|"sizeCap"|"flightDump"}
 *
 * A replay ingests the records between two tick markers and then ticks at the marker's time, so
 * the model goes through the very ingest/tick sequence it went through live and publishes the
 * same snapshots. Records after the last tick marker were never ticked live and are not
 * replayed. A recording without an end marker was interrupted (netscope killed, the disk full);
 * its whole ticks still replay.
 *
 * Every time is within 2000–2199 and in order (recording-timeline.ts); every string is cleaned
 * of what a terminal would act on (record-shapes.ts).
 *
 * Pure: lines in (or bytes, for a recording already in memory), a validated Recording out — or a
 * RecordingError naming the line.
 */
import type { ModelRecord } from '../model/records.js';
import type { HostInfo, ProbeStatus, SourceInfo } from '../model/snapshot-types.js';
import { ExitCode } from '../errors.js';
import { escapeRecordedText } from '../enrich/untrusted-text.js';
import { epochMs, excerpt, hostInfo, isRecordKind, object, oneOf, parseRecord, probeStatuses, rfc3339Time, text } from './record-shapes.js';
import { RecordingError } from './recording-error.js';
import { LineSplitter, MAX_LINE_BYTES, type Line } from './recording-lines.js';
import { RecordingTimeline, type TimeProblem } from './recording-timeline.js';

/** The version this netscope writes. */
export const RECORDING_VERSION = 2;

/**
 * The versions this netscope replays. Version 2 records carry fields version 1 lacked; each such
 * field is optional in record-shapes.ts and a version 1 recording replays as it did when written.
 */
export const READABLE_RECORDING_VERSIONS: readonly number[] = [1, 2];
export type ReadableRecordingVersion = 1 | 2;

/** Record kinds a version 1 recording cannot hold: the version that brought each. */
const RECORD_KINDS_SINCE: Partial<Record<ModelRecord['kind'], ReadableRecordingVersion>> = { nat: 2 };

/** A replay is never recorded: a recording's source is the live probes or the procfs fallback. */
export type RecordedSourceKind = Exclude<SourceInfo['kind'], 'replay'>;

export interface RecordingHeader {
  /** The version the recording was written in (a new one is always RECORDING_VERSION). */
  netscopeRecording: ReadableRecordingVersion;
  host: HostInfo;
  /** Where the recording's time starts (RFC 3339 UTC): `--at 90` means 90 s after this. */
  startedAt: string;
  /** The netscope that wrote it. */
  netscopeVersion: string;
  source: { kind: RecordedSourceKind; probes: ProbeStatus[] };
}

/** Why a recording ends: netscope stopped, the --record-max-mb cap, or a flight recorder dump. */
export type EndReason = 'stopped' | 'sizeCap' | 'flightDump';

export interface EndMarker {
  kind: 'end';
  atMs: number;
  reason: EndReason;
}

/** One capture tick: the records the model ingested since the previous tick, then the tick at `atMs`. */
export interface RecordingTick {
  atMs: number;
  records: ModelRecord[];
}

export interface Recording {
  header: RecordingHeader;
  /** The header's startedAt, ms since the epoch. */
  startedAtMs: number;
  /** At least one. */
  ticks: RecordingTick[];
  /** Null when the recording was interrupted before netscope could close it. */
  end: EndMarker | null;
  /** The line number of a last line cut short (an interrupted write), left out; null when none. */
  truncatedLine: number | null;
}

export function headerLine(header: RecordingHeader): string {
  return JSON.stringify(header);
}

export function recordLine(record: ModelRecord): string {
  return JSON.stringify(record);
}

export function tickLine(atMs: number): string {
  return JSON.stringify({ kind: 'tick', atMs });
}

export function endLine(atMs: number, reason: EndReason): string {
  return JSON.stringify({ kind: 'end', atMs, reason } satisfies EndMarker);
}

/** The header but its version, which parseHeader checks first (another version has its own message). */
const headerShape = object<Omit<RecordingHeader, 'netscopeRecording'>>({
  host: hostInfo,
  startedAt: rfc3339Time,
  netscopeVersion: text,
  source: object<RecordingHeader['source']>({ kind: oneOf('ebpf', 'procfs'), probes: probeStatuses }),
});

const tickShape = object<Omit<RecordingTick, 'records'>>({ atMs: epochMs });
const endShape = object<EndMarker>({ kind: oneOf('end'), atMs: epochMs, reason: oneOf('stopped', 'sizeCap', 'flightDump') });

const DAMAGED_FIX = 'the recording is damaged: remove that line (or cut the file there) to replay the rest';
const RECORD_FIX = 'replay a file written by netscope --record FILE, the w key or SIGUSR1';
const TIMES_FIX = 'the file was edited or damaged (or the clock was set back while recording): cut it before that line to replay what precedes it';

function dataError(problem: string, fix: string): RecordingError {
  return new RecordingError(problem, fix, ExitCode.dataError);
}

/** The line's JSON value, or why it has none (`is not JSON: "{\"kind\":…"`). */
function parseLine(line: Line): { value: unknown } | { problem: string } {
  if (line.text === null) return { problem: 'is not UTF-8 text' };
  if (line.text === '') return { problem: 'is empty' };
  try {
    return { value: JSON.parse(line.text) as unknown };
  } catch {
    return { problem: `is not JSON: ${excerpt(line.text)}` };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseHeader(value: unknown, name: string): RecordingHeader {
  if (!isObject(value) || !('netscopeRecording' in value)) {
    const snapshotHint = isObject(value) && 'schemaVersion' in value ? ' (it looks like a --json snapshot)' : '';
    throw dataError(`${name} is not a netscope recording: line 1 is not a recording header${snapshotHint}`, RECORD_FIX);
  }
  const version = value.netscopeRecording;
  if (version !== 1 && version !== 2) {
    const writer = typeof value.netscopeVersion === 'string' ? `netscope ${escapeRecordedText(value.netscopeVersion.slice(0, 40))}` : 'another netscope';
    throw dataError(
      `${name} is a version ${excerpt(value.netscopeRecording)} recording (written by ${writer}); this netscope reads versions ${READABLE_RECORDING_VERSIONS.join(' and ')}`,
      `replay it with ${writer}`,
    );
  }
  const parsed = headerShape(value, 'header');
  if ('problem' in parsed) throw dataError(`${name} line 1 is not a valid recording header: ${parsed.problem}`, 'the header is damaged: record again');
  return { netscopeRecording: version, ...parsed.value };
}

/**
 * Reads a recording a line at a time, as its bytes arrive, into a Recording: the records are
 * what a replay plays, so they are held (parsed, checked, their text cleaned), but nothing else
 * is. Throws RecordingError (exit 65) naming the first bad line.
 */
export class RecordingParser {
  private header: RecordingHeader | null = null;
  private startedAtMs = 0;
  private timeline: RecordingTimeline | null = null;
  private readonly ticks: RecordingTick[] = [];
  private records: ModelRecord[] = [];
  private end: { marker: EndMarker; line: number } | null = null;
  private truncatedLine: number | null = null;
  private empty = true;

  constructor(private readonly name: string) {}

  /** Takes the next line. */
  line(line: Line): void {
    this.empty = false;
    const { name } = this;
    const parsed = parseLine(line);
    if ('problem' in parsed) {
      // An interrupted write leaves its last line without a newline: that line alone is lost.
      if (!line.complete) {
        this.truncatedLine = line.number;
        return;
      }
      throw dataError(`${name} line ${line.number} ${parsed.problem}`, line.number === 1 ? RECORD_FIX : DAMAGED_FIX);
    }
    const { value } = parsed;
    if (this.header === null || this.timeline === null) {
      this.header = parseHeader(value, name);
      this.startedAtMs = Date.parse(this.header.startedAt);
      this.timeline = new RecordingTimeline(this.startedAtMs);
      return;
    }
    if (this.end !== null) {
      throw dataError(`${name} line ${line.number} follows the recording's end (line ${this.end.line})`, `two recordings joined? keep the lines up to ${this.end.line}`);
    }
    const kind = isObject(value) ? value.kind : undefined;
    if (typeof kind !== 'string') throw dataError(`${name} line ${line.number} is not a record (it has no "kind")`, DAMAGED_FIX);
    if (kind === 'tick') {
      const tick = tickShape(value, 'tick');
      if ('problem' in tick) throw dataError(`${name} line ${line.number} is not a valid tick marker: ${tick.problem}`, DAMAGED_FIX);
      this.inOrder(this.timeline.tick(tick.value.atMs, line.number));
      this.ticks.push({ atMs: tick.value.atMs, records: this.records });
      this.records = [];
    } else if (kind === 'end') {
      const end = endShape(value, 'end');
      if ('problem' in end) throw dataError(`${name} line ${line.number} is not a valid end marker: ${end.problem}`, DAMAGED_FIX);
      this.inOrder(this.timeline.end(end.value.atMs, line.number));
      this.end = { marker: end.value, line: line.number };
    } else if (isRecordKind(kind) && this.header.netscopeRecording >= (RECORD_KINDS_SINCE[kind] ?? 1)) {
      const record = parseRecord(kind, value);
      if ('problem' in record) throw dataError(`${name} line ${line.number} is not a valid "${kind}" record: ${record.problem}`, DAMAGED_FIX);
      this.inOrder(this.timeline.record(record.value, line.number));
      this.records.push(record.value);
    } else {
      throw dataError(
        `${name} line ${line.number} is a record of unknown kind ${excerpt(kind)}`,
        `damaged, or written by a newer netscope (${this.header.netscopeVersion}): replay it with that one`,
      );
    }
  }

  /** The whole recording, once every line is in. */
  finish(): Recording {
    const { name, header } = this;
    if (this.empty) throw dataError(`${name} is empty`, RECORD_FIX);
    if (header === null) throw dataError(`${name} line 1 is cut short: the recording ends inside its header`, 'nothing to replay: record again');
    if (this.ticks.length === 0) {
      throw dataError(`${name} has no tick: netscope stopped before its first tick`, 'nothing to replay: record for longer than one --interval');
    }
    // The records after the last tick (this.records) were never ticked live, and are not replayed.
    return { header, startedAtMs: this.startedAtMs, ticks: this.ticks, end: this.end?.marker ?? null, truncatedLine: this.truncatedLine };
  }

  private inOrder(time: TimeProblem | null): void {
    if (time !== null) throw dataError(`${this.name} line ${time.line} ${time.problem}`, TIMES_FIX);
  }
}

/** Reads a whole recording already in memory (its lines within the usual line cap). */
export function parseRecording(bytes: Uint8Array, name: string): Recording {
  const parser = new RecordingParser(name);
  const lines = new LineSplitter(name, { maxBytes: Infinity, maxLineBytes: MAX_LINE_BYTES }, (line) => parser.line(line));
  lines.push(bytes);
  lines.end();
  return parser.finish();
}

/**
 * The line saying a recording is not whole and what is replayed instead; null when it is whole.
 * An interrupted recording is still worth replaying: its whole ticks are.
 */
export function incompleteRecordingNotice(recording: Recording, name: string): string | null {
  const count = recording.ticks.length;
  const ticks = `${count} whole tick${count === 1 ? '' : 's'}`;
  if (recording.truncatedLine !== null) {
    return `${name} line ${recording.truncatedLine} is cut short (the recording was interrupted) — replaying the ${ticks} before it`;
  }
  if (recording.end === null) return `${name} has no end marker (netscope stopped without closing it) — replaying its ${ticks}`;
  if (recording.end.reason === 'sizeCap') return `${name} ends at its size cap (--record-max-mb) — replaying the ${ticks} it holds`;
  return null;
}
