import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConnectionSnapshot } from '../../src/model/snapshot-types.js';
import { connection, listener } from '../ui/view-model/snapshot-builder.js';
import { changes, only, run, T0, timeline } from './findings-series.js';

/** A socket of leaky-api (pid 300) on port 8080 whose client (10.0.0.5) closed at `sinceMs`. */
function closeWait(id: number, sinceMs: number): ConnectionSnapshot {
  return connection({
    id,
    saddr: '10.0.0.1',
    sport: 8080,
    daddr: '10.0.0.5',
    dport: 50000 + id,
    state: 'CLOSE_WAIT',
    stateHistory: [
      { state: 'ESTABLISHED', atMs: sinceMs - 500, durationMs: 500 },
      { state: 'CLOSE_WAIT', atMs: sinceMs, durationMs: null },
    ],
    owner: { pid: 300, comm: 'leaky-api' },
  });
}

/** An unanswered connect of curl (1234) to 127.0.0.1:`port`, waiting since `atMs`. */
function waitingConnect(id: number, port: number, atMs: number): ConnectionSnapshot {
  return connection({ id, daddr: '127.0.0.1', dport: port, state: 'SYN_SENT', stateHistory: [{ state: 'SYN_SENT', atMs, durationMs: null }], openedAtMs: atMs, retransmits: 1, connectLatencyMs: null });
}

describe('CLOSE_WAIT leak findings', () => {
  test('a growing count past the minimum opens a warning naming the process and its port', () => {
    const results = run(8, (tick) => ({ connections: Array.from({ length: tick + 1 }, (_, index) => closeWait(index + 1, T0 + index * 1000)) }));
    assert.equal(only(results[3] ?? [], 'closeWaitLeak'), undefined);
    const finding = only(results[4] ?? [], 'closeWaitLeak');
    assert.equal(finding?.id, 'closeWaitLeak:pid=300');
    assert.equal(finding?.severity, 'warning');
    assert.equal(finding?.subject.localPort, 8080);
    assert.match(finding?.summary ?? '', /^leaky-api \(pid 300\) holds 5 sockets its peers closed \(CLOSE_WAIT on port 8080\)/);
    assert.match(finding?.nextStep ?? '', /missing close\(\)/);
    assert.equal(finding?.sinceMs, T0);
  });

  test('a few CLOSE_WAIT sockets that do not grow and are young are the normal moment before close()', () => {
    const results = run(50, (tick) => ({ connections: [closeWait(1, T0 + tick * 1000), closeWait(2, T0 + tick * 1000), closeWait(3, T0 + tick * 1000)] }));
    assert.deepEqual(results.flat(), []);
  });

  test('one socket in CLOSE_WAIT for a minute is a warning', () => {
    const results = run(70, () => ({ connections: [closeWait(1, T0)] }));
    assert.equal(only(results[59] ?? [], 'closeWaitLeak'), undefined);
    assert.equal(only(results[60] ?? [], 'closeWaitLeak')?.severity, 'warning');
  });

  test('100 are critical; the finding holds while any is left, and resolves after the quiet period once all are closed', () => {
    const line = timeline(
      run(100, (tick) => ({ connections: tick < 40 ? Array.from({ length: 100 }, (_, index) => closeWait(index + 1, T0)) : tick < 70 ? [closeWait(1, T0)] : [] })),
      'closeWaitLeak:pid=300',
    );
    assert.deepEqual(changes(line), ['open/critical', 'open/warning', 'resolved/warning']);
    assert.equal(line.indexOf('open/warning'), 60);
    assert.equal(line.indexOf('resolved/warning'), 90);
  });
});

describe('accept-queue overflow findings', () => {
  test('a full queue is critical, naming the process and its port', () => {
    const results = run(2, () => ({ listeners: [listener({ id: 77, sport: 8080, acceptQueue: 129, acceptQueueLimit: 128, owner: { pid: 500, comm: 'slow-server' } })] }));
    const finding = only(results[0] ?? [], 'acceptQueueOverflow');
    assert.equal(finding?.id, 'acceptQueueOverflow:pid=500:listen=0.0.0.0:8080');
    assert.equal(finding?.severity, 'critical');
    assert.equal(finding?.subject.localPort, 8080);
    assert.deepEqual(finding?.evidence.listenerIds, [77]);
    assert.match(finding?.summary ?? '', /^slow-server \(pid 500\) is not accepting fast enough: its accept queue on 0\.0\.0\.0:8080 is full \(129 of 128\)/);
    assert.match(finding?.nextStep ?? '', /its accept queue is full/);
  });

  test('a queue at 80 % of its limit is a warning; a small backlog is not', () => {
    const results = run(1, () => ({
      listeners: [listener({ id: 1, sport: 80, acceptQueue: 103, acceptQueueLimit: 128 }), listener({ id: 2, sport: 81, acceptQueue: 4, acceptQueueLimit: 5 })],
    }));
    assert.deepEqual(
      (results[0] ?? []).map((finding) => [finding.id, finding.severity]),
      [['acceptQueueOverflow:pid=800:listen=0.0.0.0:80', 'warning']],
    );
  });

  test("the listener's own drops are critical; drops from before the capture are not", () => {
    const results = run(40, (tick) => ({ listeners: [listener({ id: 1, sport: 80, drops: 1000 + (tick === 5 ? 3 : tick > 5 ? 3 : 0) })] }));
    assert.equal(only(results[4] ?? [], 'acceptQueueOverflow'), undefined);
    const finding = only(results[5] ?? [], 'acceptQueueOverflow');
    assert.equal(finding?.severity, 'critical');
    assert.equal(finding?.evidence.counters.find((counter) => counter.name === 'dropped by the listener')?.value, 3);
    // The drops leave the window at 15 s; resolved 20 s later.
    assert.deepEqual(changes(timeline(results, 'acceptQueueOverflow:pid=800:listen=0.0.0.0:80')), ['-', 'open/critical', 'resolved/critical']);
  });

  test('one cause, one finding: the clients retransmitting SYNs to the full listener are its evidence, not findings of their own', () => {
    const results = run(3, () => ({
      listeners: [listener({ id: 77, sport: 8080, acceptQueue: 11, acceptQueueLimit: 10 })],
      connections: [waitingConnect(1, 8080, T0 - 2000), waitingConnect(2, 8080, T0 - 1500), waitingConnect(3, 9090, T0 - 1500)],
    }));
    const findings = results[2] ?? [];
    const overflow = only(findings, 'acceptQueueOverflow');
    assert.deepEqual(overflow?.evidence.absorbed, ['unreachable']);
    assert.deepEqual(overflow?.evidence.connectionIds, [2, 1]);
    // Port 9090 has nothing to do with the listener: its own finding.
    assert.equal(only(findings, 'unreachable')?.id, 'unreachable:pid=1234:peer=127.0.0.1:9090');
    assert.equal(overflow?.sinceMs, T0 - 2000);
  });
});
