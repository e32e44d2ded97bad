import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FindingsEngine } from '../../src/findings/findings-engine.js';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { TcpState } from '../../src/model/records.js';
import type { ConnectionSnapshot } from '../../src/model/snapshot-types.js';
import { endpoints, resetRecord, stateRecord, taskOwner } from '../model/record-builders.js';
import { connection } from '../ui/view-model/snapshot-builder.js';
import { changes, only, run, T0, timeline } from './findings-series.js';

/** A connect of curl (1234) to 127.0.0.1:9 started at `atMs`, refused `answerMs` later. */
function refusedConnect(id: number, atMs: number, answerMs = 0.1): ConnectionSnapshot {
  return connection({
    id,
    daddr: '127.0.0.1',
    dport: 9,
    state: 'CLOSE',
    stateHistory: [
      { state: 'SYN_SENT', atMs, durationMs: answerMs },
      { state: 'CLOSE', atMs: atMs + answerMs, durationMs: null },
    ],
    openedAtMs: atMs,
    closedAtMs: atMs + answerMs,
    segmentsSent: 1,
    bytesSent: 0,
    resetsReceived: 1,
    connectLatencyMs: null,
  });
}

/** A connect of curl (1234) to 10.9.9.9:5432 sent at `atMs`, unanswered: still waiting, or given up at `closedAtMs`. */
function unansweredConnect(id: number, atMs: number, closedAtMs: number | null = null, retransmits = 0): ConnectionSnapshot {
  return connection({
    id,
    daddr: '10.9.9.9',
    dport: 5432,
    state: closedAtMs === null ? 'SYN_SENT' : 'CLOSE',
    stateHistory:
      closedAtMs === null
        ? [{ state: 'SYN_SENT', atMs, durationMs: null }]
        : [
            { state: 'SYN_SENT', atMs, durationMs: closedAtMs - atMs },
            { state: 'CLOSE', atMs: closedAtMs, durationMs: null },
          ],
    openedAtMs: atMs,
    closedAtMs,
    segmentsSent: 1 + retransmits,
    retransmits,
    connectLatencyMs: null,
  });
}

describe('refused findings', () => {
  test('connects answered by a reset: a warning from 3 in the window, per client process and destination port', () => {
    const results = run(5, (tick) => ({ connections: Array.from({ length: tick + 1 }, (_, index) => refusedConnect(index + 1, T0 + index * 1000)) }));
    assert.equal(only(results[1] ?? [], 'refused'), undefined);
    const finding = only(results[2] ?? [], 'refused');
    assert.ok(finding);
    assert.equal(finding.id, 'refused:pid=1234:peer=127.0.0.1:9');
    assert.equal(finding.severity, 'warning');
    assert.equal(finding.subject.pid, 1234);
    assert.equal(finding.subject.peerPort, 9);
    assert.equal(finding.sinceMs, T0);
    assert.match(finding.summary, /^curl \(pid 1234\) is refused by 127\.0\.0\.1:9: 3 connects answered by a reset/);
    assert.match(finding.nextStep, /nothing listens on 127\.0\.0\.1:9/);
    assert.deepEqual(finding.evidence.connectionIds, [3, 2, 1]);
  });

  test('20 refused connects in the window are critical', () => {
    const results = run(1, (_, atMs) => ({ connections: Array.from({ length: 20 }, (_, index) => refusedConnect(index + 1, atMs - index * 100)) }));
    assert.equal(only(results[0] ?? [], 'refused')?.severity, 'critical');
  });

  test('a connect that was answered and later reset is not refused', () => {
    const results = run(3, (_, atMs) => ({
      connections: Array.from({ length: 5 }, (_, index) =>
        connection({ id: index + 1, state: 'CLOSE', closedAtMs: atMs - 10, resetsReceived: 1, stateHistory: [{ state: 'SYN_SENT', atMs: T0 - 100, durationMs: 1 }, { state: 'ESTABLISHED', atMs: T0 - 99, durationMs: 50 }, { state: 'CLOSE', atMs: atMs - 10, durationMs: null }] }),
      ),
    }));
    assert.equal(only(results[2] ?? [], 'refused'), undefined);
  });

  test('through the model: SYN_SENT, a reset received, CLOSE — as the probes report a closed port', () => {
    const model = new ConnectionModel();
    const engine = new FindingsEngine();
    const client = taskOwner({ pid: 4242, comm: 'hammer' });
    let findings = engine.update(model.tick(T0));
    for (let index = 0; index < 5; index++) {
      const cookie = 100 + index;
      const atMs = T0 + 100 + index * 200;
      const sides = endpoints({ saddr: '127.0.0.1', sport: 50000 + index, daddr: '127.0.0.1', dport: 9 });
      model.ingest(stateRecord({ cookie, atMs, endpoints: sides, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: client }));
      model.ingest(resetRecord({ cookie, atMs: atMs + 0.05, endpoints: sides, direction: 'received' }));
      model.ingest(stateRecord({ cookie, atMs: atMs + 0.06, endpoints: sides, oldState: TcpState.SYN_SENT, newState: TcpState.CLOSE }));
    }
    findings = engine.update(model.tick(T0 + 1000));
    findings = engine.update(model.tick(T0 + 2000));
    const finding = only(findings, 'refused');
    assert.ok(finding, JSON.stringify(findings));
    assert.equal(finding.id, 'refused:pid=4242:peer=127.0.0.1:9');
    assert.equal(finding.subject.comm, 'hammer');
    assert.equal(finding.evidence.connectionIds.length, 5);
    assert.equal(only(findings, 'unreachable'), undefined);
  });

  test('it resolves after the quiet period once the refusals stop', () => {
    const connects = Array.from({ length: 5 }, (_, index) => refusedConnect(index + 1, T0 + index * 100));
    const line = timeline(run(60, () => ({ connections: connects })), 'refused:pid=1234:peer=127.0.0.1:9');
    assert.deepEqual(changes(line), ['open/warning', 'resolved/warning']);
    // The last refusal (0.4 s) leaves the 10 s window at 11 s; resolved 20 s later.
    assert.equal(line.indexOf('resolved/warning'), 31);
  });
});

