import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelSnapshot } from '../../src/model/snapshot-types.js';
import { FlightRecorder } from '../../src/recording/flight-recorder.js';
import { parseRecording, RECORDING_VERSION, type Recording } from '../../src/recording/recording-format.js';
import { openReplayCapture } from '../../src/app/replay-capture.js';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { connectionOf, retransmitRecord } from '../model/record-builders.js';
import { CLOSING_TICK, cookies, flightRecordingText, host, probes, runScriptedCapture, T0, tickAt, TICK_MS } from './recording-builders.js';

const MINUTE_MS = 60_000;

function flightRecorder(windowMs: number, maxBytes = 64 * 1024 * 1024): FlightRecorder {
  return new FlightRecorder({ windowMs, maxBytes, header: { netscopeRecording: RECORDING_VERSION, host, netscopeVersion: '0.1.0', source: { kind: 'ebpf', probes } } });
}

function dumpOf(recorder: FlightRecorder): Recording {
  const text = flightRecordingText(recorder);
  assert.ok(text !== null);
  return parseRecording(Buffer.from(text), 'flight.ndjson');
}

/** Every tick of the recording replayed; the snapshots in order. */
function replayAll(recording: Recording): ModelSnapshot[] {
  const { capture } = openReplayCapture(recording, {});
  return recording.ticks.map(() => capture.tick());
}

describe('the flight recorder', () => {
  test('holds nothing before the first tick', () => {
    const recorder = flightRecorder(MINUTE_MS);
    assert.equal(flightRecordingText(recorder), null);
    assert.equal(recorder.span(), null);
  });

  test('within its window it holds the whole capture, and replays to the same snapshots', () => {
    const recorder = flightRecorder(10 * MINUTE_MS);
    const { snapshots } = runScriptedCapture(12, [recorder]);
    const dump = dumpOf(recorder);
    assert.equal(dump.ticks.length, 12);
    assert.equal(dump.header.startedAt, new Date(T0 + 10).toISOString(), 'the recording starts at its first record');
    assert.deepEqual(dump.end, { kind: 'end', atMs: tickAt(11), reason: 'flightDump' });
    assert.deepEqual(replayAll(dump), snapshots);
    assert.deepEqual(recorder.span(), { ticks: 12, spanMs: tickAt(11) - (T0 + 10) });
  });

  test('evicts whole ticks older than its window, oldest first; the newest stays whatever the window', () => {
    const recorder = flightRecorder(3 * TICK_MS);
    runScriptedCapture(12, [recorder]);
    const dump = dumpOf(recorder);
    assert.deepEqual(dump.ticks.map((tick) => tick.atMs), [tickAt(9), tickAt(10), tickAt(11)]);
    assert.equal(dump.header.startedAt, new Date(tickAt(8)).toISOString(), 'the kept window starts where its first tick\'s records do');
    const tiny = flightRecorder(1);
    runScriptedCapture(4, [tiny]);
    assert.deepEqual(dumpOf(tiny).ticks.map((tick) => tick.atMs), [tickAt(3)]);
  });

  test('a busy tick keeps every record, in order, however many lines it takes', () => {
    const recorder = flightRecorder(10 * MINUTE_MS);
    const records = Array.from({ length: 1000 }, (_, index) => retransmitRecord({ cookie: 1 + (index % 7), atMs: T0 + index }));
    for (const record of records) recorder.record(record);
    recorder.tick(new ConnectionModel().tick(T0 + TICK_MS));
    const dump = dumpOf(recorder);
    assert.equal(dump.ticks.length, 1);
    assert.deepEqual(dump.ticks[0]?.records, records);
  });

  test('under its memory cap: whole oldest ticks go until what it holds fits', () => {
    const unbounded = flightRecorder(10 * MINUTE_MS);
    runScriptedCapture(12, [unbounded]);
    const cap = Math.floor(unbounded.bytesHeld / 2);
    const capped = flightRecorder(10 * MINUTE_MS, cap);
    runScriptedCapture(12, [capped]);
    assert.ok(capped.bytesHeld <= cap, `${capped.bytesHeld} bytes held, cap ${cap}`);
    const ticks = dumpOf(capped).ticks.map((tick) => tick.atMs);
    assert.ok(ticks.length > 0 && ticks.length < 12, `${ticks.length} ticks`);
    assert.deepEqual(ticks, Array.from({ length: ticks.length }, (_, index) => tickAt(12 - ticks.length + index)), 'the newest ticks, whole and in order');
  });

  test('a dump that starts mid-capture still names owners and containers resolved before its window', () => {
    const recorder = flightRecorder(3 * TICK_MS);
    const { snapshots } = runScriptedCapture(12, [recorder]);
    const live = snapshots.at(-1)!;
    const replayed = replayAll(dumpOf(recorder)).at(-1)!;

    const preexisting = connectionOf(replayed, cookies.preexisting);
    assert.equal(preexisting.preexisting, true);
    assert.deepEqual(preexisting.owner, connectionOf(live, cookies.preexisting).owner, 'owner from an owner record before the window');
    assert.deepEqual(replayed.listeners.map((listener) => listener.owner), live.listeners.map((listener) => listener.owner), 'the listener\'s owner came with its LISTEN event');

    // The client connected (owner in its SYN_SENT event) long before the window and closes inside it.
    const client = connectionOf(replayed, cookies.client);
    const liveClient = connectionOf(live, cookies.client);
    assert.equal(client.preexisting, true, 'first seen by a sample: preexisting, as for a netscope started late');
    assert.deepEqual(client.owner, liveClient.owner, 'pid, comm, cmdline, user and container as live');
    assert.equal(client.state, 'CLOSE');
    assert.equal(client.closedAtMs, liveClient.closedAtMs);
    assert.equal(connectionOf(replayed, cookies.server).owner.container?.name, 'web', 'the container resolved at the start');
    assert.deepEqual(replayed.containerStateProblems, live.containerStateProblems);
    assert.ok(CLOSING_TICK >= 9, 'the closes fall inside the kept window');
  });

  test('carries only what the model still shows: owners of evicted connections go with them', () => {
    const recorder = flightRecorder(3 * TICK_MS);
    runScriptedCapture(12, [recorder]);
    const text = flightRecordingText(recorder) ?? '';
    assert.match(text, /^\{"kind":"owner",[^\n]*"cookie":3,/m, 'the preexisting connection is still in the table');
    const withoutTable = flightRecorder(3 * TICK_MS);
    const { capture } = runScriptedCapture(4, [withoutTable]);
    // A tick with an empty table prunes everything carried.
    withoutTable.tick({ ...capture.model.snapshot, atMs: tickAt(20), connections: [], listeners: [] });
    assert.doesNotMatch(flightRecordingText(withoutTable) ?? '', /"kind":"owner"/);
  });
});
