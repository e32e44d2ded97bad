import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { changesSince, defaultChangeThresholds } from '../../src/model/baseline-changes.js';
import { changesDocument } from '../../src/model/changes-document.js';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { profileOfDocument, profileSince, type TrafficProfile, type WorldProfile } from '../../src/model/world-profile.js';

const T0 = Date.parse('2026-12-02T09:00:00Z');

function traffic(fields: Partial<TrafficProfile>): TrafficProfile {
  return { bytes: 0, segmentsSent: 0, retransmits: 0, rttSumMs: 0, rttCount: 0, openConnections: 1, newestOpenedAtMs: 0, ...fields };
}

function profile(fields: Partial<WorldProfile> & { atMs: number; startedAtMs: number }): WorldProfile {
  return { processes: new Map(), peers: new Map(), listeners: new Set(), containers: new Set(), ...fields };
}

/** Ten seconds of capture. */
function span(startMs: number): { atMs: number; startedAtMs: number } {
  return { startedAtMs: startMs, atMs: startMs + 10_000 };
}

describe('what changed since the baseline', () => {
  test('new and gone listeners, containers, peers; processes that started and stopped talking', () => {
    const before = profile({
      ...span(T0),
      processes: new Map([['api', traffic({ bytes: 1000 })], ['cron', traffic({ bytes: 10 })]]),
      peers: new Map([['10.0.0.9', traffic({ bytes: 1000 })]]),
      listeners: new Set(['api :8080']),
      containers: new Set(['shop/api/app']),
    });
    const after = profile({
      ...span(T0 + 3_600_000),
      processes: new Map([['api', traffic({ bytes: 1000 })], ['worker', traffic({ bytes: 50 })]]),
      peers: new Map([['10.0.0.7', traffic({ bytes: 1000 })]]),
      listeners: new Set(['api :8080', 'debug :6060']),
      containers: new Set(['shop/api/app', 'shop/worker/app']),
    });
    const changes = changesSince(before, after);
    assert.deepEqual(changes.listeners, { appeared: ['debug :6060'], gone: [] });
    assert.deepEqual(changes.containers, { appeared: ['shop/worker/app'], gone: [] });
    assert.deepEqual(changes.peers, { appeared: ['10.0.0.7'], gone: ['10.0.0.9'] });
    assert.deepEqual(changes.processes, { startedTalking: ['worker'], stoppedTalking: ['cron'] });
    assert.deepEqual(changes.moved, []);
    assert.equal(changes.baselineAtMs, before.atMs);
  });

  test('traffic moves past the factor and the floor; a small flow that grew tenfold does not', () => {
    const before = profile({
      ...span(T0),
      processes: new Map([['busy', traffic({ bytes: 100 * 1024 * 10 })], ['tiny', traffic({ bytes: 100 })]]),
    });
    const after = profile({
      ...span(T0 + 60_000),
      processes: new Map([['busy', traffic({ bytes: 500 * 1024 * 10 })], ['tiny', traffic({ bytes: 1000 })]]),
    });
    const moved = changesSince(before, after).moved;
    assert.deepEqual(
      moved.map(({ key, metric }) => `${key} ${metric}`),
      ['busy traffic'],
    );
    assert.equal(moved[0]!.before, 100 * 1024);
    assert.equal(moved[0]!.after, 500 * 1024);
    assert.equal(moved[0]!.factor, 5);
  });

  test('a traffic rise of just under the factor is no change', () => {
    const rate = (bytesPerSecond: number) => traffic({ bytes: bytesPerSecond * 10 });
    const before = profile({ ...span(T0), processes: new Map([['api', rate(100_000)]]) });
    const after = profile({ ...span(T0 + 60_000), processes: new Map([['api', rate(399_000)]]) });
    assert.deepEqual(changesSince(before, after).moved, []);
  });

  test('retransmit share: 0.1% → 5% moves; 0.1% → 0.5% stays under the 1% floor; too few segments says nothing', () => {
    const before = profile({
      ...span(T0),
      peers: new Map([
        ['10.0.0.1', traffic({ segmentsSent: 10_000, retransmits: 10 })],
        ['10.0.0.2', traffic({ segmentsSent: 10_000, retransmits: 10 })],
        ['10.0.0.3', traffic({ segmentsSent: 100, retransmits: 0 })],
      ]),
    });
    const after = profile({
      ...span(T0 + 60_000),
      peers: new Map([
        ['10.0.0.1', traffic({ segmentsSent: 10_000, retransmits: 500 })],
        ['10.0.0.2', traffic({ segmentsSent: 10_000, retransmits: 50 })],
        ['10.0.0.3', traffic({ segmentsSent: 100, retransmits: 50 })],
      ]),
    });
    const moved = changesSince(before, after).moved;
    assert.deepEqual(
      moved.map(({ key, metric, before: was, after: is }) => [key, metric, was, is]),
      [['10.0.0.1', 'retransmitShare', 0.001, 0.05]],
    );
  });

  test('RTT: 20 → 80 ms moves; 0.05 → 0.2 ms on loopback is four times but under the 5 ms floor', () => {
    const rtt = (ms: number) => traffic({ rttSumMs: ms, rttCount: 1 });
    const before = profile({ ...span(T0), peers: new Map([['db', rtt(20)], ['lo', rtt(0.05)]]) });
    const after = profile({ ...span(T0 + 60_000), peers: new Map([['db', rtt(80)], ['lo', rtt(0.2)]]) });
    const moved = changesSince(before, after).moved;
    assert.deepEqual(
      moved.map(({ key, metric, factor }) => [key, metric, factor]),
      [['db', 'rtt', 4]],
    );
  });

  test('the biggest move comes first, a move from nothing first of all; the document rounds and writes Infinity as null', () => {
    const before = profile({
      ...span(T0),
      processes: new Map([['a', traffic({ bytes: 20_000 * 10 })], ['b', traffic({ bytes: 0 })]]),
    });
    const after = profile({
      ...span(T0 + 60_000),
      processes: new Map([['a', traffic({ bytes: 100_000 * 10 })], ['b', traffic({ bytes: 50_000 * 10 })]]),
    });
    const changes = changesSince(before, after);
    assert.deepEqual(
      changes.moved.map(({ key }) => key),
      ['b', 'a'],
    );
    const document = changesDocument(changes, 'snapshot', 'base.json');
    assert.equal(document.moved[0]!.factor, null);
    assert.equal(document.moved[1]!.factor, 5);
    assert.deepEqual(document.baseline, { at: '2026-12-02T09:00:10.000Z', origin: 'snapshot', file: 'base.json' });
  });

  test('since a mark: the traffic counted from the mark, and a process quiet since the mark stopped talking', () => {
    const mark = profile({
      ...span(T0),
      processes: new Map([['api', traffic({ bytes: 10_000 * 10, openConnections: 1 })], ['batch', traffic({ bytes: 5_000, openConnections: 0 })]]),
    });
    const later = profile({
      atMs: T0 + 20_000,
      startedAtMs: T0,
      processes: new Map([['api', traffic({ bytes: 10_000 * 10 + 100_000 * 10, openConnections: 1 })], ['batch', traffic({ bytes: 5_000, openConnections: 0 })]]),
    });
    const since = profileSince(mark, later);
    assert.equal(since.startedAtMs, mark.atMs);
    assert.equal(since.processes.get('api')!.bytes, 1_000_000);
    const changes = changesSince(mark, since);
    assert.deepEqual(changes.processes, { startedTalking: [], stoppedTalking: ['batch'] });
    assert.deepEqual(
      changes.moved.map(({ key, metric, after }) => [key, metric, after]),
      [['api', 'traffic', 100_000]],
    );
  });

  test('the thresholds are the documented ones', () => {
    assert.deepEqual(defaultChangeThresholds, {
      trafficFactor: 4,
      minTrafficBytesPerSecond: 10_240,
      retransmitShareFactor: 3,
      minRetransmitShare: 0.01,
      minSegments: 200,
      rttFactor: 2,
      minRttDeltaMs: 5,
    });
  });
});