describe('unreachable findings', () => {
  test('a handshake unanswered for a whole second is a warning; three are critical', () => {
    const results = run(6, (tick) => ({
      connections: [unansweredConnect(1, T0, null, tick >= 1 ? 1 : 0), ...(tick >= 3 ? [unansweredConnect(2, T0 + 2000), unansweredConnect(3, T0 + 2000)] : [])],
    }));
    assert.equal(only(results[0] ?? [], 'unreachable'), undefined);
    const finding = only(results[1] ?? [], 'unreachable');
    assert.equal(finding?.id, 'unreachable:pid=1234:peer=10.9.9.9:5432');
    assert.equal(finding?.severity, 'warning');
    assert.match(finding?.summary ?? '', /^curl \(pid 1234\) gets no answer from 10\.9\.9\.9:5432: 1 connect unanswered .* \(1 still waiting\)/);
    assert.match(finding?.nextStep ?? '', /not answering SYNs/);
    assert.equal(only(results[3] ?? [], 'unreachable')?.severity, 'critical');
  });

  test('a connect timeout (closed from SYN_SENT with no reset) counts', () => {
    const results = run(3, () => ({ connections: [unansweredConnect(1, T0 - 3000, T0 + 500, 2)] }));
    assert.equal(only(results[2] ?? [], 'unreachable')?.severity, 'warning');
  });

  test('a connect given up within a second (a happy-eyeballs loser) and a refused one do not count', () => {
    const results = run(5, () => ({ connections: [unansweredConnect(1, T0, T0 + 250), refusedConnect(2, T0 + 100)] }));
    assert.equal(only(results[4] ?? [], 'unreachable'), undefined);
  });

  test('IPv6 peers are bracketed in the id and the summary', () => {
    const results = run(3, () => ({ connections: [connection({ ...unansweredConnect(1, T0 - 2000), family: 'ipv6', daddr: 'fd00::7', saddr: 'fd00::1' })] }));
    const finding = only(results[0] ?? [], 'unreachable');
    assert.equal(finding?.id, 'unreachable:pid=1234:peer=[fd00::7]:5432');
    assert.match(finding?.summary ?? '', /no answer from \[fd00::7\]:5432/);
  });
});
