/**
 * Churn on the real kernel: `netscope --json --duration 0` runs while a named process opens
 * and closes thousands of short loopback connections for ten seconds. Netscope must count every
 * one of them, name their owner, stay under 300 MB and leave nothing loaded behind.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { sampleMemory, startChurn, type ChurnListening, type ChurnResult, type ChurnRun, type MemorySample } from '../support/churn.js';
import { programsLeftAfter, runNetscope, waitForProbes, type NetscopeRun } from '../support/processes.js';

type ConnectionDocument = SnapshotDocument['connections'][number];

const CHURN_TITLE = 'ns-churn';
const CHURN_SECONDS = 10;
/**
 * Paced so both ends of every connection (2 × 4,000 = 8,000 closed connections) fit in the
 * table's 10,000 kept closed connections with room for the host's other traffic: nothing of the
 * generator's is evicted, so the document can be checked connection by connection.
 */
const CHURN_RATE_PER_SECOND = 400;
const CHURN_MAX_CONNECTIONS = CHURN_RATE_PER_SECOND * CHURN_SECONDS;
const CHURN_CONCURRENCY = 32;
const RSS_SAMPLE_MS = 500;
const RSS_LIMIT_BYTES = 300 * 1024 * 1024;
const MiB = 1024 * 1024;

/** Both ends of a connection to the generator's server: its port on either side, on loopback. */
function isGenerators(entry: ConnectionDocument, port: number): boolean {
  return entry.protocol === 'tcp' && ((entry.saddr === '127.0.0.1' && entry.sport === port) || (entry.daddr === '127.0.0.1' && entry.dport === port));
}

