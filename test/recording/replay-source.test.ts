import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelRecord } from '../../src/model/records.js';
import { ReplaySource } from '../../src/recording/replay-source.js';
import type { Recording } from '../../src/recording/recording-format.js';
import { lostRecord } from '../model/record-builders.js';
import { header, probes, T0 } from './recording-builders.js';

const recording: Recording = {
  header: header(),
  startedAtMs: T0,
  ticks: [
    { atMs: T0 + 1000, records: [lostRecord(T0 + 1000, 0)] },
    { atMs: T0 + 2000, records: [lostRecord(T0 + 1500, 1), lostRecord(T0 + 2000, 2)] },
  ],
  end: null,
  truncatedLine: null,
};

describe('the replay source', () => {
  test('is a source of kind replay with the recorded probes, needing nothing of the host', () => {
    const source = new ReplaySource(recording, () => undefined);
    assert.equal(source.kind, 'replay');
    assert.deepEqual(source.probes, probes);
    assert.equal(source.degradedNotice, null);
  });

  test('each collect hands on one recorded tick\'s records, in order; the clock is the next tick\'s time', () => {
    const seen: ModelRecord[] = [];
    const source = new ReplaySource(recording, (record) => seen.push(record));
    assert.equal(source.nextTickAtMs, T0 + 1000);
    source.collect();
    assert.deepEqual(seen, recording.ticks[0]?.records);
    assert.equal(source.ticksPlayed, 1);
    assert.equal(source.nextTickAtMs, T0 + 2000);
    source.collect();
    assert.equal(seen.length, 3);
    assert.equal(source.nextTickAtMs, null);
    source.collect();
    assert.equal(seen.length, 3, 'nothing past the last tick');
  });

  test('stop ends the playback', () => {
    const source = new ReplaySource(recording, () => assert.fail('no record after stop'));
    source.stop();
    source.collect();
    assert.equal(source.nextTickAtMs, null);
  });
});
