import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { PROBLEM_TRAIL_LENGTH } from '../../src/model/problem-trail.js';
import { toSnapshotDocument } from '../../src/model/snapshot-document.js';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { T0, clientHandshake, connectionOf, counters, dropRecord, endpoints, resetRecord, retransmitRecord, sampleRecord } from './record-builders.js';

// Tests run from dist/test/model; the schema lives at the repository root.
const schemaPath = new URL('../../../schema/snapshot.schema.json', import.meta.url);
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(schemaPath, 'utf8')));

function established(cookie: number): ConnectionModel {
  const model = new ConnectionModel();
  for (const record of clientHandshake(cookie, T0, 10)) model.ingest(record);
  return model;
}

describe('since when: problem times and trail', () => {
  test('first and last retransmit, reset and drop that matters, each its own span; the trail lists them in time order', () => {
    const model = established(21);
    model.ingest(retransmitRecord({ cookie: 21, atMs: T0 + 1000 }));
    model.ingest(retransmitRecord({ cookie: 21, atMs: T0 + 3000 }));
    // Out of order, as per-CPU buffers deliver: the span and the trail still read in time order.
    model.ingest(retransmitRecord({ cookie: 21, atMs: T0 + 2000 }));
    model.ingest(resetRecord({ cookie: 21, atMs: T0 + 4000, direction: 'received' }));
    // Earlier than the first reset: the span starts sooner.
    model.ingest(resetRecord({ cookie: 21, atMs: T0 + 3500, direction: 'sent' }));
    model.ingest(dropRecord({ cookie: 21, atMs: T0 + 2500, packet: endpoints(), reason: 'NETFILTER_DROP' }));
    // A purged queue is no loss: neither a drop time nor a trail entry.
    model.ingest(dropRecord({ cookie: 21, atMs: T0 + 5000, packet: endpoints(), reason: 'QUEUE_PURGE' }));
    const connection = connectionOf(model.tick(T0 + 6000), 21);
    assert.deepEqual(connection.problems, {
      retransmits: { firstAtMs: T0 + 1000, lastAtMs: T0 + 3000 },
      resets: { firstAtMs: T0 + 3500, lastAtMs: T0 + 4000 },
      drops: { firstAtMs: T0 + 2500, lastAtMs: T0 + 2500 },
    });
    assert.equal(connection.resetsSent, 1);
    assert.equal(connection.resetsReceived, 1);
    assert.deepEqual(
      connection.problemTrail.map((event) => [event.atMs - T0, event.kind, event.detail]),
      [
        [1000, 'retransmit', null],
        [2000, 'retransmit', null],
        [2500, 'drop', 'NETFILTER_DROP'],
        [3000, 'retransmit', null],
        [3500, 'reset', 'sent'],
        [4000, 'reset', 'received'],
      ],
    );
  });

  test('a quiet connection has no problem times and an empty trail', () => {
    const model = established(22);
    model.ingest(dropRecord({ cookie: 22, atMs: T0 + 50, packet: endpoints(), reason: 'NOT_SPECIFIED' }));
    const connection = connectionOf(model.tick(T0 + 1000), 22);
    assert.deepEqual(connection.problems, { retransmits: null, resets: null, drops: null });
    assert.deepEqual(connection.problemTrail, []);
  });

  test('the trail keeps the last PROBLEM_TRAIL_LENGTH events; the span still starts at the first', () => {
    const model = established(23);
    for (let index = 0; index < PROBLEM_TRAIL_LENGTH + 5; index++) model.ingest(retransmitRecord({ cookie: 23, atMs: T0 + 100 * (index + 1) }));
    const connection = connectionOf(model.tick(T0 + 10_000), 23);
    assert.equal(connection.problemTrail.length, PROBLEM_TRAIL_LENGTH);
    assert.equal(connection.problemTrail[0]?.atMs, T0 + 100 * 6, 'the oldest five went');
    assert.deepEqual(connection.problems.retransmits, { firstAtMs: T0 + 100, lastAtMs: T0 + 100 * (PROBLEM_TRAIL_LENGTH + 5) });
  });

  test('retransmits the kernel counted without an event (probe off) date from the sample that showed them', () => {
    const model = new ConnectionModel();
    model.ingest(sampleRecord({ cookie: 24, atMs: T0, counters: counters({ totalRetrans: 7 }) }));
    model.ingest(sampleRecord({ cookie: 24, atMs: T0 + 1000, counters: counters({ totalRetrans: 7 }) }));
    assert.equal(connectionOf(model.tick(T0 + 1000), 24).problems.retransmits, null, 'those before the capture are not dated');
    model.ingest(sampleRecord({ cookie: 24, atMs: T0 + 2000, counters: counters({ totalRetrans: 9 }) }));
    model.ingest(sampleRecord({ cookie: 24, atMs: T0 + 3000, counters: counters({ totalRetrans: 12 }) }));
    const connection = connectionOf(model.tick(T0 + 3000), 24);
    assert.deepEqual(connection.problems.retransmits, { firstAtMs: T0 + 2000, lastAtMs: T0 + 3000 });
    assert.equal(connection.retransmits, 5);
  });

  test('an unchanged connection publishes the same problem objects tick after tick', () => {
    const model = established(25);
    model.ingest(resetRecord({ cookie: 25, atMs: T0 + 100, direction: 'sent' }));
    const first = connectionOf(model.tick(T0 + 1000), 25);
    model.ingest(sampleRecord({ cookie: 25, atMs: T0 + 1500, counters: counters({ bytesAcked: 10 }) }));
    const second = connectionOf(model.tick(T0 + 2000), 25);
    assert.notEqual(first, second);
    assert.equal(second.problems, first.problems);
    assert.equal(second.problemTrail, first.problemTrail);
  });

  test('the document gives each span as RFC 3339 times, null for a kind that never happened', () => {
    const model = established(26);
    model.ingest(resetRecord({ cookie: 26, atMs: T0 + 100, direction: 'sent' }));
    model.ingest(resetRecord({ cookie: 26, atMs: T0 + 900, direction: 'received' }));
    const snapshot = model.tick(T0 + 1000);
    const document = toSnapshotDocument(snapshot, { host: { hostname: 'vm', kernel: '6.18.0' }, source: { kind: 'ebpf', probes: [] }, generatedAtMs: snapshot.atMs });
    const parsed = JSON.parse(JSON.stringify(document)) as unknown;
    assert.equal(validate(parsed), true, JSON.stringify(validate.errors, null, 2));
    const connection = document.connections.find((candidate) => candidate.id === '26');
    assert.deepEqual(connection?.problems, {
      retransmits: null,
      resets: { first: new Date(T0 + 100).toISOString(), last: new Date(T0 + 900).toISOString() },
      drops: null,
    });
  });
});
