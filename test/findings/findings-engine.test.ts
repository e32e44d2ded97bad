import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FindingsEngine } from '../../src/findings/findings-engine.js';
import type { ConnectionSnapshot, ModelSnapshot } from '../../src/model/snapshot-types.js';
import { connection, listener } from '../ui/view-model/snapshot-builder.js';
import { changes, run, T0, thresholds, timeline } from './findings-series.js';

/** Several faults at once beside a heavy healthy flow: loss to 10.0.3.7, refusals on port 9, a full listener. */
function faults(tick: number, atMs: number): Partial<ModelSnapshot> {
  const connections: ConnectionSnapshot[] = [
    connection({ id: 1, daddr: '10.0.9.9', segmentsSent: 50_000 * (tick + 1), owner: { pid: 10, comm: 'healthy' } }),
    connection({ id: 2, daddr: '10.0.3.7', segmentsSent: 500 * (tick + 1), retransmits: 40 * (tick + 1), owner: { pid: 20, comm: 'lossy' } }),
  ];
  for (let index = 0; index <= Math.min(tick, 30); index++) {
    const sentAtMs = T0 + index * 1000;
    if (sentAtMs > atMs - 10_000) {
      connections.push(
        connection({
          id: 100 + index,
          daddr: '127.0.0.1',
          dport: 9,
          state: 'CLOSE',
          stateHistory: [
            { state: 'SYN_SENT', atMs: sentAtMs, durationMs: 0.1 },
            { state: 'CLOSE', atMs: sentAtMs + 0.1, durationMs: null },
          ],
          openedAtMs: sentAtMs,
          closedAtMs: sentAtMs + 0.1,
          resetsReceived: 1,
          connectLatencyMs: null,
          owner: { pid: 30, comm: 'hammer' },
        }),
      );
    }
  }
  return { connections, listeners: [listener({ id: 9, sport: 8080, acceptQueue: tick < 40 ? 129 : 0, acceptQueueLimit: 128, owner: { pid: 40, comm: 'stuck' } })] };
}

describe('the findings engine', () => {
  test('the same snapshots give the same findings: a replay states what the live capture did', () => {
    const first = run(90, faults);
    const second = run(90, faults);
    assert.deepEqual(second, first);
    assert.ok(first.some((findings) => findings.length >= 3));
  });

  test('worst first: open before resolved, critical before warning, then the earliest', () => {
    const results = run(30, faults);
    assert.deepEqual(
      (results[5] ?? []).map((finding) => `${finding.state}/${finding.severity} ${finding.id}`),
      [
        'open/critical acceptQueueOverflow:pid=40:listen=0.0.0.0:8080',
        'open/warning loss:pid=20:peer=10.0.3.7',
        'open/warning refused:pid=30:peer=127.0.0.1:9',
      ],
    );
    // Past 40 s the listener recovers, and the refusals stop at 30 s: 20 s after their evidence
    // is gone they are resolved, listed after the finding still open.
    assert.deepEqual(
      (run(65, faults).at(-1) ?? []).map((finding) => `${finding.state}/${finding.severity} ${finding.kind}`),
      ['open/warning loss', 'resolved/critical acceptQueueOverflow', 'resolved/warning refused'],
    );
  });

  test('the healthy heavy flow yields nothing beside the faults', () => {
    assert.ok(run(60, faults).flat().every((finding) => finding.subject.pid !== 10));
  });

  test('hysteresis at the edge: a count wavering across the opening threshold opens once, and never flaps', () => {
    // 2 then 3 refusals in the window, by turns: opens at 3, holds at 2 (above half of 3).
    const line = timeline(
      run(120, (tick, atMs) => ({
        connections: Array.from({ length: tick % 2 === 0 ? 2 : 3 }, (_, index) =>
          connection({ id: index + 1, daddr: '127.0.0.1', dport: 9, state: 'CLOSE', closedAtMs: atMs - 100, resetsReceived: 1, connectLatencyMs: null, stateHistory: [{ state: 'SYN_SENT', atMs: atMs - 101, durationMs: 1 }, { state: 'CLOSE', atMs: atMs - 100, durationMs: null }] }),
        ),
      })),
      'refused:pid=1234:peer=127.0.0.1:9',
    );
    assert.deepEqual(changes(line), ['-', 'open/warning']);
  });

  test('a resolved finding that comes back opens anew, with a new since', () => {
    const engine = new FindingsEngine(thresholds({ quietPeriodMs: 5000, windowMs: 2000 }));
    const refusals = (atMs: number) =>
      Array.from({ length: 3 }, (_, index) =>
        connection({ id: atMs + index, daddr: '127.0.0.1', dport: 9, state: 'CLOSE', closedAtMs: atMs, resetsReceived: 1, connectLatencyMs: null, stateHistory: [{ state: 'SYN_SENT', atMs, durationMs: 0 }, { state: 'CLOSE', atMs, durationMs: null }] }),
      );
    const results = run(30, (tick, atMs) => ({ connections: tick === 0 || tick === 20 ? refusals(atMs) : [] }), engine);
    const id = 'refused:pid=1234:peer=127.0.0.1:9';
    assert.deepEqual(changes(timeline(results, id)), ['open/warning', 'resolved/warning', 'open/warning', 'resolved/warning']);
    assert.equal(results[20]?.find((finding) => finding.id === id)?.sinceMs, T0 + 20_000);
  });
});
