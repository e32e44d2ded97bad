/**
 * `netscope --headless --prometheus` scraped by a real Prometheus: a named client sends a known
 * byte count over loopback through an nftables rule that drops some of its packets, exits, and
 * its connections are evicted from netscope's table — Prometheus must still hold its final
 * counts within 1%, its retransmits, and the server's drops. Also: a port already in use, and
 * requests no scraper sends, which netscope answers and outlives.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it, type TestContext } from 'node:test';
import { programsLeftAfter, runNetscope, startPeer, waitForProbes, waitUntilCapturing, type NetscopeRun, type Peer } from '../support/processes.js';
import { freePort } from '../support/free-port.js';
import { rawExchange, requestHead } from '../support/raw-http.js';
import { parseExposition, samplesOf } from '../export/prometheus-exposition.js';

const CLIENT_SENDS = 1_000_000;
/** SYN and FIN count one byte each in the kernel's byte counters. */
const HANDSHAKE_BYTES = 2;
const NFT_TABLE = 'netscope_test_prometheus';
const QUERY_DEADLINE_MS = 30_000;


function assertNearTruth(actual: number, truth: number, what: string): void {
  const tolerance = truth * 0.01 + HANDSHAKE_BYTES;
  assert.ok(Math.abs(actual - truth) <= tolerance, `${what}: ${actual} is not within 1% (+${HANDSHAKE_BYTES}) of ${truth}`);
}

/** Why Prometheus cannot run here, or null. */
function prometheusMissing(): string | null {
  const probe = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined) return `the prometheus binary is not available (${probe.error.message}) — scripts/setup --tests installs Debian's prometheus package`;
  return null;
}

interface PrometheusServer {
  child: ChildProcess;
  port: number;
  log: () => string;
}

async function startPrometheus(directory: string, port: number, targetPort: number): Promise<PrometheusServer> {
  const config = path.join(directory, 'prometheus.yml');
  writeFileSync(
    config,
    `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: netscope
    static_configs:
      - targets: ['127.0.0.1:${targetPort}']
`,
  );
  const child = spawn(
    'prometheus',
    [`--config.file=${config}`, `--storage.tsdb.path=${path.join(directory, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${log.trim().split('\n').at(-1)}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/-/ready`)).ok) return { child, port, log: () => log };
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  child.kill('SIGKILL');
  throw new Error(`prometheus did not become ready within 20 s: ${log.trim().split('\n').at(-1)}`);
}

interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