describe('the profile of a saved document', () => {
  const connection = (fields: Record<string, unknown>) => ({
    comm: 'api',
    container: null,
    daddr: '10.0.0.9',
    bytesSent: 100,
    bytesReceived: 50,
    segmentsSent: 10,
    retransmits: 1,
    srttMs: 2,
    openedAt: '2026-12-02T09:00:00.000Z',
    closedAt: null,
    state: 'ESTABLISHED',
    preexisting: false,
    ...fields,
  });
  const document = {
    generatedAt: '2026-12-02T09:00:30.000Z',
    connections: [
      connection({}),
      connection({ openedAt: '2026-12-02T08:59:50.000Z', preexisting: true, state: 'TIME_WAIT', bytesSent: 0, bytesReceived: 0, comm: 'old', daddr: '10.0.0.8' }),
    ],
    listeners: [{ comm: 'api', container: null, sport: 8080 }],
    containers: [],
  } as unknown as SnapshotDocument;

  test('spans from the oldest first sighting; sums by name; a TIME_WAIT socket seen at the start is not talking', () => {
    const seen = profileOfDocument(document);
    assert.equal(seen.startedAtMs, Date.parse('2026-12-02T08:59:50.000Z'));
    assert.equal(seen.atMs, Date.parse('2026-12-02T09:00:30.000Z'));
    assert.deepEqual(seen.processes.get('api'), { bytes: 150, segmentsSent: 10, retransmits: 1, rttSumMs: 2, rttCount: 1, openConnections: 1, newestOpenedAtMs: Date.parse('2026-12-02T09:00:00.000Z') });
    assert.deepEqual([...seen.listeners], ['api :8080']);
    const nothingBefore = profile({ atMs: T0 - 3_600_000, startedAtMs: T0 - 3_610_000 });
    assert.deepEqual(changesSince(nothingBefore, seen).processes.startedTalking, ['api']);
    assert.deepEqual(changesSince(nothingBefore, seen).peers.appeared, ['10.0.0.9']);
  });

  test('a named peer is the same peer at a new address; an unnamed one is its address', () => {
    const named = (daddr: string) => connection({ daddr, peerName: { name: 'orders-db.prod.svc.cluster.local', source: 'dns', at: '2026-12-02T09:00:00.000Z' } });
    const at = (connections: unknown[]) => profileOfDocument({ ...document, connections } as unknown as SnapshotDocument);
    const before = at([named('10.96.0.4'), connection({ daddr: '10.0.0.9' })]);
    const after = at([named('10.96.0.7'), connection({ daddr: '10.0.0.10' })]);
    assert.deepEqual([...after.peers.keys()].sort(), ['10.0.0.10', 'orders-db.prod.svc.cluster.local']);
    assert.deepEqual(changesSince(before, after).peers, { appeared: ['10.0.0.10'], gone: ['10.0.0.9'] });
  });
});
