/**
 * A listener's drop count (sk_drops) travels with its sample: through a recording line, the
 * flight recorder's encoding and the model, into the listener's snapshot. A recording made
 * before netscope read it has no `drops`, and replays as it did.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { TcpState } from '../../src/model/records.js';
import { parseRecord } from '../../src/recording/record-shapes.js';
import { ChunkDecoder, ChunkEncoder, entryBound, type FlightEntry } from '../../src/recording/flight-codec.js';
import { endpoints, sampleRecord, T0 } from '../model/record-builders.js';

const listenerSide = endpoints({ saddr: '0.0.0.0', sport: 8080, daddr: '0.0.0.0', dport: 0 });
const withDrops = sampleRecord({ atMs: T0, cookie: 5, endpoints: listenerSide, state: TcpState.LISTEN, counters: null, receiveQueue: 129, sendQueue: 128, drops: 17 });
const olderSample = sampleRecord({ atMs: T0 + 1000, cookie: 5, endpoints: listenerSide, state: TcpState.LISTEN, counters: null, receiveQueue: 0, sendQueue: 128 });

function roundTrip(entries: FlightEntry[]): FlightEntry[] {
  const bytes = Buffer.alloc(entries.reduce((sum, entry) => sum + entryBound(entry), 0));
  const encoder = new ChunkEncoder();
  let used = 0;
  for (const entry of entries) used = encoder.encode(entry, bytes, used);
  const decoder = new ChunkDecoder();
  const decoded: FlightEntry[] = [];
  while (decoder.offset < used) decoded.push(decoder.next(bytes));
  return decoded;
}

describe("a listener's drop count", () => {
  test('a recording line keeps it; a line without it (an older recording) parses without it', () => {
    assert.deepEqual(parseRecord('sample', JSON.parse(JSON.stringify(withDrops))), { value: withDrops });
    const parsed = parseRecord('sample', JSON.parse(JSON.stringify(olderSample)));
    assert.deepEqual(parsed, { value: olderSample });
    assert.equal('drops' in (parsed as { value: object }).value, false);
    assert.match(JSON.stringify(parseRecord('sample', { ...withDrops, drops: -1 })), /drops is not a whole number/);
  });

  test('the flight recorder gives back the count, and its absence, exactly', () => {
    assert.deepEqual(roundTrip([withDrops, olderSample, { ...withDrops, drops: 0 }]), [withDrops, olderSample, { ...withDrops, drops: 0 }]);
  });

  test("the model carries it into the listener's snapshot; none reported reads as 0", () => {
    const model = new ConnectionModel();
    model.ingest(withDrops);
    assert.equal(model.tick(T0 + 500).listeners[0]?.drops, 17);
    model.ingest(olderSample);
    assert.equal(model.tick(T0 + 1500).listeners[0]?.drops, 0);
  });
});