describe('netscope --json under ten seconds of connection churn', () => {
  let netscope: NetscopeRun | null = null;
  let churn: ChurnRun | null = null;
  let listening: ChurnListening;
  let made: ChurnResult;
  let exit: Awaited<NetscopeRun['done']>;
  let document: SnapshotDocument;
  let memory: MemorySample[];
  let runtimeMs: number;

  before(
    async () => {
      const startedAtMs = performance.now();
      netscope = runNetscope(['--json', '--duration', '0', '-d', '500']);
      const netscopePid = netscope.child.pid!;
      await waitForProbes(netscopePid);
      const sampler = sampleMemory(netscopePid, RSS_SAMPLE_MS);
      memory = sampler.samples;

      churn = startChurn({
        title: CHURN_TITLE,
        connections: CHURN_MAX_CONNECTIONS,
        seconds: CHURN_SECONDS,
        concurrency: CHURN_CONCURRENCY,
        rate: CHURN_RATE_PER_SECOND,
      });
      listening = await churn.listening;
      made = await churn.done;

      // The sampler runs on until netscope has gone: writing the document is part of its peak.
      exit = await netscope.stop();
      sampler.stop();
      runtimeMs = performance.now() - startedAtMs;
      assert.equal(exit.code, 0, `netscope exited ${exit.code ?? exit.signal}: ${exit.stderr}`);
      document = JSON.parse(exit.stdout) as SnapshotDocument;
    },
    { timeout: 50_000 },
  );

  after(() => {
    churn?.stop();
    if (netscope && netscope.child.exitCode === null && netscope.child.signalCode === null) netscope.child.kill('SIGKILL');
  });

  it('made thousands of connections in ten seconds, every connect succeeding', (t: TestContext) => {
    t.diagnostic(`churn: ${JSON.stringify(made)}; whole capture ${(runtimeMs / 1000).toFixed(1)} s`);
    assert.equal(made.failed, 0, 'a connect to its own loopback server failed');
    assert.equal(made.completed, made.made, 'every connection exchanged request and reply and closed cleanly');
    assert.ok(made.made >= 2_000, `only ${made.made} connections made`);
    assert.ok(made.seconds >= CHURN_SECONDS - 1, `the churn lasted only ${made.seconds} s`);
  });

  it('exited 0 after SIGINT with nothing on stderr, its probes all attached', () => {
    assert.equal(exit.code, 0);
    assert.equal(exit.stderr, '');
    assert.ok(
      document.source.probes.every((probe) => probe.status === 'attached'),
      JSON.stringify(document.source.probes),
    );
  });

  /*
   * How the count is checked. Totals are host-wide, and every loopback connection is two
   * sockets (the client's and the accepted one), both the generator's since its server runs in
   * the same process. The table keeps every closed connection here (nothing evicted: see
   * CHURN_RATE_PER_SECOND), so the document itself says which opened connections were the
   * generator's (its server port on either side) and which were the rest of the host's:
   *   - the generator's entries, all born during the capture, number exactly 2 × made;
   *   - totals.connectionsOpened is exactly those plus the other entries born during the capture
   *     (every opening is counted once, and an entry only leaves the table by eviction).
   * Lost events may only lower the counts (an opening missed entirely shows as a preexisting
   * entry or none), by at most one connection per lost event, and the assertion says so.
   */
  it('counts both ends of every connection the generator made', (t: TestContext) => {
    const { totals } = document;
    const lost = document.source.lostEvents;
    const generators = document.connections.filter((entry) => isGenerators(entry, listening.port));
    const generatorsBorn = generators.filter((entry) => !entry.preexisting);
    // TCP only, as the totals count: a datagram anywhere on the host makes a UDP flow, born too.
    const othersBorn = document.connections.filter((entry) => entry.protocol === 'tcp' && !isGenerators(entry, listening.port) && !entry.preexisting);
    const takenForPreexisting = generators.find((entry) => entry.preexisting);
    const example = takenForPreexisting
      ? `; e.g. the generator's ${takenForPreexisting.sport}→${takenForPreexisting.dport} marked preexisting, opened ${takenForPreexisting.openedAt}, ` +
        `history ${takenForPreexisting.stateHistory.map((stay) => `${stay.state}@${stay.at.slice(11)}`).join(' ')}`
      : '';
    const figures =
      `made ${made.made} (× 2 = ${2 * made.made}); generator's entries ${generators.length}, born during the capture ` +
      `${generatorsBorn.length}; other entries born ${othersBorn.length}; totals.connectionsOpened ${totals.connectionsOpened}, ` +
      `connectionsClosed ${totals.connectionsClosed}, evicted ${totals.evicted}; lostEvents ${lost}` +
      example;
    t.diagnostic(figures);
    const lossNote = lost === 0 ? '' : ` — netscope lost ${lost} events, which may only lower the count`;

    assert.ok(generators.length <= 2 * made.made, `more entries than sockets: ${figures}`);
    assert.ok(totals.connectionsOpened >= 2 * made.made - lost, `connectionsOpened below 2 × made${lossNote}: ${figures}`);
    if (lost > 0) {
      assert.ok(generatorsBorn.length >= 2 * made.made - lost, `generator's entries short by more than the loss${lossNote}: ${figures}`);
      return;
    }
    assert.equal(totals.evicted, 0, `the host's other traffic pushed the table past its 10,000 closed connections: ${figures}`);
    assert.equal(generatorsBorn.length, 2 * made.made, `generator's connections born during the capture ≠ 2 × made: ${figures}`);
    assert.equal(
      totals.connectionsOpened,
      generatorsBorn.length + othersBorn.length,
      `connectionsOpened ≠ entries born during the capture (generator's + others'): ${figures}`,
    );
  });

  /*
   * Under loss an owner may stay unknown (the socket was gone before /proc could name it) and a
   * close may not be swept yet when the capture stops; a wrong owner is never acceptable.
   */
  it('names the generator as the owner of both ends, and saw every connection close', (t: TestContext) => {
    const generators = document.connections.filter((entry) => isGenerators(entry, listening.port));
    const lost = document.source.lostEvents;
    const wrongOwner = generators.filter((entry) => entry.pid !== null && (entry.pid !== listening.pid || entry.comm !== CHURN_TITLE));
    const unowned = generators.filter((entry) => entry.pid === null);
    const clients = generators.filter((entry) => entry.daddr === '127.0.0.1' && entry.dport === listening.port);
    // The end that closed first lives on as TIME_WAIT (the kernel's timewait sock): closed all the same.
    const stillOpen = generators.filter((entry) => (entry.state !== 'CLOSE' && entry.state !== 'TIME_WAIT') || entry.closedAt === null);
    t.diagnostic(`${generators.length} generator entries: ${clients.length} client ends, ${unowned.length} without an owner, ${stillOpen.length} not closed`);
    assert.deepEqual(
      wrongOwner.slice(0, 5).map((entry) => ({ sport: entry.sport, dport: entry.dport, pid: entry.pid, comm: entry.comm })),
      [],
      `${wrongOwner.length} of ${generators.length} entries owned by another process than ${CHURN_TITLE} (pid ${listening.pid})`,
    );
    if (lost > 0) {
      t.diagnostic(`netscope lost ${lost} events: owners and closes are checked for wrong values only`);
      return;
    }
    const firstUnowned = unowned[0];
    assert.equal(
      unowned.length,
      0,
      `${unowned.length} of ${generators.length} generator entries without an owner, e.g. ` +
        JSON.stringify(firstUnowned && { id: firstUnowned.id, sport: firstUnowned.sport, dport: firstUnowned.dport, state: firstUnowned.state, preexisting: firstUnowned.preexisting }),
    );
    assert.equal(clients.length, generators.length / 2, `client ends ${clients.length} of ${generators.length} entries`);
    assert.equal(stillOpen.length, 0, `${stillOpen.length} generator connections not closed, e.g. ${JSON.stringify(stillOpen[0]?.stateHistory)}`);
  });

  it('kept its resident memory under 300 MB', (t: TestContext) => {
    assert.ok(memory.length >= (CHURN_SECONDS * 1000) / RSS_SAMPLE_MS, `only ${memory.length} RSS samples`);
    const peakSampled = Math.max(...memory.map((sample) => sample.rssBytes));
    const highWater = Math.max(...memory.map((sample) => sample.peakRssBytes));
    const first = memory[0]!;
    t.diagnostic(
      `RSS ${(first.rssBytes / MiB).toFixed(1)} MiB after the probes loaded, peak sampled ${(peakSampled / MiB).toFixed(1)} MiB, ` +
        `high-water mark ${(highWater / MiB).toFixed(1)} MiB (${memory.length} samples every ${RSS_SAMPLE_MS} ms)`,
    );
    assert.ok(peakSampled < RSS_LIMIT_BYTES, `peak VmRSS ${(peakSampled / MiB).toFixed(1)} MiB`);
    assert.ok(highWater < RSS_LIMIT_BYTES, `VmHWM ${(highWater / MiB).toFixed(1)} MiB`);
  });

  it('leaves no BPF program loaded', async () => {
    assert.deepEqual(await programsLeftAfter(), []);
  });
});