async function query(prometheus: PrometheusServer, promql: string): Promise<QueryResult[]> {
  const response = await fetch(`http://127.0.0.1:${prometheus.port}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await response.json()) as { status: string; error?: string; data: { result: QueryResult[] } };
  assert.equal(body.status, 'success', `${promql}: ${body.error}`);
  return body.data.result;
}

/** The value of a query that names one series, once `accept` takes it (asked every 500 ms until the deadline). */
async function valueWhen(prometheus: PrometheusServer, promql: string, accept: (value: number) => boolean): Promise<number> {
  const deadline = Date.now() + QUERY_DEADLINE_MS;
  let last: QueryResult[] = [];
  while (Date.now() < deadline) {
    last = await query(prometheus, promql);
    if (last.length === 1 && accept(Number(last[0]?.value[1]))) return Number(last[0]?.value[1]);
    await sleep(500);
  }
  assert.fail(`${promql} never gave an accepted single value within ${QUERY_DEADLINE_MS} ms; last answer: ${JSON.stringify(last)}`);
}

/** Waits until netscope's /metrics has a series for the process `comm` (its listener's owner is known). */
async function listenerSeriesShown(metricsPort: number, comm: string): Promise<void> {
  const deadline = Date.now() + QUERY_DEADLINE_MS;
  while (Date.now() < deadline) {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    if (text.includes(`process="${comm}"`)) return;
    await sleep(100);
  }
  assert.fail(`netscope's /metrics never named ${comm}'s listener within ${QUERY_DEADLINE_MS} ms`);
}

describe('netscope --prometheus scraped by a real Prometheus', () => {
  const missing = prometheusMissing();
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-prometheus-'));
  const peers: Peer[] = [];
  let netscope: NetscopeRun | null = null;
  let prometheus: PrometheusServer | null = null;
  let serverPort = 0;

  const skipped = (t: TestContext): boolean => {
    if (missing === null) return false;
    t.skip(missing);
    return true;
  };

  before(async () => {
    if (missing !== null) {
      process.stderr.write(`prometheus.test: skipping — ${missing}\n`);
      return;
    }
    const metricsPort = await freePort();
    serverPort = await freePort();
    // Every fifth data-carrying packet to the server is dropped on arrival: the client must
    // retransmit, and the server's socket sees NETFILTER_DROP (as in json-capture.test.ts).
    execFileSync('nft', ['-f', '-'], {
      input: `table inet ${NFT_TABLE} {
        chain input { type filter hook input priority 0; tcp dport ${serverPort} meta length > 200 numgen inc mod 5 == 1 drop; }
      }`,
    });
    // Closed connections leave the table after 1 s: the series must outlive them.
    netscope = runNetscope(['--headless', '--prometheus', `127.0.0.1:${metricsPort}`, '--interval', '500', '--keep-closed', '1']);
    await waitUntilCapturing(netscope.child.pid!);
    prometheus = await startPrometheus(scratch, await freePort(), metricsPort);

    const server = startPeer('server', 'ns-prom-server', '127.0.0.1', serverPort, 0);
    peers.push(server);
    await server.next('listening');
    // The server's drops count under its name only once netscope knows the listener's owner: a
    // drop counted before its socket had an owner goes to the unattributed series. Under a full
    // test run the client's whole exchange could come before the first pass saw the listener.
    await listenerSeriesShown(metricsPort, 'ns-prom-server');
    const client = startPeer('client', 'ns-prom-client', '127.0.0.1', serverPort, CLIENT_SENDS);
    peers.push(client);
    await client.next('closed');
    await new Promise((resolve) => (client.child.exitCode === null ? client.child.once('exit', resolve) : resolve(null)));
  });

  after(async () => {
    for (const peer of peers) peer.stop();
    prometheus?.child.kill('SIGTERM');
    if (prometheus !== null && prometheus.child.exitCode === null) await new Promise((resolve) => prometheus!.child.once('exit', resolve));
    if (netscope !== null && netscope.child.exitCode === null) {
      const result = await netscope.stop('SIGTERM');
      assert.equal(result.code, 0, `netscope exited ${result.code}: ${result.stderr}`);
      assert.equal(result.stderr, '');
    }
    // Not there when the rule was never made (skipped, or `before` failed early): spawnSync does not throw.
    spawnSync('nft', ['delete', 'table', 'inet', NFT_TABLE], { stdio: 'ignore' });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('is scraped: the target is up', async (t) => {
    if (skipped(t)) return;
    await valueWhen(prometheus!, 'up{job="netscope"}', (value) => value === 1);
    const targets = (await (await fetch(`http://127.0.0.1:${prometheus!.port}/api/v1/targets`)).json()) as {
      data: { activeTargets: { health: string; lastError: string }[] };
    };
    assert.deepEqual(
      targets.data.activeTargets.map((target) => [target.health, target.lastError]),
      [['up', '']],
    );
  });

  it("keeps the exited client's final byte count, within 1%, after its connections were evicted", async (t) => {
    if (skipped(t)) return;
    // Both ends of the connection evicted from netscope's table (--keep-closed 1), and scraped since.
    await valueWhen(prometheus!, 'netscope_evicted_connections_total', (value) => value >= 2);
    await sleep(2500);
    const sent = await valueWhen(prometheus!, 'netscope_bytes_sent_total{process="ns-prom-client"}', (value) => value >= CLIENT_SENDS * 0.99);
    assertNearTruth(sent, CLIENT_SENDS, 'client bytes sent');
    const received = await valueWhen(prometheus!, 'netscope_bytes_received_total{process="ns-prom-server"}', (value) => value >= CLIENT_SENDS * 0.99);
    assertNearTruth(received, CLIENT_SENDS, 'server bytes received');
    t.diagnostic(`from Prometheus: client sent ${sent}, server received ${received} (truth ${CLIENT_SENDS})`);
    const series = await query(prometheus!, 'netscope_bytes_sent_total{process="ns-prom-client"}');
    assert.deepEqual(Object.keys(series[0]?.metric ?? {}).sort(), ['__name__', 'instance', 'job', 'process'], 'host process: no container labels, no pid');
  });

  it("has the client's retransmits and the server's drops by kernel reason", async (t) => {
    if (skipped(t)) return;
    const retransmits = await valueWhen(prometheus!, 'netscope_retransmits_total{process="ns-prom-client"}', (value) => value >= 1);
    assert.ok(retransmits >= 1, `retransmits ${retransmits}`);
    const drops = await valueWhen(prometheus!, 'netscope_drops_total{process="ns-prom-server",reason="NETFILTER_DROP"}', (value) => value >= 1);
    assert.ok(drops >= 1, `drops ${drops}`);
    t.diagnostic(`from Prometheus: ${retransmits} retransmits, ${drops} NETFILTER_DROP drops`);
  });

  it("has the client's connect latency and the self-metrics", async (t) => {
    if (skipped(t)) return;
    await valueWhen(prometheus!, 'netscope_connect_latency_seconds_count{process="ns-prom-client"}', (value) => value === 1);
    await valueWhen(prometheus!, 'netscope_tick_duration_seconds_count', (value) => value >= 2);
    await valueWhen(prometheus!, 'netscope_lost_events_total', (value) => value === 0);
    // Prometheus' own scrapes are never refused.
    await valueWhen(prometheus!, 'sum(netscope_metrics_request_errors_total) + sum(netscope_metrics_connections_refused_total)', (value) => value === 0);
    const names = (await query(prometheus!, 'count by (__name__) ({__name__=~"netscope_.+"})')).map((result) => result.metric.__name__).sort();
    for (const name of [
      'netscope_bytes_sent_total',
      'netscope_bytes_received_total',
      'netscope_retransmits_total',
      'netscope_resets_sent_total',
      'netscope_resets_received_total',
      'netscope_drops_total',
      'netscope_connections',
      'netscope_connect_latency_seconds_bucket',
      'netscope_rtt_seconds_bucket',
      'netscope_lost_events_total',
      'netscope_evicted_connections_total',
      'netscope_tick_duration_seconds_bucket',
      'netscope_metrics_request_errors_total',
      'netscope_metrics_connections_refused_total',
    ]) {
      assert.ok(names.includes(name), `${name} missing from ${names.join(', ')}`);
    }
  });
});

