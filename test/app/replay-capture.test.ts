/**
 * The promise of the format: a recording replayed through the same model gives, tick for tick,
 * the snapshots the live capture published — and the same JSON document but for `source.kind`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { UsageError } from '../../src/errors.js';
import type { ModelOptions } from '../../src/model/connection-model.js';
import type { ModelSnapshot } from '../../src/model/snapshot-types.js';
import { readRecording } from '../../src/recording/read-recording.js';
import type { Recording } from '../../src/recording/recording-format.js';
import { RecordingFile } from '../../src/recording/recording-file.js';
import { openReplayCapture, ticksUntil } from '../../src/app/replay-capture.js';
import { header, runScriptedCapture, T0, tickAt } from '../recording/recording-builders.js';
import { plainSnapshot } from '../support/plain-snapshot.js';

const TICKS = 12;
const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-replay-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Stops 100 ms after the last tick. */
function recordingFile(file: string): RecordingFile {
  return new RecordingFile({ path: file, maxBytes: 64 * 1024 * 1024, header: header(), report: assert.fail, now: () => tickAt(TICKS - 1) + 100 });
}

async function recordScripted(name: string, modelOptions: Partial<ModelOptions> = {}) {
  const file = path.join(scratch, name);
  const run = runScriptedCapture(TICKS, [recordingFile(file)], modelOptions);
  const liveDocument = run.capture.document();
  await run.capture.stop();
  return { file, ...run, liveDocument };
}

describe('a replayed recording', () => {
  for (const name of ['scripted.ndjson', 'scripted.ndjson.gz']) {
    test(`gives the live snapshots, tick for tick (${name})`, async () => {
      const { file, snapshots } = await recordScripted(name);
      const recording = await readRecording(file);
      const { capture, source } = openReplayCapture(recording, {});
      const replayed: ModelSnapshot[] = [];
      while (source.nextTickAtMs !== null) replayed.push(capture.tick());
      assert.equal(replayed.length, TICKS);
      for (const [index, snapshot] of snapshots.entries()) assert.deepEqual(plainSnapshot(replayed[index]!), plainSnapshot(snapshot), `tick ${index}`);
    });
  }

  test('gives the live JSON document field for field, except source.kind', async () => {
    const { file, liveDocument } = await recordScripted('document.ndjson');
    const recording = await readRecording(file);
    const { capture } = openReplayCapture(recording, {});
    for (let played = 0; played < ticksUntil(recording, null); played++) capture.tick();
    const replayed = capture.document();
    assert.equal(replayed.source.kind, 'replay');
    assert.equal(liveDocument.source.kind, 'ebpf');
    assert.deepEqual({ ...replayed, source: { ...replayed.source, kind: 'ebpf' } }, liveDocument);
    assert.ok(replayed.connections.some((connection) => connection.comm === 'curl' && connection.state === 'CLOSE' && connection.retransmits === 1));
    assert.ok(replayed.connections.some((connection) => connection.comm === 'psql' && connection.preexisting && connection.resetsReceived === 1));
  });

  test('with the live capture\'s model bounds (a short retention, a short event log) it gives that capture\'s snapshots', async () => {
    const bounds = { closedRetentionMs: 1000, eventLogLength: 3 };
    const { file, snapshots } = await recordScripted('bounded.ndjson', bounds);
    const { capture, source } = openReplayCapture(await readRecording(file), bounds);
    while (source.nextTickAtMs !== null) capture.tick();
    assert.deepEqual(plainSnapshot(capture.model.snapshot), plainSnapshot(snapshots.at(-1)!));
    assert.ok(!capture.model.snapshot.connections.some((connection) => connection.state === 'CLOSE'), 'closed connections past a 1 s retention are gone');
    assert.equal(capture.model.snapshot.events.length, 3);
  });
});

describe('--at: the moment of a replayed snapshot', () => {
  test('plays every tick up to the moment, relative to the header\'s start or absolute', async () => {
    const { file, snapshots } = await recordScripted('at.ndjson');
    const recording = await readRecording(file);
    assert.equal(recording.startedAtMs, Date.parse(header().startedAt));
    const at = (kind: 'relative' | 'absolute', ms: number) => ticksUntil(recording, { kind, ms });
    assert.equal(at('relative', 1000), 1, 'the first tick is 1 s in');
    assert.equal(at('relative', 4500), 4);
    assert.equal(at('absolute', tickAt(6)), 7);
    assert.equal(at('relative', 12_000), TICKS);
    const { capture } = openReplayCapture(recording, {});
    for (let played = 0; played < at('relative', 4500); played++) capture.tick();
    assert.deepEqual(plainSnapshot(capture.model.snapshot), plainSnapshot(snapshots[3]!), 'the snapshot live had at 4.5 s: its fourth tick\'s');
  });

  test('a moment outside the recording is a usage error that gives its span', async () => {
    const { file } = await recordScripted('outside.ndjson');
    const recording = await readRecording(file);
    assert.throws(() => ticksUntil(recording, { kind: 'relative', ms: 500 }), (error) => error instanceof UsageError && /^--at 0\.5 s \(.+\) is outside the recording, which runs from 1\.0 s \(.+\) to \d+\.\d s \(.+\) — pick a moment in between$/.test(error.message));
    assert.throws(() => ticksUntil(recording, { kind: 'absolute', ms: T0 + 3_600_000 }), UsageError);
  });

  test('a first tick stamped just before the recording started reads as its start, never -0.0 s', () => {
    const startedAtMs = T0;
    const recording = { startedAtMs, ticks: [{ atMs: startedAtMs - 3, records: [] }, { atMs: startedAtMs + 2000, records: [] }], end: null } as unknown as Recording;
    assert.throws(
      () => ticksUntil(recording, { kind: 'relative', ms: 9_999_000 }),
      (error) => error instanceof UsageError && /^--at 9999\.0 s \(.+\) is outside the recording, which runs from 0\.0 s \(.+\) to 2\.0 s/.test(error.message),
    );
  });
});
