import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TcpState, type ModelRecord } from '../../src/model/records.js';
import { ExitCode } from '../../src/probes/probe-error.js';
import { RecordingError } from '../../src/recording/recording-error.js';
import {
  endLine,
  headerLine,
  incompleteRecordingNotice,
  parseRecording,
  recordLine,
  tickLine,
  type Recording,
} from '../../src/recording/recording-format.js';
import { lostRecord, ownerRecord, sampleRecord, stateRecord, taskOwner } from '../model/record-builders.js';
import { header, T0 } from './recording-builders.js';

const NAME = 'recording.ndjson';

const records: ModelRecord[] = [
  stateRecord({ cookie: 7, atMs: T0 + 10.25, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner() }),
  sampleRecord({ cookie: 7, atMs: T0 + 1000 }),
  ownerRecord({ cookie: 7, atMs: T0 + 1000, cmdline: 'curl "https://example.com/?q=ü"' }),
  lostRecord(T0 + 1000, 0),
];

/** The lines of a small recording: header, two records, a tick, two more, a tick, the end. */
function lines(): string[] {
  return [
    headerLine(header()),
    recordLine(records[0]!),
    recordLine(records[1]!),
    tickLine(T0 + 1000),
    recordLine(records[2]!),
    recordLine(records[3]!),
    tickLine(T0 + 2000),
    endLine(T0 + 2100, 'stopped'),
  ];
}

function bytesOf(text: string): Buffer {
  return Buffer.from(text);
}

function parse(text: string): Recording {
  return parseRecording(bytesOf(text), NAME);
}

function joined(all: string[]): string {
  return `${all.join('\n')}\n`;
}

/** `lines()` with line `number` (1-based) replaced. */
function withLine(number: number, replacement: string): string {
  const all = lines();
  all[number - 1] = replacement;
  return joined(all);
}

function assertDataError(text: string | Buffer, pattern: RegExp): RecordingError {
  try {
    parseRecording(typeof text === 'string' ? bytesOf(text) : text, NAME);
  } catch (error) {
    assert.ok(error instanceof RecordingError, `a RecordingError, not ${String(error)}`);
    assert.equal(error.exitCode, ExitCode.dataError);
    assert.match(error.line, pattern);
    assert.match(error.line, /^netscope: recording\.ndjson .+ — .+$/, 'one line: the cause, then the fix');
    assert.doesNotMatch(error.line, /\n/);
    return error;
  }
  assert.fail(`no error for ${pattern}`);
}

