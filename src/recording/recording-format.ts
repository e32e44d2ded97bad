/**
 * The recording format, version 1: NDJSON, one JSON object a line.
 *
 *   line 1   the header: {"netscopeRecording":1,"host":{…},"startedAt":"…Z","netscopeVersion":"…","source":{"kind":…,"probes":[…]}}
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
 * Pure: bytes in, a validated Recording out (or a RecordingError naming the line).
 */
import type { ModelRecord } from '../model/records.js';
import type { HostInfo, ProbeStatus, SourceInfo } from '../model/snapshot-types.js';
import { ExitCode } from '../probes/probe-error.js';
import { finiteNumber, hostInfo, isRecordKind, object, oneOf, probeStatuses, recordProblem, text, type Validator } from './record-shapes.js';
import { RecordingError } from './recording-error.js';

export const RECORDING_VERSION = 1;

/** A replay is never recorded: a recording's source is the live probes or the procfs fallback. */
export type RecordedSourceKind = Exclude<SourceInfo['kind'], 'replay'>;

export interface RecordingHeader {
  netscopeRecording: typeof RECORDING_VERSION;
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

const rfc3339 = (value: unknown, path: string) =>
  text(value, path) ?? (/^\d{4}-\d\d-\d\dT/.test(value as string) && Number.isFinite(Date.parse(value as string)) ? null : `${path} is not an RFC 3339 time`);

const headerShape: Validator = object<RecordingHeader>({
  netscopeRecording: finiteNumber,
  host: hostInfo,
  startedAt: rfc3339,
  netscopeVersion: text,
  source: object<RecordingHeader['source']>({ kind: oneOf('ebpf', 'procfs'), probes: probeStatuses }),
});

const tickShape = object<Omit<RecordingTick, 'records'>>({ atMs: finiteNumber });
const endShape = object<Omit<EndMarker, 'kind'>>({ atMs: finiteNumber, reason: oneOf('stopped', 'sizeCap', 'flightDump') });

const DAMAGED_FIX = 'the recording is damaged: remove that line (or cut the file there) to replay the rest';
const RECORD_FIX = 'replay a file written by netscope --record FILE, the w key or SIGUSR1';

function dataError(problem: string, fix: string): RecordingError {
  return new RecordingError(problem, fix, ExitCode.dataError);
}

interface Line {
  /** 1-based. */
  number: number;
  /** Null when the bytes are not UTF-8. */
  text: string | null;
  /** False for a last line with no newline: the write that ended the file was cut off. */
  complete: boolean;
}

const NEWLINE = 0x0a;

/** The lines of `bytes`, decoded one at a time (a recording may exceed the longest string V8 allows). */
function* linesOf(bytes: Uint8Array): Generator<Line> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let number = 0;
  for (let start = 0; start < bytes.length; ) {
    const newline = bytes.indexOf(NEWLINE, start);
    const end = newline === -1 ? bytes.length : newline;
    let decoded: string | null;
    try {
      decoded = decoder.decode(bytes.subarray(start, end));
    } catch {
      decoded = null;
    }
    yield { number: ++number, text: decoded, complete: newline !== -1 };
    start = end + 1;
  }
}

/** The line's JSON value, or why it has none (`is not JSON: "{\"kind\":…"`). */
function parseLine(line: Line): { value: unknown } | { problem: string } {
  if (line.text === null) return { problem: 'is not UTF-8 text' };
  if (line.text === '') return { problem: 'is empty' };
  try {
    return { value: JSON.parse(line.text) as unknown };
  } catch {
    const excerpt = line.text.length > 40 ? `${line.text.slice(0, 40)}…` : line.text;
    return { problem: `is not JSON: ${JSON.stringify(excerpt)}` };
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
  if (value.netscopeRecording !== RECORDING_VERSION) {
    const writer = typeof value.netscopeVersion === 'string' ? `netscope ${value.netscopeVersion}` : 'another netscope';
    throw dataError(
      `${name} is a version ${JSON.stringify(value.netscopeRecording)} recording (written by ${writer}); this netscope reads version ${RECORDING_VERSION}`,
      `replay it with ${writer}`,
    );
  }
  const problem = headerShape(value, 'header');
  if (problem !== null) throw dataError(`${name} line 1 is not a valid recording header: ${problem}`, 'the header is damaged: record again');
  return value as unknown as RecordingHeader;
}

/** Reads a whole recording. Throws RecordingError (exit 65) naming the first bad line. */
export function parseRecording(bytes: Uint8Array, name: string): Recording {
  if (bytes.length === 0) throw dataError(`${name} is empty`, RECORD_FIX);
  let header: RecordingHeader | null = null;
  const ticks: RecordingTick[] = [];
  let records: ModelRecord[] = [];
  let end: { marker: EndMarker; line: number } | null = null;
  let truncatedLine: number | null = null;

  for (const line of linesOf(bytes)) {
    const parsed = parseLine(line);
    if ('problem' in parsed) {
      // An interrupted write leaves its last line without a newline: that line alone is lost.
      if (!line.complete) {
        truncatedLine = line.number;
        break;
      }
      throw dataError(`${name} line ${line.number} ${parsed.problem}`, line.number === 1 ? RECORD_FIX : DAMAGED_FIX);
    }
    const { value } = parsed;
    if (header === null) {
      header = parseHeader(value, name);
      continue;
    }
    if (end !== null) {
      throw dataError(`${name} line ${line.number} follows the recording's end (line ${end.line})`, `two recordings joined? keep the lines up to ${end.line}`);
    }
    const kind = isObject(value) ? value.kind : undefined;
    if (typeof kind !== 'string') throw dataError(`${name} line ${line.number} is not a record (it has no "kind")`, DAMAGED_FIX);
    if (kind === 'tick') {
      const problem = tickShape(value, 'tick');
      if (problem !== null) throw dataError(`${name} line ${line.number} is not a valid tick marker: ${problem}`, DAMAGED_FIX);
      ticks.push({ atMs: (value as { atMs: number }).atMs, records });
      records = [];
    } else if (kind === 'end') {
      const problem = endShape(value, 'end');
      if (problem !== null) throw dataError(`${name} line ${line.number} is not a valid end marker: ${problem}`, DAMAGED_FIX);
      end = { marker: value as unknown as EndMarker, line: line.number };
    } else if (isRecordKind(kind)) {
      const problem = recordProblem(kind, value);
      if (problem !== null) throw dataError(`${name} line ${line.number} is not a valid "${kind}" record: ${problem}`, DAMAGED_FIX);
      records.push(value as unknown as ModelRecord);
    } else {
      throw dataError(
        `${name} line ${line.number} is a record of unknown kind ${JSON.stringify(kind)}`,
        `damaged, or written by a newer netscope (${header.netscopeVersion}): replay it with that one`,
      );
    }
  }
  if (header === null) throw dataError(`${name} line 1 is cut short: the recording ends inside its header`, 'nothing to replay: record again');
  if (ticks.length === 0) {
    throw dataError(`${name} has no tick: netscope stopped before its first tick`, 'nothing to replay: record for longer than one --interval');
  }
  return { header, startedAtMs: Date.parse(header.startedAt), ticks, end: end?.marker ?? null, truncatedLine };
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
