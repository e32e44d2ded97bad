import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ChunkDecoder, ChunkEncoder, entryBound, type FlightEntry } from '../../src/recording/flight-codec.js';
import { parseRecord } from '../../src/recording/record-shapes.js';
import { stateRecord } from '../model/record-builders.js';
import { gaugesRecord, kernelCounters, namespaceGauges } from '../model/gauge-builders.js';

const T0 = 1_795_576_201_000.123;

const record = gaugesRecord({
  atMs: T0,
  namespaces: [
    namespaceGauges({
      ephemeralPortsByDestination: [{ daddr: '2001:db8::7', dport: 443, ports: 912 }],
      timeWait: 1204,
      closeWait: 3,
      conntrack: { entries: 5000, max: 262144 },
      kernelCounters: kernelCounters({ listenOverflows: 2 ** 40 }),
    }),
    namespaceGauges({ netns: 4026532500, ephemeralPortRange: null, timeWaitLimit: null, somaxconn: null, kernelCounters: null }),
  ],
  processDescriptors: [
    { pid: 812, descriptors: 1000, limit: 1024 },
    { pid: 1, descriptors: 90, limit: null },
  ],
});

describe('the gauges record in recordings', () => {
  test('a recorded line parses back to the very record', () => {
    const parsed = parseRecord('gauges', JSON.parse(JSON.stringify(record)));
    assert.deepEqual(parsed, { value: record });
  });

  test('a bad field is named', () => {
    const line = JSON.parse(JSON.stringify(record)) as { namespaces: { ephemeralPortRange: unknown }[] };
    (line.namespaces[0] as { ephemeralPortRange: unknown }).ephemeralPortRange = { low: 70000, high: 1 };
    assert.deepEqual(parseRecord('gauges', line), { problem: 'namespaces[0].ephemeralPortRange.low is not a port (70000)' });
  });

  test('recorded text that a terminal would act on is escaped', () => {
    const line = JSON.parse(JSON.stringify(record)) as { namespaces: { ephemeralPortsByDestination: { daddr: string }[] }[] };
    (line.namespaces[0]!.ephemeralPortsByDestination[0] as { daddr: string }).daddr = '\u001b[2Jx';
    const parsed = parseRecord('gauges', line);
    assert.ok('value' in parsed && parsed.value.kind === 'gauges');
    assert.doesNotMatch(parsed.value.namespaces[0]!.ephemeralPortsByDestination[0]!.daddr, /\u001b/);
  });

  test('the flight recorder carries it exactly, beside the other kinds', () => {
    const entries: FlightEntry[] = [stateRecord({ atMs: T0, cookie: 7, oldState: 7, newState: 2 }), record, { ...record, atMs: T0 + 1000, processDescriptors: null }];
    const bytes = Buffer.alloc(entries.reduce((sum, entry) => sum + entryBound(entry), 0));
    const encoder = new ChunkEncoder();
    let used = 0;
    for (const entry of entries) {
      const end = encoder.encode(entry, bytes, used);
      assert.ok(end - used <= entryBound(entry));
      used = end;
    }
    const decoder = new ChunkDecoder();
    const decoded: FlightEntry[] = [];
    while (decoder.offset < used) decoded.push(decoder.next(bytes));
    assert.deepEqual(decoded, entries);
  });
});
