import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConnectionSnapshot } from '../../src/model/snapshot-types.js';
import { connection } from '../ui/view-model/snapshot-builder.js';
import { only, run } from './findings-series.js';

/** Connections to 10.0.5.5:443, the first `usual` at `usualMs`, then one a tick at `slowMs` from tick `from`. */
function connects(tick: number, atMs: number, usual: number, usualMs: number, slowMs: number, from: number): ConnectionSnapshot[] {
  const list = Array.from({ length: usual }, (_, index) => connection({ id: index + 1, daddr: '10.0.5.5', connectLatencyMs: usualMs }));
  for (let slow = from; slow <= tick; slow++) list.push(connection({ id: 1000 + slow, daddr: '10.0.5.5', connectLatencyMs: slowMs, openedAtMs: atMs }));
  return list;
}

describe('slow handshake findings', () => {
  test("handshakes far above the peer's usual: a warning from 3 in the window", () => {
    const results = run(6, (tick, atMs) => ({ connections: connects(tick, atMs, 20, 2, 300, 1) }));
    assert.equal(only(results[2] ?? [], 'slowHandshake'), undefined);
    const finding = only(results[3] ?? [], 'slowHandshake');
    assert.equal(finding?.id, 'slowHandshake:pid=1234:peer=10.0.5.5:443');
    assert.equal(finding?.severity, 'warning');
    assert.match(finding?.summary ?? '', /3 handshakes in the last 10 s took up to 300 ms \(usually 2 ms\)/);
  });

  test('never critical: slow is not down', () => {
    const results = run(30, (tick, atMs) => ({ connections: connects(tick, atMs, 20, 2, 300, 1) }));
    assert.ok((results[29] ?? []).every((finding) => finding.severity === 'warning'));
  });

  test('no usual yet (fewer than 10 handshakes seen): nothing to compare with', () => {
    const results = run(6, (tick, atMs) => ({ connections: connects(tick, atMs, 5, 2, 300, 1) }));
    assert.deepEqual(results.flat(), []);
  });

  test('many times the usual but only a fraction of a millisecond more (loopback) is nothing', () => {
    const results = run(10, (tick, atMs) => ({ connections: connects(tick, atMs, 20, 0.05, 0.5, 1) }));
    assert.deepEqual(results.flat(), []);
  });
});