describe('the recording format', () => {
  test('round trip: the header, every record as it was, and the ticks in order', () => {
    const recording = parse(joined(lines()));
    assert.deepEqual(recording.header, header());
    assert.equal(recording.startedAtMs, T0);
    assert.deepEqual(recording.ticks, [
      { atMs: T0 + 1000, records: records.slice(0, 2) },
      { atMs: T0 + 2000, records: records.slice(2) },
    ]);
    assert.deepEqual(recording.end, { kind: 'end', atMs: T0 + 2100, reason: 'stopped' });
    assert.equal(recording.truncatedLine, null);
    assert.equal(incompleteRecordingNotice(recording, NAME), null);
  });

  test('lines are the spec: the header first, records as JSON, tick and end markers', () => {
    const [first, , , tick, , , , end] = lines();
    assert.match(first ?? '', /^\{"netscopeRecording":1,"host":\{"hostname":"web-1","kernel":"[^"]+"\},"startedAt":"2025-01-01T00:00:00\.000Z","netscopeVersion":"0\.1\.0","source":\{"kind":"ebpf","probes":\[/);
    assert.equal(tick, `{"kind":"tick","atMs":${T0 + 1000}}`);
    assert.equal(end, `{"kind":"end","atMs":${T0 + 2100},"reason":"stopped"}`);
    assert.deepEqual(JSON.parse(recordLine(records[0]!)), records[0]);
  });

  test('records after the last tick were never ticked, and are not replayed', () => {
    const all = lines();
    all.splice(7, 0, recordLine(lostRecord(T0 + 2050, 1)));
    const recording = parse(joined(all));
    assert.equal(recording.ticks.length, 2);
    assert.equal(recording.ticks.flatMap((tick) => tick.records).length, records.length);
  });

  test('a last line cut short (an interrupted write) is left out, with its line number; the whole ticks replay', () => {
    const all = lines().slice(0, 6);
    const cut = `${joined(all.slice(0, 5))}${all[5]!.slice(0, 12)}`;
    const recording = parse(cut);
    assert.equal(recording.truncatedLine, 6);
    assert.equal(recording.ticks.length, 1);
    assert.equal(recording.end, null);
    assert.equal(incompleteRecordingNotice(recording, NAME), 'recording.ndjson line 6 is cut short (the recording was interrupted) — replaying the 1 whole tick before it');
  });

  test('a recording without its end marker replays and says so; one stopped at its size cap too', () => {
    const interrupted = parse(joined(lines().slice(0, 7)));
    assert.equal(interrupted.end, null);
    assert.match(incompleteRecordingNotice(interrupted, NAME) ?? '', /has no end marker .* replaying its 2 whole ticks/);
    const capped = parse(withLine(8, endLine(T0 + 2000, 'sizeCap')));
    assert.match(incompleteRecordingNotice(capped, NAME) ?? '', /ends at its size cap \(--record-max-mb\)/);
  });

  test('a last line without its newline but whole is kept', () => {
    const text = joined(lines()).slice(0, -1);
    assert.deepEqual(parse(text).end?.reason, 'stopped');
  });
});

describe('bad recordings: one line each, with the line number, exit 65', () => {
  test('an empty file', () => {
    assertDataError('', /recording\.ndjson is empty — replay a file written by netscope --record FILE/);
  });

  test('a line that is not JSON', () => {
    assertDataError(withLine(3, '{"kind":"sample",,}'), /recording\.ndjson line 3 is not JSON: "\{\\"kind\\":\\"sample\\",,\}" — the recording is damaged: remove that line/);
  });

  test('an empty line, and bytes that are not UTF-8', () => {
    assertDataError(withLine(5, ''), /line 5 is empty/);
    const all = lines();
    const bad = Buffer.concat([bytesOf(joined(all.slice(0, 2))), Buffer.from([0xff, 0xfe, 0x0a]), bytesOf(joined(all.slice(2)))]);
    assertDataError(bad, /line 3 is not UTF-8 text/);
  });

  test('a first line that is not a recording header — a --json snapshot, say', () => {
    assertDataError(withLine(1, '{"schemaVersion":1,"connections":[]}'), /is not a netscope recording: line 1 is not a recording header \(it looks like a --json snapshot\)/);
    assertDataError(withLine(1, 'hello'), /line 1 is not JSON: "hello" — replay a file written by netscope --record/);
  });

  test('another version', () => {
    const error = assertDataError(withLine(1, JSON.stringify({ ...header(), netscopeRecording: 2, netscopeVersion: '3.0.0' })), /is a version 2 recording \(written by netscope 3\.0\.0\); this netscope reads version 1/);
    assert.equal(error.fix, 'replay it with netscope 3.0.0');
  });

  test('a header with a field wrong', () => {
    assertDataError(withLine(1, JSON.stringify({ ...header(), startedAt: 'yesterday' })), /line 1 is not a valid recording header: header\.startedAt is not an RFC 3339 time/);
    assertDataError(withLine(1, JSON.stringify({ ...header(), source: { kind: 'replay', probes: [] } })), /header\.source\.kind is not one of ebpf, procfs/);
  });

  test('a record of an unknown kind', () => {
    assertDataError(withLine(5, '{"kind":"frobnicate","atMs":1}'), /line 5 is a record of unknown kind "frobnicate" — damaged, or written by a newer netscope \(0\.1\.0\)/);
    assertDataError(withLine(5, '[1,2]'), /line 5 is not a record \(it has no "kind"\)/);
  });

  test('a record of the wrong shape names the field', () => {
    const sample = JSON.parse(recordLine(records[1]!)) as Record<string, unknown>;
    assertDataError(withLine(3, JSON.stringify({ ...sample, endpoints: { ...(sample.endpoints as object), sport: 70_000 } })), /line 3 is not a valid "sample" record: endpoints\.sport is not a port \(70000\)/);
    assertDataError(withLine(3, JSON.stringify({ ...sample, state: 'ESTABLISHED' })), /line 3 is not a valid "sample" record: state is not a TCP state number/);
    const { counters: _dropped, ...withoutCounters } = sample;
    assertDataError(withLine(3, JSON.stringify(withoutCounters)), /line 3 is not a valid "sample" record: counters is missing/);
    assertDataError(withLine(2, JSON.stringify({ ...records[0], owner: { pid: 'x' } })), /line 2 is not a valid "state" record: owner\.pid is not a whole number/);
  });

  test('bad tick and end markers', () => {
    assertDataError(withLine(4, '{"kind":"tick","atMs":"soon"}'), /line 4 is not a valid tick marker: tick\.atMs is not a number/);
    assertDataError(withLine(8, '{"kind":"end","atMs":1,"reason":"tired"}'), /line 8 is not a valid end marker: end\.reason is not one of stopped, sizeCap, flightDump/);
  });

  test('lines after the end (two recordings joined)', () => {
    assertDataError(joined([...lines(), ...lines()]), /line 9 follows the recording's end \(line 8\) — two recordings joined\? keep the lines up to 8/);
  });

  test('no tick at all', () => {
    assertDataError(joined([headerLine(header()), recordLine(records[0]!)]), /has no tick: netscope stopped before its first tick — nothing to replay/);
  });

  test('a file cut inside its header', () => {
    assertDataError(headerLine(header()).slice(0, 30), /line 1 is cut short: the recording ends inside its header/);
  });
});
