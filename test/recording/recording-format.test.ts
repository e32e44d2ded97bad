import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TcpState, type ModelRecord } from '../../src/model/records.js';
import { ExitCode } from '../../src/errors.js';
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
import { endpoints, lostRecord, ownerRecord, resetRecord, sampleRecord, stateRecord, sweepRecord, taskOwner, udpFlowRecord, udpSocketRecord } from '../model/record-builders.js';
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

  test('UDP flow, socket and refused-flow records come back as they were', () => {
    const udp: ModelRecord[] = [
      udpSocketRecord({ cookie: 9, drops: null, listening: true }),
      udpFlowRecord({ cookie: 9, connected: false, owner: null, socketClosed: true }),
      udpFlowRecord({ cookie: 10 }),
      { kind: 'udpRefused', atMs: T0 + 1000, total: 2 },
    ];
    const text = joined([headerLine(header()), ...udp.map((record) => recordLine(record)), tickLine(T0 + 1000), endLine(T0 + 1100, 'stopped')]);
    assert.deepEqual(parse(text).ticks, [{ atMs: T0 + 1000, records: udp }]);
  });

  test('a UDP flow record missing a field names it', () => {
    const { socketClosed: _left, ...withoutIt } = udpFlowRecord();
    assertDataError(joined([headerLine(header()), JSON.stringify(withoutIt), tickLine(T0 + 1000)]), /socketClosed is missing/);
  });

  test('lines are the spec: the header first, records as JSON, tick and end markers', () => {
    const [first, , , tick, , , , end] = lines();
    assert.match(first ?? '', /^\{"netscopeRecording":2,"host":\{"hostname":"web-1","kernel":"[^"]+"\},"startedAt":"2025-01-01T00:00:00\.000Z","netscopeVersion":"0\.1\.0","source":\{"kind":"ebpf","probes":\[/);
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

  test('a version 1 recording, written before version 2 added fields, still reads', () => {
    const recording = parse(withLine(1, JSON.stringify({ ...header(), netscopeRecording: 1 })));
    assert.equal(recording.header.netscopeRecording, 1);
    assert.ok(recording.ticks.length > 0);
  });
  test('another version', () => {
    const error = assertDataError(withLine(1, JSON.stringify({ ...header(), netscopeRecording: 3, netscopeVersion: '3.0.0' })), /is a version 3 recording \(written by netscope 3\.0\.0\); this netscope reads versions 1 and 2/);
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

  test("a sample's limit counters read back; a sample without them (version 1, or before they were sampled) stays without", () => {
    const limits = {
      busyUs: 1_004_000,
      rwndLimitedUs: 1_004_000,
      sndbufLimitedUs: 0,
      deliveryRate: 0,
      appLimited: false,
      notsentBytes: 4_067_840,
      sndCwnd: 16,
      sndSsthresh: 2147483647,
      sndWnd: 0,
      rcvWnd: null,
      probes: 0,
      probeTimerArmed: true,
    };
    const sample = JSON.parse(recordLine(records[1]!)) as Record<string, unknown>;
    const withLimits = parse(withLine(3, JSON.stringify({ ...sample, limits })));
    assert.deepEqual(withLimits.ticks[0]?.records[1], { ...records[1], limits });
    assert.deepEqual(parse(withLine(3, JSON.stringify({ ...sample, limits: null }))).ticks[0]?.records[1], { ...records[1], limits: null });
    const version1 = parse(withLine(1, JSON.stringify({ ...header(), netscopeRecording: 1 })));
    assert.equal('limits' in (version1.ticks[0]?.records[1] ?? {}), false);
    assertDataError(withLine(3, JSON.stringify({ ...sample, limits: { ...limits, sndWnd: -1 } })), /line 3 is not a valid "sample" record: limits\.sndWnd is not a whole number/);
    assertDataError(withLine(3, JSON.stringify({ ...sample, limits: { ...limits, appLimited: 1 } })), /limits\.appLimited is not true or false/);
  });

  test('bad tick and end markers', () => {
    assertDataError(withLine(4, '{"kind":"tick","atMs":"soon"}'), /line 4 is not a valid tick marker: tick\.atMs is not a time from 2000 to 2199 in ms since the epoch \("soon"\)/);
    assertDataError(withLine(8, `{"kind":"end","atMs":${T0 + 2100},"reason":"tired"}`), /line 8 is not a valid end marker: end\.reason is not one of stopped, sizeCap, flightDump/);
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

describe('times: from 2000 to 2199 and in order, or exit 65 naming the line', () => {
  test('a tick time past what a date holds, negative, or infinite', () => {
    const notATime = /recording\.ndjson line 4 is not a valid tick marker: tick\.atMs is not a time from 2000 to 2199 in ms since the epoch/;
    for (const [atMs, shown] of [['8.64e15', '8640000000000000'], ['-1', '-1'], ['1e999', 'Infinity'], ['0', '0'], ['null', 'null']]) {
      const error = assertDataError(withLine(4, `{"kind":"tick","atMs":${atMs}}`), notATime);
      assert.ok(error.line.includes(`(${shown})`), error.line);
    }
  });

  test('a record, end marker, sweep start or header start outside those years', () => {
    assertDataError(withLine(2, recordLine({ ...records[0]!, atMs: 8.64e15 })), /line 2 is not a valid "state" record: atMs is not a time from 2000 to 2199/);
    assertDataError(withLine(8, endLine(Date.UTC(2200, 0, 1), 'stopped')), /line 8 is not a valid end marker: end\.atMs is not a time/);
    assertDataError(withLine(5, recordLine(sweepRecord({ atMs: T0 + 1000, sinceMs: -5 }))), /line 5 is not a valid "sweep" record: sinceMs is not a time/);
    assertDataError(withLine(1, JSON.stringify({ ...header(), startedAt: '1970-01-01T00:00:00.000Z' })), /line 1 is not a valid recording header: header\.startedAt is not an RFC 3339 time from 2000 to 2199/);
  });

  test('a tick marker going back, a minute before the start, or an end before the last tick', () => {
    const fix = / — the file was edited or damaged \(or the clock was set back while recording\): cut it before that line to replay what precedes it$/;
    const back = assertDataError(withLine(7, tickLine(T0 + 500)), /line 7 is a tick marker at 2025-01-01T00:00:00\.500Z, 0\.5 s before the tick on line 4/);
    assert.match(back.line, fix);
    assertDataError(joined([headerLine(header()), tickLine(T0 - 61_000)]), /line 2 is a tick marker at 2024-12-31T23:58:59\.000Z, 61\.0 s before the recording's start \(its header\)/);
    assert.equal(parse(withLine(4, tickLine(T0 - 50))).ticks[0]?.atMs, T0 - 50, 'a flight recording starts at its first record, on the kernel\'s clock: the first tick may be a little before');
    assertDataError(withLine(8, endLine(T0 + 1500, 'stopped')), /line 8 ends the recording at 2025-01-01T00:00:01\.500Z, 0\.5 s before the tick on line 7/);
    assert.equal(parse(withLine(7, tickLine(T0 + 1000))).ticks[1]?.atMs, T0 + 1000, 'two ticks in the same millisecond (a last tick at a signal) are in order');
  });

  test('a record more than a minute outside the tick that holds it', () => {
    assertDataError(withLine(5, recordLine(sampleRecord({ cookie: 8, atMs: T0 + 1000 - 61_000 }))), /line 5 is a "sample" record stamped 2024-12-31T23:59:00\.000Z, 61\.0 s before the tick on line 4 that precedes it/);
    assertDataError(withLine(3, recordLine(sampleRecord({ cookie: 8, atMs: T0 - 61_000 }))), /line 3 is a "sample" record stamped .*, 61\.0 s before the recording's start \(its header\) that precedes it/);
    // Found at the tick, named at the record.
    assertDataError(withLine(5, recordLine(ownerRecord({ cookie: 7, atMs: T0 + 2000 + 61_000 }))), /line 5 is a "owner" record stamped 2025-01-01T00:01:03\.000Z, 61\.0 s after the tick it belongs to \(line 7\)/);
  });

  test('within a minute of its tick, as netscope writes them: samples stamped after it, events drained late', () => {
    const all = lines();
    all.splice(3, 0, recordLine(sampleRecord({ cookie: 8, atMs: T0 + 1000 + 30_000 })));
    all.splice(6, 0, recordLine(stateRecord({ cookie: 8, atMs: T0 + 1000 + 2_000, oldState: TcpState.ESTABLISHED, newState: TcpState.FIN_WAIT1 })));
    const recording = parse(joined(all));
    assert.deepEqual(recording.ticks.map((tick) => tick.records.length), [3, 3]);
  });

  test('owner and container records may be older than their tick (a flight recording carries them), but not later', () => {
    const all = lines();
    all.splice(4, 0, recordLine(ownerRecord({ cookie: 7, atMs: T0 - 3_600_000 })), recordLine({ kind: 'container', atMs: T0 - 7_200_000, cgroupId: 77, pid: null, container: null, problem: null }));
    assert.equal(parse(joined(all)).ticks[1]?.records.length, 4);
  });

  test('a record more than a minute before its connection\'s previous one; other connections do not count', () => {
    const tick = (atMs: number) => tickLine(atMs);
    const sample = (cookie: number, atMs: number) => recordLine(sampleRecord({ cookie, atMs }));
    const close = (cookie: number, atMs: number) => recordLine(stateRecord({ cookie, atMs, oldState: TcpState.LAST_ACK, newState: TcpState.CLOSE }));
    const slowTicks = (second: string) => joined([headerLine(header()), tick(T0 + 1000), sample(7, T0 + 150_000), second, tick(T0 + 200_000)]);
    assertDataError(slowTicks(close(7, T0 + 3000)), /line 4 is a "state" record stamped 2025-01-01T00:00:03\.000Z, 147\.0 s before the record of its connection \(cookie 7\) on line 3/);
    assert.equal(parse(slowTicks(close(8, T0 + 3000))).ticks.length, 2);
    assert.equal(parse(slowTicks(close(7, T0 + 100_000))).ticks.length, 2, '50 s back: within the minute');
    const resetOfNoSocket = recordLine(resetRecord({ cookie: 0, atMs: T0 + 3000, direction: 'sent' }));
    assert.equal(parse(slowTicks(resetOfNoSocket)).ticks.length, 2, 'cookie 0 is no connection');
  });

  test('a sweep since a time after its own', () => {
    assertDataError(withLine(5, recordLine(sweepRecord({ atMs: T0 + 1000, sinceMs: T0 + 1001 }))), /line 5 is a sweep since 2025-01-01T00:00:01\.001Z, later than its own time 2025-01-01T00:00:01\.000Z/);
  });
});

/** Characters a terminal acts on, or that hide or reorder text. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** Every string in `value`, however deep. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null) return [];
  return Object.values(value).flatMap(stringsIn);
}

describe('text read back is cleaned of what a terminal would act on', () => {
  const osc = '\u001b]2;pwned\u0007';

  test('a process name, command line and user edited into a recording come out escaped', () => {
    const edited = withLine(5, recordLine(ownerRecord({ cookie: 7, atMs: T0 + 1000, comm: osc, cmdline: 'curl\u009b31m \u202eexe.txt', user: 'ro\u0000ot' })));
    const owner = parse(edited).ticks[1]?.records[0];
    assert.deepEqual(owner, ownerRecord({ cookie: 7, atMs: T0 + 1000, comm: '\\x1b]2;pwned\\x07', cmdline: 'curl\\x9b31m \\u202eexe.txt', user: 'ro\\x00ot' }));
  });

  test('no string anywhere in a recording survives uncleaned: header, owners, containers, reasons, addresses', () => {
    const dirty = (text: string) => `${text}${osc}\u2028\u200f`;
    const all = lines();
    all[0] = headerLine(
      header({
        host: { hostname: dirty('web'), kernel: dirty('6.8') },
        netscopeVersion: dirty('0.1.0'),
        source: { kind: 'ebpf', probes: [{ name: dirty('kfree_skb'), status: 'failed', reason: dirty('EPERM') }] },
      }),
    );
    all.splice(
      4,
      0,
      recordLine(stateRecord({ cookie: 7, atMs: T0 + 1000, oldState: TcpState.ESTABLISHED, newState: TcpState.FIN_WAIT1, owner: taskOwner({ comm: dirty('curl') }), endpoints: endpoints({ saddr: dirty('10.0.0.1') }) })),
      recordLine(resetRecord({ cookie: 7, atMs: T0 + 1000, direction: 'sent', reason: dirty('NOT_SPECIFIED') })),
      recordLine({
        kind: 'container',
        atMs: T0 + 1000,
        cgroupId: 77,
        pid: null,
        container: { id: dirty('abc'), name: dirty('web'), runtime: 'docker', image: dirty('nginx'), pod: dirty('p'), namespace: dirty('n'), podUid: dirty('u') },
        problem: null,
      }),
    );
    const recording = parse(joined(all));
    const strings = stringsIn(recording);
    assert.equal(strings.filter((text) => text.endsWith('\\x1b]2;pwned\\x07\\u2028\\u200f')).length, 14, 'each of the 14 dirty strings is there, escaped');
    for (const text of strings) assert.doesNotMatch(text, UNSAFE, text);
  });

  test('text netscope wrote (already escaped, backslashes and all) reads back unchanged', () => {
    const written = ownerRecord({ cookie: 7, atMs: T0 + 1000, comm: 'a\\x1bb', cmdline: "grep 'a\\.b' \\\\x1b" });
    assert.deepEqual(parse(withLine(5, recordLine(written))).ticks[1]?.records[0], written);
  });

  test('fields a record does not have are left behind', () => {
    const line = JSON.stringify({ ...records[2], extra: osc, comm: 'curl' });
    const owner = parse(withLine(5, line)).ticks[1]?.records[0];
    assert.ok(owner !== undefined && !('extra' in owner), JSON.stringify(owner));
  });

  test('an error line quotes recorded content escaped', () => {
    const quoted = [
      assertDataError(withLine(3, `{\u009b2J\u202e`), /line 3 is not JSON: "\{\\x9b2J\\u202e"/),
      assertDataError(withLine(5, JSON.stringify({ kind: '\u001b[2J\u202e' })), /line 5 is a record of unknown kind "\\u001b\[2J\\u202e"/),
      assertDataError(withLine(1, JSON.stringify({ ...header(), netscopeRecording: 3, netscopeVersion: `9${osc}` })), /written by netscope 9\\x1b\]2;pwned\\x07\)/),
      assertDataError(withLine(3, JSON.stringify({ ...JSON.parse(recordLine(records[1]!)), state: `\u009b${osc}` })), /state is not a TCP state number \("\\x9b\\u001b\]2;pwned\\u0007"\)/),
    ];
    for (const error of quoted) assert.doesNotMatch(error.line, UNSAFE);
  });
});

describe('a sweep names each namespace once', () => {
  test('a repeated namespace is refused (a list of repeats would hold four times its size in memory)', () => {
    assertDataError(withLine(5, recordLine(sweepRecord({ atMs: T0 + 1000, sinceMs: T0, netns: [1, 2, 1] }))), /line 5 is not a valid "sweep" record: netns names a namespace twice/);
  });
});
