import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { DOMINANT_SHARE, LOSS_SHARE, SNDBUF_SHARE, judgeFlowLimit, type FlowLimitInterval } from '../../src/model/flow-limit.js';
import { TcpState } from '../../src/model/records.js';
import { T0, connectionOf, counters, endpoints, flowLimits as limits, sampleRecord, stateRecord } from './record-builders.js';

/** One second in which the flow was busy throughout, unlimited, without loss, acknowledged 1 MB in 100 segments. */
function interval(fields: Partial<FlowLimitInterval> = {}): FlowLimitInterval {
  return {
    intervalUs: 1_000_000,
    busyUs: 1_000_000,
    rwndLimitedUs: 0,
    sndbufLimitedUs: 0,
    segmentsSent: 100,
    retransmits: 0,
    bytesAcked: 1_000_000,
    receiveQueue: 0,
    sendQueue: 0,
    rcvWnd: 65536,
    sndWnd: 65536,
    ...fields,
  };
}

describe('flow limit verdicts on synthetic intervals', () => {
  test('a zero window we advertise over unread bytes is a stalled reader, whatever the sending side did', () => {
    const judged = judgeFlowLimit(interval({ rcvWnd: 0, receiveQueue: 128_512, busyUs: 0, bytesAcked: 0 }));
    assert.equal(judged.verdict, 'stalled-reader');
    assert.equal(judgeFlowLimit(interval({ rcvWnd: 0, receiveQueue: 0 })).verdict, 'app', 'a zero window over an empty queue is not a stall');
    assert.equal(judgeFlowLimit(interval({ rcvWnd: null, receiveQueue: 128_512 })).verdict, 'app', 'an unknown window proves nothing');
  });

  test('the peer advertising a zero window while we have data is the receiver, ahead of loss', () => {
    const judged = judgeFlowLimit(interval({ sndWnd: 0, sendQueue: 4_067_840, rwndLimitedUs: 1_000_000, retransmits: 10, bytesAcked: 0 }));
    assert.equal(judged.verdict, 'receiver');
    assert.equal(judged.rwndLimitedShare, 1);
  });

  test('rwnd-limited time from half of busy time up is the receiver', () => {
    assert.equal(judgeFlowLimit(interval({ rwndLimitedUs: DOMINANT_SHARE * 1_000_000 })).verdict, 'receiver');
    assert.equal(judgeFlowLimit(interval({ rwndLimitedUs: DOMINANT_SHARE * 1_000_000 - 4000 })).verdict, 'app');
  });

  test('sndbuf-limited time half of busy time is the send buffer', () => {
    const judged = judgeFlowLimit(interval({ busyUs: 800_000, sndbufLimitedUs: 400_000 }));
    assert.equal(judged.verdict, 'sndbuf');
    assert.equal(judged.sndbufLimitedShare, 0.5);
    assert.equal(judged.busyShare, 0.8);
    assert.ok(Math.abs(judged.idleShare - 0.2) < 1e-9);
  });

  test('sndbuf-limited time from a fifth of busy time up is the send buffer, unless rwnd-limited time is longer', () => {
    // A paced sender bound by its buffer showed 30–43% (docs/flow-limits.md): under half, still the buffer.
    assert.equal(judgeFlowLimit(interval({ sndbufLimitedUs: 0.37 * 1_000_000 })).verdict, 'sndbuf');
    assert.equal(judgeFlowLimit(interval({ sndbufLimitedUs: SNDBUF_SHARE * 1_000_000 })).verdict, 'sndbuf');
    assert.equal(judgeFlowLimit(interval({ sndbufLimitedUs: SNDBUF_SHARE * 1_000_000 - 4000 })).verdict, 'app');
    assert.equal(judgeFlowLimit(interval({ sndbufLimitedUs: 300_000, rwndLimitedUs: 400_000 })).verdict, 'app', 'the window held it back longer');
    assert.equal(judgeFlowLimit(interval({ sndbufLimitedUs: 300_000, rwndLimitedUs: 600_000 })).verdict, 'receiver');
  });

  test('retransmits from 1% of the segments sent are the network, even with the receive window half closed', () => {
    const judged = judgeFlowLimit(interval({ segmentsSent: 500, retransmits: 97, rwndLimitedUs: 510_000 }));
    assert.equal(judged.verdict, 'network');
    assert.equal(judged.retransmitShare, 97 / 500);
    assert.equal(judgeFlowLimit(interval({ segmentsSent: 200, retransmits: 200 * LOSS_SHARE })).verdict, 'network');
  });

  test('a few retransmits among many segments, or one among a handful, are not loss', () => {
    assert.equal(judgeFlowLimit(interval({ segmentsSent: 33_000, retransmits: 4 })).verdict, 'app');
    assert.equal(judgeFlowLimit(interval({ segmentsSent: 10, retransmits: 1 })).verdict, 'app');
  });

  test('a flow in retransmission backoff, whose every segment sent was a resend, is the network', () => {
    assert.equal(judgeFlowLimit(interval({ segmentsSent: 1, retransmits: 1 })).verdict, 'network');
  });

  test('no busy time and nothing acknowledged is idle; acknowledged bytes without busy time are the application', () => {
    const idle = judgeFlowLimit(interval({ busyUs: 0, bytesAcked: 0, segmentsSent: 3 }));
    assert.equal(idle.verdict, 'idle');
    assert.equal(idle.busyShare, 0);
    assert.equal(idle.idleShare, 1);
    assert.equal(judgeFlowLimit(interval({ busyUs: 0, bytesAcked: 1000 })).verdict, 'app');
  });

  test('busy time the jiffy clock rounds past the interval is clamped to the whole of it', () => {
    const judged = judgeFlowLimit(interval({ intervalUs: 1_066_000, busyUs: 1_076_000 }));
    assert.equal(judged.busyShare, 1);
    assert.equal(judged.idleShare, 0);
  });
});

