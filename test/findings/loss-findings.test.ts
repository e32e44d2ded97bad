import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connection } from '../ui/view-model/snapshot-builder.js';
import { changes, only, run, T0, timeline } from './findings-series.js';

/** An established flow of curl (1234) to 10.0.3.7:5432 that has sent `segments` and retransmitted `retransmits` so far. */
function flow(id: number, segments: number, retransmits: number, fields: Parameters<typeof connection>[0] = {}) {
  return connection({ id, daddr: '10.0.3.7', dport: 5432, sport: 40000 + id, segmentsSent: segments, retransmits, openedAtMs: T0 - 5000, ...fields });
}

describe('loss findings', () => {
  test('a heavy healthy flow yields none, however heavy', () => {
    const results = run(60, (tick) => ({ connections: [flow(1, 1_000_000 * (tick + 1), 0)] }));
    assert.deepEqual(results.flat(), []);
  });

  test('a heavy flow with a few retransmits (0.1 %) yields none', () => {
    const results = run(60, (tick) => ({ connections: [flow(1, 10_000 * (tick + 1), 10 * (tick + 1))] }));
    assert.deepEqual(results.flat(), []);
  });

  test('one retransmit on an idle flow is nothing: below the minimum volume', () => {
    const results = run(30, (tick) => ({ connections: [flow(1, 3 * (tick + 1), tick === 10 ? 1 : tick > 10 ? 1 : 0)] }));
    assert.deepEqual(results.flat(), []);
  });

  test('5 % retransmitted over the window opens a warning naming the process and the peer, once the volume is there', () => {
    const results = run(10, (tick) => ({ connections: [flow(1, 100 * (tick + 1), 5 * (tick + 1))] }));
    // 100 segments a tick: the 200-segment minimum is reached at the second tick.
    assert.equal(only(results[0] ?? [], 'loss'), undefined);
    const finding = only(results[1] ?? [], 'loss');
    assert.ok(finding);
    assert.equal(finding.severity, 'warning');
    assert.equal(finding.state, 'open');
    assert.equal(finding.id, 'loss:pid=1234:peer=10.0.3.7');
    assert.match(finding.summary, /^curl \(pid 1234\) retransmits 5\.0% of its segments to 10\.0\.3\.7:5432/);
    assert.equal(finding.subject.peerPort, 5432);
    assert.equal(finding.sinceMs, T0);
    assert.deepEqual(finding.evidence.connectionIds, [1]);
    assert.deepEqual(finding.evidence.counters.find((counter) => counter.name === 'retransmitted share')?.value, 5);
  });

  test('15 % is critical', () => {
    const results = run(5, (tick) => ({ connections: [flow(1, 100 * (tick + 1), 15 * (tick + 1))] }));
    assert.equal(only(results[4] ?? [], 'loss')?.severity, 'critical');
  });

  test('one culprit, one finding: the sockets of one process to one peer roll up', () => {
    const results = run(5, (tick) => ({
      connections: [1, 2, 3].map((id) => flow(id, 100 * (tick + 1), 5 * (tick + 1), { dport: 5430 + id })),
    }));
    const finding = only(results[4] ?? [], 'loss');
    assert.ok(finding);
    assert.deepEqual([...finding.evidence.connectionIds].sort(), [1, 2, 3]);
    // Three ports: the peer is named by its address alone.
    assert.equal(finding.subject.peerPort, null);
  });

  test('two processes losing to one peer are two findings', () => {
    const results = run(5, (tick) => ({
      connections: [flow(1, 100 * (tick + 1), 5 * (tick + 1)), flow(2, 100 * (tick + 1), 5 * (tick + 1), { owner: { pid: 99, comm: 'psql' } })],
    }));
    assert.deepEqual(
      (results[4] ?? []).map((finding) => finding.id),
      ['loss:pid=1234:peer=10.0.3.7', 'loss:pid=99:peer=10.0.3.7'],
    );
  });

  test('SYN retransmits of a handshake in progress are not loss', () => {
    const results = run(10, (tick) => ({
      connections: [flow(1, 300 * (tick + 1), 0), flow(2, 1, tick, { state: 'SYN_SENT', stateHistory: [{ state: 'SYN_SENT', atMs: T0 + 9000, durationMs: null }], openedAtMs: T0 + 9000, connectLatencyMs: null })],
    }));
    assert.equal(only(results[9] ?? [], 'loss'), undefined);
  });

  test('hysteresis: a share wavering around the opening threshold opens once and does not flap', () => {
    // 1.9 % and 2.1 % by turns: above the holding half (1 %) throughout.
    let retransmits = 0;
    const results = run(120, (tick) => {
      retransmits += tick % 2 === 0 ? 19 : 21;
      return { connections: [flow(1, 1000 * (tick + 1), retransmits)] };
    });
    assert.deepEqual(changes(timeline(results, 'loss:pid=1234:peer=10.0.3.7')), ['-', 'open/warning']);
  });

  test('it resolves only after the quiet period, and the resolved finding stays listed a while', () => {
    // 5 % for 20 s, then a clean flow.
    let retransmits = 0;
    const results = run(400, (tick) => {
      if (tick < 20) retransmits += 5;
      return { connections: [flow(1, 100 * (tick + 1), retransmits)] };
    });
    const line = timeline(results, 'loss:pid=1234:peer=10.0.3.7');
    assert.deepEqual(changes(line), ['-', 'open/warning', 'resolved/warning', '-']);
    // The last retransmit at 19 s; the window (10 s) holds it until 29 s; then 20 s of quiet.
    const resolvedAt = line.indexOf('resolved/warning');
    assert.ok(resolvedAt >= 29 + 20 - 1 && resolvedAt <= 29 + 20 + 1, `resolved at tick ${resolvedAt}`);
    const resolved = (results[resolvedAt] ?? []).find((finding) => finding.kind === 'loss');
    assert.equal(resolved?.resolvedAtMs, T0 + resolvedAt * 1000);
    assert.equal(resolved?.lastSeenMs, T0 + 19_000);
    // Kept five minutes after it resolved.
    const goneAt = line.lastIndexOf('resolved/warning') + 1;
    assert.equal(goneAt - resolvedAt, 300);
  });

  test('severity falls with hysteresis: critical holds above half its threshold, then lowers after the quiet period', () => {
    let retransmits = 0;
    const results = run(80, (tick) => {
      // 15 % for 10 s, 6 % (above 5 %: holds critical) for 20 s, then 3 %.
      retransmits += tick < 10 ? 150 : tick < 30 ? 60 : 30;
      return { connections: [flow(1, 1000 * (tick + 1), retransmits)] };
    });
    const line = timeline(results, 'loss:pid=1234:peer=10.0.3.7');
    assert.deepEqual(changes(line), ['open/critical', 'open/warning']);
    const loweredAt = line.indexOf('open/warning');
    // The window falls under 5 % some ticks after 30 s; then 20 s of quiet.
    assert.ok(loweredAt > 30 + 20, `lowered at tick ${loweredAt}`);
  });

  test('a severity rises at once', () => {
    let retransmits = 0;
    const results = run(30, (tick) => {
      retransmits += tick < 10 ? 50 : 300;
      return { connections: [flow(1, 1000 * (tick + 1), retransmits)] };
    });
    const line = timeline(results, 'loss:pid=1234:peer=10.0.3.7');
    assert.equal(line[0], 'open/warning');
    // 5 % × 9 s + 30 % × 1 s over the 10 s window is 7.5 %; the second tick of 30 % is 10 %.
    assert.equal(line.indexOf('open/critical'), 11);
  });
});
