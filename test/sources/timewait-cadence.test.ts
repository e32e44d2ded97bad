/**
 * Many TIME_WAIT sockets on the real kernel: a namespace holding 4,096 or more has them sampled
 * one pass in five, and between those passes its rows stay TIME_WAIT (no sweep closes them) and
 * its gauges keep their counts (TIME_WAIT, ephemeral ports held, those of its open connections
 * to the same destination added); a namespace holding few is sampled every pass.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Capture } from '../../src/app/capture.js';
import { openEnrichment } from '../../src/enrich/enrichment.js';
import { TcpState } from '../../src/model/records.js';
import type { ModelSnapshot } from '../../src/model/snapshot-types.js';
import { hostPaths } from '../../src/probes/host-paths.js';
import { LiveSource } from '../../src/sources/live-source.js';
import { TIME_WAIT_EVERY_PASS_BELOW, TIME_WAIT_PASS_TICKS } from '../../src/sources/socket-pass.js';
import { startNamespacePile, type NamespacePile } from '../support/namespace-pile.js';

const SERVER_PORT = 5000;
const MANY = TIME_WAIT_EVERY_PASS_BELOW + 100;
const FEW = 3;
/** Connections still open beside the crowded namespace's TIME_WAIT sockets, to the same server: their ports add to the same destination's. */
const STILL_OPEN = 7;
const TICKS = 2 * TIME_WAIT_PASS_TICKS + 1;

interface Tick {
  /** TIME_WAIT samples of the crowded namespace, and of the quiet one, in this tick's pass. */
  crowdedSamples: number;
  quietSamples: number;
  snapshot: ModelSnapshot;
}

describe('TIME_WAIT sockets by the thousand', () => {
  let crowded: NamespacePile;
  let quiet: NamespacePile;
  let capture: Capture;
  const ticks: Tick[] = [];

  before(async () => {
    crowded = await startNamespacePile(`nst-twcad-${process.pid}-a`, SERVER_PORT);
    quiet = await startNamespacePile(`nst-twcad-${process.pid}-b`, SERVER_PORT);
    await crowded.run(`open ${MANY}`);
    await crowded.run(`timewait ${MANY}`);
    await crowded.run(`open ${STILL_OPEN}`);
    await quiet.run(`open ${FEW}`);
    await quiet.run(`timewait ${FEW}`);
    const paths = hostPaths();
    capture = new Capture(
      (sink) => new LiveSource({ ringBufferBytes: 1 << 22, drainIntervalMs: 50, paths, enrichment: openEnrichment({ paths, showSecrets: false }, Date.now()) }, sink),
      { hostname: 'test', kernel: 'test' },
      // Room for every TIME_WAIT row on a host that just churned too (up to tcp_max_tw_buckets):
      // evicting some of the crowded namespace's would make its row count the host's business.
      { maxClosedConnections: 150_000 },
    );
    let crowdedSamples = 0;
    let quietSamples = 0;
    capture.observe({
      record: (record) => {
        if (record.kind !== 'sample' || record.state !== TcpState.TIME_WAIT) return;
        if (record.endpoints.netns === crowded.netns) crowdedSamples++;
        if (record.endpoints.netns === quiet.netns) quietSamples++;
      },
    });
    for (let tick = 0; tick < TICKS; tick++) {
      crowdedSamples = 0;
      quietSamples = 0;
      const snapshot = capture.tick();
      ticks.push({ crowdedSamples, quietSamples, snapshot });
    }
  });

  after(async () => {
    await capture?.stop();
    crowded?.remove();
    quiet?.remove();
  });

  it('samples the crowded namespace\'s TIME_WAIT sockets one pass in five (the first, the sixth, the eleventh)', () => {
    assert.deepEqual(
      ticks.map((tick) => tick.crowdedSamples > 0),
      ticks.map((_, index) => index % TIME_WAIT_PASS_TICKS === 0),
    );
    assert.equal(ticks[0]?.crowdedSamples, crowded.ssCount('time-wait'));
  });

  it('samples the quiet namespace\'s every pass', () => {
    assert.deepEqual(ticks.map((tick) => tick.quietSamples), Array<number>(TICKS).fill(FEW));
  });

  it('keeps the crowded namespace\'s rows in TIME_WAIT and its gauges between those passes', () => {
    const expected = crowded.ssCount('time-wait');
    for (const [index, { snapshot }] of ticks.entries()) {
      const rows = snapshot.connections.filter((row) => row.netns === crowded.netns && row.dport === SERVER_PORT);
      assert.equal(rows.filter((row) => row.state === 'TIME_WAIT').length, expected, `tick ${index}: TIME_WAIT rows`);
      assert.equal(rows.filter((row) => row.state === 'CLOSE').length, 0, `tick ${index}: no row swept to CLOSE`);
      const gauges = snapshot.gauges.namespaces.find((entry) => entry.netns === crowded.netns);
      assert.equal(gauges?.timeWait, expected, `tick ${index}: the gauge`);
      const toServer = gauges?.ephemeralPortsByDestination.find((destination) => destination.daddr === '127.0.0.1' && destination.dport === SERVER_PORT);
      assert.equal(toServer?.ports, expected + STILL_OPEN, `tick ${index}: the ports the TIME_WAIT sockets and the open ones hold`);
      const destinations = gauges!.ephemeralPortsByDestination.map((destination) => `${destination.daddr}:${destination.dport}`);
      assert.equal(new Set(destinations).size, destinations.length, `tick ${index}: each destination listed once`);
    }
  });
});