describe('flow limits in the model', () => {
  test('the verdict comes from the last interval, not from the counters since birth', () => {
    const model = new ConnectionModel();
    // An hour of rwnd-limited history before netscope looked...
    model.ingest(sampleRecord({ cookie: 7, atMs: T0, counters: counters({ segsOut: 1000 }), limits: limits({ busyUs: 3.6e9, rwndLimitedUs: 3.6e9 }) }));
    assert.equal(connectionOf(model.tick(T0), 7).limit, null, 'one sample opens an interval and judges nothing');
    // ...then a second of sending that only loss held back.
    model.ingest(
      sampleRecord({
        cookie: 7,
        atMs: T0 + 1000,
        counters: counters({ segsOut: 1100, totalRetrans: 20, bytesAcked: 100_000 }),
        limits: limits({ busyUs: 3.6e9 + 1e6, rwndLimitedUs: 3.6e9 }),
      }),
    );
    const limit = connectionOf(model.tick(T0 + 1000), 7).limit;
    assert.equal(limit?.verdict, 'network');
    assert.equal(limit?.intervalMs, 1000);
    assert.equal(limit?.busyMs, 1000);
    assert.equal(limit?.rwndLimitedMs, 0);
    assert.equal(limit?.retransmits, 20);
    assert.equal(limit?.segmentsSent, 100);
    assert.deepEqual(limit?.limitedSeconds, { network: 1 });
  });

  test('limited seconds add up per verdict, idle ones left out', () => {
    const model = new ConnectionModel();
    const sample = (atMs: number, busyUs: number, rwndLimitedUs: number, bytesAcked: number) =>
      model.ingest(sampleRecord({ cookie: 8, atMs, counters: counters({ segsOut: bytesAcked / 1000, bytesAcked }), limits: limits({ busyUs, rwndLimitedUs }) }));
    sample(T0, 0, 0, 0);
    sample(T0 + 1000, 1e6, 1e6, 1_000_000);
    sample(T0 + 3000, 3e6, 3e6, 2_000_000);
    sample(T0 + 4000, 3e6, 3e6, 2_000_000);
    sample(T0 + 5000, 3e6, 3e6, 2_001_000);
    const limit = connectionOf(model.tick(T0 + 5000), 8).limit;
    assert.equal(limit?.verdict, 'app');
    assert.deepEqual(limit?.limitedSeconds, { receiver: 3, app: 1 });
  });

  test('a sample a few ms after the last judges nothing: the verdict stands and the interval runs on', () => {
    const model = new ConnectionModel();
    const sample = (atMs: number, busyUs: number, sndbufLimitedUs: number, segsOut: number) =>
      model.ingest(sampleRecord({ cookie: 11, atMs, counters: counters({ segsOut, bytesAcked: segsOut * 1000 }), limits: limits({ busyUs, sndbufLimitedUs }) }));
    sample(T0, 0, 0, 0);
    sample(T0 + 1000, 1e6, 0.5e6, 100);
    // A final tick 10 ms on, in which the kernel's 4 ms jiffies saw busy time but no sndbuf time.
    sample(T0 + 1010, 1.008e6, 0.5e6, 104);
    const limit = connectionOf(model.tick(T0 + 1010), 11).limit;
    assert.equal(limit?.verdict, 'sndbuf');
    assert.equal(limit?.intervalMs, 1000);
    // The next sample judges from where the last judged interval ended.
    sample(T0 + 2000, 2e6, 1e6, 200);
    assert.equal(connectionOf(model.tick(T0 + 2000), 11).limit?.intervalMs, 1000);
  });

  test('a connection that stays idle republishes the same snapshot', () => {
    const model = new ConnectionModel();
    for (const atMs of [T0, T0 + 1000, T0 + 2000]) model.ingest(sampleRecord({ cookie: 9, atMs, limits: limits() }));
    const first = connectionOf(model.tick(T0 + 2000), 9);
    assert.equal(first.limit?.verdict, 'idle');
    model.ingest(sampleRecord({ cookie: 9, atMs: T0 + 3000, limits: limits() }));
    assert.equal(connectionOf(model.tick(T0 + 3000), 9), first);
  });

  test('samples without limit counters (an older kernel, a version 1 recording) leave the limit unknown', () => {
    const model = new ConnectionModel();
    model.ingest(sampleRecord({ cookie: 10, atMs: T0 }));
    model.ingest(sampleRecord({ cookie: 10, atMs: T0 + 1000, limits: null }));
    assert.equal(connectionOf(model.tick(T0 + 1000), 10).limit, null);
  });

  test('connections with equal verdicts share one object; a verdict differing in one number has its own', () => {
    const model = new ConnectionModel();
    const pool = [20, 21, 22];
    for (const atMs of [T0, T0 + 1000]) {
      for (const cookie of pool) {
        model.ingest(sampleRecord({ cookie, atMs, endpoints: endpoints({ sport: 40_000 + cookie }), limits: limits({ rcvWnd: cookie === 22 ? 131_072 : 65_536 }) }));
      }
    }
    const snapshot = model.tick(T0 + 1000);
    const [first, second, third] = pool.map((cookie) => connectionOf(snapshot, cookie).limit);
    assert.equal(first?.verdict, 'idle');
    assert.equal(second, first, 'two idle sockets with the same windows: one verdict');
    assert.notEqual(third, first);
    assert.deepEqual({ ...third, rcvWnd: 65_536 }, first, 'only the window tells them apart');
  });

  test('a row handed out again does not carry its last connection\'s interval', () => {
    const model = new ConnectionModel({ closedRetentionMs: 0 });
    model.ingest(sampleRecord({ cookie: 30, atMs: T0, counters: counters({ segsOut: 10 }), limits: limits({ busyUs: 1e6 }) }));
    model.ingest(stateRecord({ cookie: 30, atMs: T0 + 1, oldState: TcpState.ESTABLISHED, newState: TcpState.CLOSE }));
    assert.equal(model.tick(T0 + 2).connections.length, 0, 'the closed connection left the table');
    model.ingest(sampleRecord({ cookie: 31, atMs: T0 + 1000, counters: counters({ segsOut: 20 }), limits: limits({ busyUs: 2e6 }) }));
    assert.equal(connectionOf(model.tick(T0 + 1000), 31).limit, null, 'its first sample only opens an interval');
  });
});