describe('netscope --prometheus on a port in use', () => {
  it('exits 2 with one line naming the address and the flag, and releases the probes', async () => {
    const occupant = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => occupant.once('listening', resolve));
    const { port } = occupant.address() as net.AddressInfo;
    try {
      const { code, stdout, stderr } = await runNetscope(['--headless', '--prometheus', `127.0.0.1:${port}`]).done;
      assert.equal(code, 2);
      assert.equal(stdout, '');
      assert.equal(stderr, `netscope: cannot serve Prometheus metrics on 127.0.0.1:${port}: address in use — choose another port with --prometheus\n`);
      assert.deepEqual(await programsLeftAfter(), []);
    } finally {
      await new Promise((resolve) => occupant.close(resolve));
    }
  });
});

/** The text of `GET /metrics` on `port`, once it answers (the endpoint opens while netscope starts). */
async function metricsText(port: number): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      assert.equal(response.status, 200);
      return await response.text();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

describe('netscope --prometheus given request-targets new URL throws on', () => {
  it('answers each with a 4xx, counts them, keeps serving, and exits 0 when stopped', async () => {
    const port = await freePort();
    const netscope = runNetscope(['--headless', '--prometheus', `127.0.0.1:${port}`, '--interval', '500']);
    try {
      await waitForProbes(netscope.child.pid!);
      await metricsText(port);
      const answers: Record<string, number[]> = {};
      for (const target of ['http://[', '//[', '//user@/', '//x:99999/']) {
        answers[target] = (await rawExchange(port, [requestHead('GET', target)])).statuses;
      }
      assert.deepEqual(answers, { 'http://[': [400], '//[': [400], '//user@/': [404], '//x:99999/': [404] });
      // Longer than a tick: a failure outside the request would have ended the process by now.
      await sleep(1000);
      assert.equal(netscope.child.exitCode, null, 'netscope is still running');
      const all = parseExposition(await metricsText(port));
      const counted = Object.fromEntries(samplesOf(all, 'netscope_metrics_request_errors_total').map((sample) => [sample.labels.reason, sample.value]));
      assert.equal(counted.bad_request, 2);
      assert.equal(counted.not_found, 2);
      assert.ok(samplesOf(all, 'netscope_tick_duration_seconds_count')[0]!.value >= 1, 'and it is still capturing');
    } finally {
      if (netscope.child.exitCode === null) netscope.child.kill('SIGTERM');
    }
    const { code, stderr } = await netscope.done;
    assert.equal(code, 0, `netscope exited ${code}: ${stderr}`);
    assert.equal(stderr, '');
    assert.deepEqual(await programsLeftAfter(), []);
  });
});
