/**
 * TIME_WAIT on the real kernel, with the probes loaded: a connection whose client closed first
 * keeps its row (same cookie, owner kept) as it moves on to TIME_WAIT, one closed before the
 * capture shows as a TIME_WAIT row too, and an orphaned FIN_WAIT2 reads FIN_WAIT2 whether the
 * capture saw it close or found it at start — each count as `ss -tan` lists them.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Capture } from '../../src/app/capture.js';
import { openEnrichment } from '../../src/enrich/enrichment.js';
import type { ConnectionSnapshot, ModelSnapshot } from '../../src/model/snapshot-types.js';
import { hostPaths } from '../../src/probes/host-paths.js';
import { LiveSource } from '../../src/sources/live-source.js';
import { startNamespacePile, type NamespacePile } from '../support/namespace-pile.js';

const SERVER_PORT = 5000;

function clientRows(snapshot: ModelSnapshot, netns: number, state: ConnectionSnapshot['state']): ConnectionSnapshot[] {
  return snapshot.connections.filter((connection) => connection.netns === netns && connection.dport === SERVER_PORT && connection.state === state);
}

describe('TIME_WAIT and orphaned FIN_WAIT2 rows', () => {
  let pile: NamespacePile;
  let capture: Capture;
  let snapshot: ModelSnapshot;
  let duringCookies: Set<number>;

  before(async () => {
    pile = await startNamespacePile(`nst-gauges-${process.pid}-c`, SERVER_PORT);
    // Before the capture: 4 client-closed connections in TIME_WAIT, 3 orphans in FIN_WAIT2.
    await pile.run('open 7');
    await pile.run('timewait 4');
    await pile.run('closewait 3');
    const paths = hostPaths();
    capture = new Capture(
      (sink) => new LiveSource({ ringBufferBytes: 1 << 20, drainIntervalMs: 50, paths, enrichment: openEnrichment({ paths, showSecrets: false }, Date.now()) }, sink),
      { hostname: 'test', kernel: 'test' },
    );
    capture.tick();
    // During the capture: 10 more, opened, then the same closes.
    await pile.run('open 10');
    const opened = capture.tick();
    const before = new Set(clientRows(opened, pile.netns, 'ESTABLISHED').filter((row) => !row.preexisting).map((row) => row.id));
    await pile.run('timewait 4');
    await pile.run('closewait 3');
    await sleep(100);
    capture.tick();
    snapshot = capture.tick();
    duringCookies = before;
  });

  after(async () => {
    await capture.stop();
    pile.remove();
  });

  it('shows as many TIME_WAIT and FIN_WAIT2 rows as ss -tan lists', () => {
    assert.equal(clientRows(snapshot, pile.netns, 'TIME_WAIT').length, pile.ssCount('time-wait'));
    assert.equal(clientRows(snapshot, pile.netns, 'TIME_WAIT').length, 8);
    assert.equal(clientRows(snapshot, pile.netns, 'FIN_WAIT2').length, pile.ssCount('fin-wait-2'));
    assert.equal(clientRows(snapshot, pile.netns, 'FIN_WAIT2').length, 6);
  });

  it('moves a connection that closed during the capture on to TIME_WAIT in its own row, owner kept', () => {
    assert.equal(duringCookies.size, 10, 'the ten connections opened during the capture were seen');
    const moved = clientRows(snapshot, pile.netns, 'TIME_WAIT').filter((row) => duringCookies.has(row.id));
    assert.equal(moved.length, 4);
    for (const row of moved) {
      assert.equal(row.owner.pid, pile.pid, 'the owner stays on the row');
      assert.equal(row.preexisting, false);
      assert.notEqual(row.closedAtMs, null, 'the connection is over for its application');
      assert.equal(row.stateHistory.at(-1)?.state, 'TIME_WAIT');
      assert.ok(!row.stateHistory.some((stay) => stay.state === 'CLOSE'), 'no CLOSE stay before the TIME_WAIT it became');
    }
    const cookies = snapshot.connections.map((row) => row.id);
    assert.equal(new Set(cookies).size, cookies.length, 'one row per cookie');
  });

  it('shows the connections closed before the capture as TIME_WAIT and FIN_WAIT2 rows', () => {
    const earlier = (state: ConnectionSnapshot['state']) => clientRows(snapshot, pile.netns, state).filter((row) => !duringCookies.has(row.id));
    assert.equal(earlier('TIME_WAIT').length, 4);
    assert.ok(earlier('TIME_WAIT').every((row) => row.preexisting));
    assert.equal(earlier('FIN_WAIT2').length, 3);
  });

  it('reads an orphan FIN_WAIT2 the same whether it closed during the capture or before', () => {
    const orphans = clientRows(snapshot, pile.netns, 'FIN_WAIT2');
    assert.equal(orphans.filter((row) => duringCookies.has(row.id)).length, 3);
    assert.equal(orphans.filter((row) => !duringCookies.has(row.id)).length, 3);
  });

  it('counts them in the gauges as well', () => {
    const namespace = snapshot.gauges.namespaces.find((entry) => entry.netns === pile.netns);
    assert.equal(namespace?.timeWait, 8);
    assert.equal(namespace?.closeWait, pile.ssCount('close-wait'));
    assert.equal(namespace?.closeWait, 6);
  });
});
