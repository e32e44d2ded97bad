import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, beforeEach, describe, mock, test } from 'node:test';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { FlightRecorderUnavailable } from '../../src/recording/flight-dump.js';
import { ReplayCaptureStore } from '../../src/app/replay-capture-store.js';
import { initialUiState } from '../../src/ui/view-model/ui-reducer.js';
import { tickAt, T0 } from '../recording/recording-builders.js';
import { RECORDED_TICKS, scriptedRecording } from '../ui/replay-fixture.js';
import { plainSnapshot } from '../support/plain-snapshot.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-replay-store-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const { recording, snapshots } = scriptedRecording();
let store: ReplayCaptureStore | undefined;

function open(speed = 1): ReplayCaptureStore {
  store = new ReplayCaptureStore(recording, { modelOptions: {}, outputDirectory: scratch, speed, now: () => new Date(2025, 0, 15, 12, 0, 0) });
  return store;
}

/** The tick on screen, by its index in the live run. */
function shownTick(replay: ReplayCaptureStore): number {
  return snapshots.findIndex((snapshot) => snapshot.atMs === replay.getSnapshot().snapshot.atMs);
}

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(async () => {
  await store?.stop();
  mock.timers.reset();
});

describe('the replay store', () => {
  test('shows the first recorded tick at once: the live snapshot, its place in the recording, source replay', () => {
    const replay = open();
    const input = replay.getSnapshot();
    assert.deepEqual(plainSnapshot(input.snapshot), plainSnapshot(snapshots[0]!));
    assert.deepEqual(input.replay, { positionMs: 1000, durationMs: RECORDED_TICKS * 1000, atEnd: false });
    assert.equal(input.source.kind, 'replay');
    assert.deepEqual(input.host, recording.header.host);
    assert.equal(input.notice, null);
  });

  test('plays at the recorded pace times the speed, publishing each tick, and stops at the end', () => {
    const replay = open();
    let published = 0;
    replay.subscribe(() => published++);
    mock.timers.tick(999);
    assert.equal(shownTick(replay), 0);
    mock.timers.tick(1);
    assert.equal(shownTick(replay), 1);
    assert.equal(published, 1);
    replay.replay.setSpeed(4);
    mock.timers.tick(250);
    assert.equal(shownTick(replay), 2, 'four times faster: a recorded second in 250 ms');
    for (let quarter = 0; quarter < 4 * RECORDED_TICKS; quarter++) mock.timers.tick(250);
    assert.equal(shownTick(replay), RECORDED_TICKS - 1);
    assert.equal(replay.getSnapshot().replay?.atEnd, true);
    assert.deepEqual(plainSnapshot(replay.getSnapshot().snapshot), plainSnapshot(snapshots.at(-1)!));
  });

  test('pause stops the playback clock; resuming goes on from there', () => {
    const replay = open();
    replay.setPaused(true);
    mock.timers.tick(10_000);
    assert.equal(shownTick(replay), 0);
    replay.setPaused(false);
    mock.timers.tick(1000);
    assert.equal(shownTick(replay), 1);
  });

  test('stepping moves one tick and pauses; stepping back rebuilds from the start to exactly the live snapshot', () => {
    const replay = open();
    for (let step = 0; step < 5; step++) replay.replay.step(1);
    assert.equal(shownTick(replay), 5);
    mock.timers.tick(10_000);
    assert.equal(shownTick(replay), 5, 'a step pauses the playback');
    replay.replay.step(-1);
    replay.replay.step(-1);
    assert.deepEqual(plainSnapshot(replay.getSnapshot().snapshot), plainSnapshot(snapshots[3]!));
    assert.equal(replay.getSnapshot().replay?.positionMs, tickAt(3) - T0);
    for (let step = 0; step < 10; step++) replay.replay.step(-1);
    assert.equal(shownTick(replay), 0, 'never before the first tick');
    for (let step = 0; step < 20; step++) replay.replay.step(1);
    assert.equal(shownTick(replay), RECORDED_TICKS - 1, 'never past the last');
  });

  test('the detail page\'s rates follow the replay, and are rebuilt when it steps back', () => {
    const replay = open();
    replay.setDetailConnection(1);
    replay.replay.step(1);
    replay.replay.step(1);
    assert.equal(replay.getSnapshot().detailRates.send.length, 2);
    replay.replay.step(-1);
    assert.equal(replay.getSnapshot().detailRates.send.length, 2, 'the first tick too, once rebuilt from the start');
  });

  test('s saves the snapshot on screen (source replay); w has nothing to write', () => {
    const replay = open();
    replay.replay.step(1);
    const saved = replay.saveSnapshot(initialUiState({ intervalMs: 1000 }));
    const document = JSON.parse(readFileSync(saved.path, 'utf8')) as SnapshotDocument;
    assert.equal(document.source.kind, 'replay');
    assert.equal(document.generatedAt, new Date(tickAt(1)).toISOString());
    assert.throws(() => replay.writeFlightRecording(), FlightRecorderUnavailable);
  });
});
