import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connection, event } from '../ui/view-model/snapshot-builder.js';
import { changes, only, run, T0, timeline } from './findings-series.js';

describe('reset findings', () => {
  test('resets from the peer on established connections: a warning from 5 in the window, saying who sent them', () => {
    const results = run(8, (tick) => ({
      connections: [1, 2, 3].map((id) => connection({ id, daddr: '10.0.0.9', dport: 8080, sport: 41000 + id, resetsReceived: Math.min(tick, 2) })),
    }));
    // 3 connections × 1 reset at the second tick; 6 at the third.
    assert.equal(only(results[1] ?? [], 'resets'), undefined);
    const finding = only(results[2] ?? [], 'resets');
    assert.equal(finding?.id, 'resets:pid=1234:peer=10.0.0.9');
    assert.equal(finding?.severity, 'warning');
    assert.match(finding?.summary ?? '', /reset mid-stream: 6 by the peer, 0 by this host/);
    assert.match(finding?.nextStep ?? '', /^the peer/);
  });

  test('resets this host sends carry the kernel reason from the events', () => {
    const results = run(3, (tick) => ({
      connections: [connection({ id: 7, daddr: '10.0.0.9', resetsSent: tick === 0 ? 0 : 6 })],
      events:
        tick === 0
          ? []
          : Array.from({ length: 6 }, (_, index) => event({ atMs: T0 + 500 + index, kind: 'reset', direction: 'sent', connectionId: 7, reason: index < 4 ? 'TCP_ABORT_ON_CLOSE' : 'NOT_SPECIFIED' })).reverse(),
    }));
    const finding = only(results[1] ?? [], 'resets');
    assert.ok(finding);
    assert.deepEqual(finding.evidence.reasons, ['TCP_ABORT_ON_CLOSE', 'NOT_SPECIFIED']);
    assert.match(finding.nextStep, /^this host aborts them/);
    // The same events a tick later are not counted twice.
    assert.deepEqual(only(results[2] ?? [], 'resets')?.evidence.reasons, ['TCP_ABORT_ON_CLOSE', 'NOT_SPECIFIED']);
  });

  test('a few resets are normal life: none below the threshold', () => {
    const results = run(30, (tick) => ({ connections: [connection({ id: 1, resetsReceived: tick % 10 === 0 ? tick / 10 : Math.floor(tick / 10) })] }));
    assert.deepEqual(results.flat(), []);
  });

  test('it resolves after the quiet period', () => {
    const line = timeline(
      run(50, (tick) => ({ connections: [connection({ id: 1, daddr: '10.0.0.9', resetsReceived: tick === 0 ? 0 : 10 })] })),
      'resets:pid=1234:peer=10.0.0.9',
    );
    assert.deepEqual(changes(line), ['-', 'open/warning', 'resolved/warning']);
  });
});
