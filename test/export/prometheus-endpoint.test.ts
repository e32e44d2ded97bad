import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { MetricsObserver } from '../../src/export/metrics-observer.js';
import { PrometheusEndpoint } from '../../src/export/prometheus-endpoint.js';
import { DEFAULT_SCRAPE_SERVER_LIMITS, type ScrapeServerLimits } from '../../src/export/scrape-server.js';
import { SERIES_RETENTION_MS, TrafficCounters, type TrafficSeries } from '../../src/export/traffic-counters.js';
import { zeroTotals } from '../../src/model/capture-totals.js';
import type { ModelSnapshot } from '../../src/model/snapshot-types.js';
import type { Finding } from '../../src/findings/finding.js';
import { openFinding } from '../findings/finding-builders.js';
import { NOW, connection, containerIdentity, flowLimit, snapshot } from '../ui/view-model/snapshot-builder.js';
import { openRawConnection, rawExchange, requestHead, serverCloses, statusesIn, type RawConnection } from '../support/raw-http.js';
import { parseExposition, samplesOf, type Sample } from './prometheus-exposition.js';
import { seededRandom } from '../support/seeded-random.js';

const web = containerIdentity({ name: 'web', pod: 'web-0', namespace: 'prod' });
const NGINX = { process: 'nginx', container: 'web', pod: 'web-0', namespace: 'prod' };

function firstSnapshot(): ModelSnapshot {
  return snapshot({
    atMs: NOW,
    connections: [
      connection({
        id: 1,
        bytesSent: 4096,
        bytesReceived: 65536,
        retransmits: 2,
        resetsSent: 1,
        drops: [
          { reason: 'NETFILTER_DROP', class: 'matters', count: 2 },
          { reason: 'QUEUE_PURGE', class: 'housekeeping', count: 5 },
        ],
        connectLatencyMs: 12,
        srttMs: 0.5,
        owner: { pid: 10, comm: 'nginx', container: web },
      }),
      connection({ id: 2, state: 'CLOSE', closedAtMs: NOW - 5, bytesSent: 1, connectLatencyMs: null, owner: { pid: 11, comm: 'curl' } }),
    ],
    totals: { ...zeroTotals(), bytesSent: 4097, bytesReceived: 65536, retransmits: 2, lostEvents: 3, evicted: 2 },
    drops: [
      { reason: 'QUEUE_PURGE', class: 'housekeeping', count: 5 },
      { reason: 'NETFILTER_DROP', class: 'matters', count: 2 },
    ],
    containerStateProblems: { symlink: 1 },
  });
}

async function scrape(endpoint: PrometheusEndpoint, path = '/metrics', method = 'GET'): Promise<Response> {
  return fetch(`http://127.0.0.1:${endpoint.address.port}${path}`, { method });
}

async function samples(endpoint: PrometheusEndpoint): Promise<Sample[]> {
  const response = await scrape(endpoint);
  assert.equal(response.status, 200);
  return parseExposition(await response.text());
}

function only(found: Sample[], what: string): Sample {
  assert.equal(found.length, 1, `one ${what} (found ${JSON.stringify(found)})`);
  return found[0] as Sample;
}

describe('Prometheus endpoint: findings', () => {
  test('netscope_findings gauges the open findings by kind and severity, every pair from 0', async () => {
    const counters = new TrafficCounters({ peerLabelLimit: 0 });
    const endpoint = await PrometheusEndpoint.serve({ host: '127.0.0.1', port: 0 }, counters, { peerLabels: false });
    let findings: Finding[] = [];
    const observer = new MetricsObserver(counters, [endpoint], () => NOW + 15, () => findings);
    try {
      observer.tick(firstSnapshot());
      let all = await samples(endpoint);
      assert.equal(samplesOf(all, 'netscope_findings', {}).length, 10 * 3);
      assert.ok(samplesOf(all, 'netscope_findings', {}).every((sample) => sample.value === 0));
      findings = [openFinding('refused', 'critical', 'a'), openFinding('refused', 'critical', 'b'), openFinding('loss', 'warning', 'c'), { ...openFinding('resets', 'warning', 'd'), state: 'resolved' }];
      observer.tick(firstSnapshot());
      all = await samples(endpoint);
      assert.equal(only(samplesOf(all, 'netscope_findings', { kind: 'refused', severity: 'critical' }), 'refused critical').value, 2);
      assert.equal(only(samplesOf(all, 'netscope_findings', { kind: 'loss', severity: 'warning' }), 'loss warning').value, 1);
      // Resolved: no longer open.
      assert.equal(only(samplesOf(all, 'netscope_findings', { kind: 'resets', severity: 'warning' }), 'resets warning').value, 0);
      findings = [];
      observer.tick(firstSnapshot());
      all = await samples(endpoint);
      assert.equal(only(samplesOf(all, 'netscope_findings', { kind: 'refused', severity: 'critical' }), 'refused critical').value, 0);
    } finally {
      await observer.close();
    }
  });
});

describe('Prometheus endpoint', () => {
  let endpoint: PrometheusEndpoint;
  let observer: MetricsObserver;

  before(async () => {
    const counters = new TrafficCounters({ peerLabelLimit: 0 });
    endpoint = await PrometheusEndpoint.serve({ host: '127.0.0.1', port: 0 }, counters, { peerLabels: false });
    // The tick reached the exporters 15 ms after it started.
    observer = new MetricsObserver(counters, [endpoint], () => NOW + 15);
    observer.tick(firstSnapshot());
  });

  after(async () => {
    await observer.close();
  });

  test('serves the text format with the registry content type', async () => {
    const response = await scrape(endpoint);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    assert.match(text, /^# HELP netscope_bytes_sent_total /m);
    assert.match(text, /^# TYPE netscope_bytes_sent_total counter$/m);
    assert.match(text, /^# TYPE netscope_connect_latency_seconds histogram$/m);
  });

  test('counts traffic per process, container, pod and namespace — no pid, no peer', async () => {
    const all = await samples(endpoint);
    assert.equal(only(samplesOf(all, 'netscope_bytes_sent_total', NGINX), 'nginx bytes sent').value, 4096);
    assert.equal(only(samplesOf(all, 'netscope_bytes_received_total', NGINX), 'nginx bytes received').value, 65536);
    assert.equal(only(samplesOf(all, 'netscope_retransmits_total', NGINX), 'nginx retransmits').value, 2);
    assert.equal(only(samplesOf(all, 'netscope_resets_sent_total', NGINX), 'nginx resets sent').value, 1);
    assert.equal(only(samplesOf(all, 'netscope_resets_received_total', NGINX), 'nginx resets received').value, 0);
    assert.equal(only(samplesOf(all, 'netscope_drops_total', { ...NGINX, reason: 'NETFILTER_DROP', class: 'matters' }), 'nginx drops').value, 2);
    // Every reason stays exported; the class label lets a query keep only real loss.
    assert.equal(only(samplesOf(all, 'netscope_drops_total', { ...NGINX, reason: 'QUEUE_PURGE', class: 'housekeeping' }), 'nginx purges').value, 5);
    assert.deepEqual(only(samplesOf(all, 'netscope_bytes_sent_total', { process: 'curl' }), 'curl bytes sent').labels, { process: 'curl' });
    const labelNames = new Set(all.flatMap((sample) => Object.keys(sample.labels)));
    assert.deepEqual([...labelNames].sort(), ['class', 'container', 'kind', 'le', 'namespace', 'pod', 'process', 'reason', 'severity', 'state', 'workload']);
  });

  test('gauges open connections by state', async () => {
    const all = await samples(endpoint);
    assert.equal(only(samplesOf(all, 'netscope_connections', { ...NGINX, state: 'ESTABLISHED' }), 'nginx established').value, 1);
    assert.deepEqual(samplesOf(all, 'netscope_connections', { process: 'curl' }), [], 'closed connections are not counted');
  });

  test('puts connect latency and RTT in second buckets', async () => {
    const all = await samples(endpoint);
    assert.equal(only(samplesOf(all, 'netscope_connect_latency_seconds_count', NGINX), 'latency count').value, 1);
    assert.equal(only(samplesOf(all, 'netscope_connect_latency_seconds_sum', NGINX), 'latency sum').value, 0.012);
    assert.equal(only(samplesOf(all, 'netscope_connect_latency_seconds_bucket', { ...NGINX, le: '0.01' }), 'le 10 ms').value, 0);
    assert.equal(only(samplesOf(all, 'netscope_connect_latency_seconds_bucket', { ...NGINX, le: '0.025' }), 'le 25 ms').value, 1);
    assert.equal(only(samplesOf(all, 'netscope_rtt_seconds_bucket', { ...NGINX, le: '0.0005' }), 'rtt le 0.5 ms').value, 1);
    assert.equal(only(samplesOf(all, 'netscope_rtt_seconds_bucket', { ...NGINX, le: '0.00025' }), 'rtt le 0.25 ms').value, 0);
  });

  test("reports netscope's own health: lost events, evictions, tick duration, container state problems", async () => {
    const all = await samples(endpoint);
    assert.equal(only(samplesOf(all, 'netscope_lost_events_total'), 'lost events').value, 3);
    assert.equal(only(samplesOf(all, 'netscope_evicted_connections_total'), 'evictions').value, 2);
    assert.equal(only(samplesOf(all, 'netscope_tick_duration_seconds_count'), 'ticks').value, 1);
    assert.equal(only(samplesOf(all, 'netscope_tick_duration_seconds_sum'), 'tick time').value, 0.015);
    assert.equal(only(samplesOf(all, 'netscope_container_state_problems_total', { reason: 'symlink' }), 'problems').value, 1);
  });

  test('answers 404 off /metrics and 405 to other methods', async () => {
    assert.equal((await scrape(endpoint, '/')).status, 404);
    assert.equal((await scrape(endpoint, '/metrics/extra')).status, 404);
    const post = await scrape(endpoint, '/metrics', 'POST');
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    assert.equal((await scrape(endpoint, '/metrics?name[]=x')).status, 200);
  });

  test("drops a label set's series, histograms included, once past retention", async () => {
    observer.tick(snapshot({ atMs: NOW + SERIES_RETENTION_MS + 1000, connections: [] }));
    const all = await samples(endpoint);
    assert.deepEqual(samplesOf(all, 'netscope_bytes_sent_total', { process: 'nginx' }), []);
    assert.deepEqual(samplesOf(all, 'netscope_connect_latency_seconds_count', { process: 'nginx' }), []);
    assert.deepEqual(samplesOf(all, 'netscope_rtt_seconds_count', { process: 'nginx' }), []);
    assert.deepEqual(samplesOf(all, 'netscope_connections', { process: 'nginx' }), []);
  });
});

describe('Prometheus endpoint with peer labels', () => {
  test('labels the peer address and port', async () => {
    const counters = new TrafficCounters({ peerLabelLimit: 5 });
    const endpoint = await PrometheusEndpoint.serve({ host: '127.0.0.1', port: 0 }, counters, { peerLabels: true });
    const observer = new MetricsObserver(counters, [endpoint], null);
    try {
      observer.tick(snapshot({ atMs: NOW, connections: [connection({ daddr: '10.1.2.3', dport: 5432, bytesSent: 77 })] }));
      const all = await samples(endpoint);
      assert.equal(only(samplesOf(all, 'netscope_bytes_sent_total', { process: 'curl', peer_address: '10.1.2.3', peer_port: '5432' }), 'peer series').value, 77);
      assert.equal(only(samplesOf(all, 'netscope_tick_duration_seconds_count'), 'ticks').value, 0, 'no tick duration without a wall clock');
    } finally {
      await observer.close();
    }
  });
});

describe('Prometheus endpoint with peer labels and peer names', () => {
  test('labels the peer name where its connection carries one, and leaves it out where none', async () => {
    const counters = new TrafficCounters({ peerLabelLimit: 5 });
    const endpoint = await PrometheusEndpoint.serve({ host: '127.0.0.1', port: 0 }, counters, { peerLabels: true });
    const observer = new MetricsObserver(counters, [endpoint], null);
    try {
      observer.tick(
        snapshot({
          atMs: NOW,
          connections: [
            connection({ id: 1, daddr: '10.96.14.7', dport: 5432, bytesSent: 77, peerName: { name: 'orders-db.prod.svc.cluster.local', source: 'dns', atMs: NOW } }),
            connection({ id: 2, daddr: '10.1.2.3', dport: 443, bytesSent: 5 }),
          ],
        }),
      );
      const all = await samples(endpoint);
      const named = only(samplesOf(all, 'netscope_bytes_sent_total', { peer_address: '10.96.14.7' }), 'named peer series');
      assert.equal(named.labels.peer_name, 'orders-db.prod.svc.cluster.local');
      assert.equal(named.value, 77);
      const unnamed = only(samplesOf(all, 'netscope_bytes_sent_total', { peer_address: '10.1.2.3' }), 'unnamed peer series');
      assert.equal(unnamed.labels.peer_name ?? '', '');
    } finally {
      await observer.close();
    }
  });
});

describe('Prometheus endpoint on a port in use', () => {
  test('is refused with one line naming the address and --prometheus', async () => {
    const occupant = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => occupant.once('listening', resolve));
    const { port } = occupant.address() as net.AddressInfo;
    try {
      await assert.rejects(
        PrometheusEndpoint.serve({ host: '127.0.0.1', port }, new TrafficCounters({ peerLabelLimit: 0 }), { peerLabels: false }),
        (error: unknown) => {
          assert.ok(error instanceof UsageError);
          assert.equal(error.message, `cannot serve Prometheus metrics on 127.0.0.1:${port}: address in use — choose another port with --prometheus`);
          return true;
        },
      );
    } finally {
      await new Promise((resolve) => occupant.close(resolve));
    }
  });

  test('an address this host does not have is refused too', async () => {
    await assert.rejects(
      PrometheusEndpoint.serve({ host: '192.0.2.1', port: 9464 }, new TrafficCounters({ peerLabelLimit: 0 }), { peerLabels: false }),
      /^UsageError: cannot serve Prometheus metrics on 192\.0\.2\.1:9464: no such address on this host/,
    );
  });
});

const LOOPBACK = { host: '127.0.0.1', port: 0 };
const REQUEST_ERRORS = 'netscope_metrics_request_errors_total';
const REFUSED_CONNECTIONS = 'netscope_metrics_connections_refused_total';
/** The reason under which the endpoint counts each status it answers itself. */
const REASON_OF_STATUS: Record<number, string> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'timeout',
  431: 'headers_too_large',
  500: 'handler_failure',
};

/** Both of the endpoint's own counters, by reason (their reasons differ). */
async function refusalCounts(endpoint: PrometheusEndpoint): Promise<Record<string, number>> {
  const all = await samples(endpoint);
  const counts: Record<string, number> = {};
  for (const sample of [...samplesOf(all, REQUEST_ERRORS), ...samplesOf(all, REFUSED_CONNECTIONS)]) counts[sample.labels.reason as string] = sample.value;
  return counts;
}

/** The reasons whose count went up from `before` to `after`, by how much. */
function increase(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).flatMap(([reason, count]) => (count === (before[reason] ?? 0) ? [] : [[reason, count - (before[reason] ?? 0)]])));
}

/** What the counters must have gone up by, for these statuses seen by the clients. */
function countedFor(statuses: number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const status of statuses) {
    const reason = REASON_OF_STATUS[status];
    if (reason !== undefined) counts[reason] = (counts[reason] ?? 0) + 1;
  }
  return counts;
}


interface MalformedRequest {
  what: string;
  send: string[];
  halfClose?: boolean;
  /** The statuses the client receives, in order; none when the connection is only closed. */
  statuses: number[];
}

const KEEP_ALIVE_GET = 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

const MALFORMED_REQUESTS: MalformedRequest[] = [
  { what: 'a lone percent sign', send: [requestHead('GET', '%')], statuses: [400] },
  { what: 'a bad percent escape', send: [requestHead('GET', '/metrics%zz')], statuses: [400] },
  { what: 'a space in the target', send: [requestHead('GET', '/met rics')], statuses: [400] },
  { what: 'NUL in the target', send: [requestHead('GET', '/metrics\u0000')], statuses: [400] },
  { what: 'an escape sequence in the target', send: [requestHead('GET', '/\u001b[31m')], statuses: [400] },
  { what: 'a non-ASCII byte in the target', send: [requestHead('GET', '/m\u00e9trics')], statuses: [400] },
  { what: 'a fragment', send: [requestHead('GET', '/metrics#x')], statuses: [400] },
  { what: 'a target over the header size limit', send: [requestHead('GET', `/${'a'.repeat(20_000)}`)], statuses: [431] },
  { what: 'asterisk-form', send: [requestHead('OPTIONS', '*')], statuses: [400] },
  { what: 'user info in absolute-form', send: [requestHead('GET', 'http://user@127.0.0.1/metrics')], statuses: [400] },
  { what: 'absolute-form to a port above 65535', send: [requestHead('GET', 'http://127.0.0.1:99999/metrics')], statuses: [400] },
  { what: 'an unknown method', send: [requestHead('FOO', '/metrics')], statuses: [400] },
  { what: 'a method other than GET and HEAD', send: [requestHead('DELETE', '/metrics')], statuses: [405] },
  { what: 'CONNECT', send: [requestHead('CONNECT', '127.0.0.1:80')], statuses: [] },
  { what: 'HTTP/1.1 without Host', send: ['GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n'], statuses: [400] },
  { what: 'a version that is not one', send: ['GET /metrics HTTP/1.x\r\nHost: 127.0.0.1\r\n\r\n'], statuses: [400] },
  { what: 'a space in a header name', send: [requestHead('GET', '/metrics', ['Bad Header: x'])], statuses: [400] },
  { what: 'an empty header name', send: [requestHead('GET', '/metrics', [': x'])], statuses: [400] },
  { what: 'NUL in a header name', send: [requestHead('GET', '/metrics', ['X\u0000A: b'])], statuses: [400] },
  { what: 'NUL in a header value', send: [requestHead('GET', '/metrics', ['X-A: a\u0000b'])], statuses: [400] },
  { what: 'a folded header line', send: [requestHead('GET', '/metrics', ['X-A: a', ' folded'])], statuses: [400] },
  { what: 'a header over the size limit', send: [requestHead('GET', '/metrics', [`X-A: ${'a'.repeat(20_000)}`])], statuses: [431] },
  { what: '3,000 small headers', send: [requestHead('GET', '/metrics', Array.from({ length: 3000 }, (_, index) => `X-${index}: y`))], statuses: [431] },
  { what: 'Content-Length with Transfer-Encoding', send: [`${requestHead('GET', '/metrics', ['Content-Length: 3', 'Transfer-Encoding: chunked'])}0\r\n\r\n`], statuses: [400] },
  { what: 'two different Content-Lengths', send: [`${requestHead('GET', '/metrics', ['Content-Length: 3', 'Content-Length: 4'])}abcd`], statuses: [400] },
  { what: 'a Content-Length that is not a number', send: [requestHead('GET', '/metrics', ['Content-Length: x'])], statuses: [400] },
  // The 405 closes the connection (its body was not read): the malformed body is no second request.
  { what: 'a malformed chunk after a refused method', send: [`${requestHead('POST', '/metrics', ['Transfer-Encoding: chunked'])}zz\r\n`], statuses: [405] },
  { what: 'line feeds without carriage returns', send: ['GET /metrics HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n'], statuses: [400] },
  { what: 'a bare carriage return', send: ['GET /metrics HTTP/1.1\rHost: 127.0.0.1\r\n\r\n'], statuses: [400] },
  { what: 'a TLS client hello', send: ['\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003'], statuses: [400] },
  { what: 'the HTTP/2 preface', send: ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'], statuses: [400] },
  { what: 'two pipelined scrapes', send: [KEEP_ALIVE_GET + requestHead('GET', '/metrics')], statuses: [200, 200] },
  { what: 'a scrape, then a target new URL throws on', send: [KEEP_ALIVE_GET + requestHead('GET', 'http://[')], statuses: [200, 400] },
  { what: 'a scrape, then bytes that are no request', send: [`${KEEP_ALIVE_GET}\u0001\u0002garbage\r\n\r\n`], statuses: [200, 400] },
  { what: 'a bad target, then a scrape', send: [`GET //[ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n${requestHead('GET', '/metrics')}`], statuses: [400] },
  { what: 'a scrape split byte by byte', send: [...requestHead('GET', '/metrics')], statuses: [200] },
  { what: 'half a request, then the sending side shut', send: ['GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n'], halfClose: true, statuses: [400] },
  { what: 'nothing, then the sending side shut', send: [], halfClose: true, statuses: [] },
];

describe('Prometheus endpoint given requests no scraper sends', () => {
  let endpoint: PrometheusEndpoint;
  let observer: MetricsObserver;

  before(async () => {
    const counters = new TrafficCounters({ peerLabelLimit: 0 });
    endpoint = await PrometheusEndpoint.serve(LOOPBACK, counters, { peerLabels: false });
    observer = new MetricsObserver(counters, [endpoint], () => NOW + 15);
    observer.tick(firstSnapshot());
  });

  after(async () => {
    await observer.close();
  });

  /** The scrape still answers, with the traffic counted before. */
  async function assertStillServing(): Promise<void> {
    const all = await samples(endpoint);
    assert.equal(only(samplesOf(all, 'netscope_bytes_sent_total', NGINX), 'nginx bytes sent').value, 4096);
  }

  test('counts every reason from 0 before anything went wrong', async () => {
    assert.deepEqual(await refusalCounts(endpoint), {
      bad_request: 0,
      not_found: 0,
      method_not_allowed: 0,
      timeout: 0,
      headers_too_large: 0,
      handler_failure: 0,
      connection_limit: 0,
      accept_error: 0,
    });
  });

  test('answers the request-targets new URL throws on, counts them, and keeps serving', async () => {
    const before = await refusalCounts(endpoint);
    const answers: Record<string, number[]> = {};
    for (const target of ['http://[', '//[', '//user@/', '//x:99999/']) {
      answers[target] = (await rawExchange(endpoint.address.port, [requestHead('GET', target)])).statuses;
    }
    // The last two are paths (RFC 3986 path-absolute), only not /metrics.
    assert.deepEqual(answers, { 'http://[': [400], '//[': [400], '//user@/': [404], '//x:99999/': [404] });
    assert.deepEqual(increase(before, await refusalCounts(endpoint)), { bad_request: 2, not_found: 2 });
    await assertStillServing();
  });

  test('answers malformed requests with a 4xx or closes the connection, counts them, and keeps serving', async () => {
    const before = await refusalCounts(endpoint);
    const seen: number[] = [];
    for (const { what, send, halfClose, statuses } of MALFORMED_REQUESTS) {
      const exchange = await rawExchange(endpoint.address.port, send, { halfClose });
      assert.deepEqual(exchange.statuses, statuses, `${what}: received ${JSON.stringify(exchange.received.slice(0, 200))}`);
      assert.ok(exchange.closedByServer, `${what}: the server closes the connection`);
      seen.push(...exchange.statuses);
    }
    assert.deepEqual(increase(before, await refusalCounts(endpoint)), countedFor(seen));
    await assertStillServing();
  });

  test('answers random request-targets and header lines with a 4xx, or with the metrics when they ask for them', async (t) => {
    const random = seededRandom(0x6e657473);
    const pick = (pieces: readonly string[]) => pieces[Math.floor(random() * pieces.length)] as string;
    const phrase = (pieces: readonly string[], mostPieces: number) => Array.from({ length: 1 + Math.floor(random() * mostPieces) }, () => pick(pieces)).join('');
    // No CR or LF: those end the request line or header early, which the table above covers.
    const targetPieces = ['/', '/', '/metrics', 'a', '%', '%4', '%41', '[', ']', '@', ':', '?', '#', ' ', '\t', '\u0000', '\u001b', '\u007f', '\u00ff', '\\', '"', '99999', '//', 'http://', 'https://', '*', '..', '~'];
    const headerPieces = ['X', 'a', ':', ': ', ' ', '\t', '\u0000', '\u0001', '\u001b', '\u007f', '\u0080', '\u00ff', '(', '"', '=', 'Host', 'Content-Length', '0', '-1', '99999999999999999999'];
    const before = await refusalCounts(endpoint);
    const seen: number[] = [];
    const check = async (what: string, send: string, asksForMetrics: boolean) => {
      const exchange = await rawExchange(endpoint.address.port, [send]);
      assert.ok(exchange.closedByServer, `${what}: the server closes the connection`);
      assert.ok(exchange.statuses.length <= 1, `${what}: one answer at most, got ${exchange.statuses.join(', ')}`);
      for (const status of exchange.statuses) {
        assert.ok((status >= 400 && status < 500) || (status === 200 && asksForMetrics), `${what}: answered ${status}`);
      }
      seen.push(...exchange.statuses);
    };
    for (let round = 0; round < 300; round++) {
      const target = phrase(targetPieces, 8);
      await check(`target ${JSON.stringify(target)}`, requestHead('GET', target), /^\/metrics(\?|$)/.test(target));
    }
    for (let round = 0; round < 200; round++) {
      const header = phrase(headerPieces, 6);
      await check(`header ${JSON.stringify(header)}`, requestHead('GET', '/metrics', [header]), true);
    }
    const byStatus = Object.entries(Object.groupBy(seen, String)).map(([status, list]) => `${list?.length}× ${status}`);
    t.diagnostic(`answers: ${byStatus.join(', ')}`);
    assert.deepEqual(increase(before, await refusalCounts(endpoint)), countedFor(seen));
    await assertStillServing();
  });
});

/** An endpoint with `limits` over the defaults, closed by the caller. */
async function endpointWith(limits: Partial<ScrapeServerLimits>, counters = new TrafficCounters({ peerLabelLimit: 0 })): Promise<PrometheusEndpoint> {
  return PrometheusEndpoint.serve(LOOPBACK, counters, { peerLabels: false, limits: { ...DEFAULT_SCRAPE_SERVER_LIMITS, ...limits } });
}

/** A connection that has been answered once (so the server has surely accepted it) and is kept alive. */
async function keptAliveConnection(endpoint: PrometheusEndpoint): Promise<RawConnection> {
  const connection = await openRawConnection(endpoint.address.port);
  connection.socket.write('HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await connection.receivedMatch(/^HTTP\/1\.1 200 [^]*\r\n\r\n$/);
  return connection;
}

/**
 * Scrapes until the endpoint answers (it sees closed connections as closed a moment after the
 * client does), with how many attempts it refused before.
 */
async function samplesOnceServing(endpoint: PrometheusEndpoint): Promise<{ all: Sample[]; refusedAttempts: number }> {
  const deadline = Date.now() + 5000;
  for (let refusedAttempts = 0; ; refusedAttempts++) {
    try {
      return { all: await samples(endpoint), refusedAttempts };
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe('Prometheus endpoint limits', () => {
  test('closes connections past the limit at once, counts them, and serves again when some close', async () => {
    const endpoint = await endpointWith({ maxConnections: 4 });
    const held: RawConnection[] = [];
    try {
      for (let count = 0; count < 4; count++) held.push(await keptAliveConnection(endpoint));
      for (let extra = 0; extra < 3; extra++) {
        const refused = await openRawConnection(endpoint.address.port);
        assert.ok(await serverCloses(refused), `connection ${5 + extra} is closed by the server`);
        assert.equal(refused.received(), '', 'and answered nothing');
      }
      const scrapeWhileFull = await rawExchange(endpoint.address.port, [requestHead('GET', '/metrics')]);
      assert.deepEqual(scrapeWhileFull.statuses, [], 'a scrape is refused too while the limit is reached');
      for (const connection of held) connection.socket.destroy();
      const { all, refusedAttempts } = await samplesOnceServing(endpoint);
      const refused = only(samplesOf(all, REFUSED_CONNECTIONS, { reason: 'connection_limit' }), 'connection limit').value;
      assert.equal(refused, 4 + refusedAttempts, 'the three extra connections, the scrape while full, and the scrapes before the held ones were seen closed');
    } finally {
      for (const connection of held) connection.socket.destroy();
      await endpoint.close();
    }
  });

  test("keeps a scraper's connection open for 65 s by default, longer than Prometheus' default interval", async () => {
    const endpoint = await endpointWith({});
    try {
      const connection = await keptAliveConnection(endpoint);
      assert.match(connection.received(), /\r\nKeep-Alive: timeout=65\r\n/);
      connection.socket.write('HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      assert.ok(await serverCloses(connection));
      assert.deepEqual(statusesIn(connection.received()), [200, 200], 'the second scrape on the same connection');
    } finally {
      await endpoint.close();
    }
  });

  test('answers 408 to a connection that sends no request within the headers timeout, and counts it', async () => {
    const endpoint = await endpointWith({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    try {
      const silent = await openRawConnection(endpoint.address.port);
      assert.ok(await serverCloses(silent), 'the server closes the silent connection');
      assert.match(silent.received(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
      assert.equal(only(samplesOf(await samples(endpoint), REQUEST_ERRORS, { reason: 'timeout' }), 'timeouts').value, 1);
    } finally {
      await endpoint.close();
    }
  });

  // The timer that also closes a client that stops reading its answer: here set below the
  // headers timeout, so that a silent connection shows it.
  test('closes without an answer a connection on which nothing moves for the idle timeout', async () => {
    const endpoint = await endpointWith({ idleTimeoutMs: 200 });
    try {
      const silent = await openRawConnection(endpoint.address.port);
      assert.ok(await serverCloses(silent), 'the server closes the idle connection');
      assert.equal(silent.received(), '');
      assert.equal(only(samplesOf(await samples(endpoint), REQUEST_ERRORS, { reason: 'timeout' }), 'timeouts').value, 0, 'an idle connection is no request error');
    } finally {
      await endpoint.close();
    }
  });

  test('closes a kept-alive connection once it has waited the keep-alive timeout', async () => {
    const endpoint = await endpointWith({ keepAliveTimeoutMs: 200 });
    try {
      const connection = await keptAliveConnection(endpoint);
      assert.ok(await serverCloses(connection), 'the server closes the kept-alive connection');
    } finally {
      await endpoint.close();
    }
  });

  test('answers 408 to a client that sends its headers too slowly, and counts it', async () => {
    const endpoint = await endpointWith({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const connection = await openRawConnection(endpoint.address.port);
    // A header byte every 50 ms: never idle, never done.
    const trickle = setInterval(() => connection.socket.write('a'), 50);
    try {
      connection.socket.write('GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
      assert.ok(await serverCloses(connection), 'the server closes the slow connection');
      assert.match(connection.received(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
      assert.equal(only(samplesOf(await samples(endpoint), REQUEST_ERRORS, { reason: 'timeout' }), 'timeouts').value, 1);
    } finally {
      clearInterval(trickle);
      connection.socket.destroy();
      await endpoint.close();
    }
  });

  test('answers 431 to a request head over the size limit, and serves one under it', async () => {
    const endpoint = await endpointWith({ maxHeaderBytes: 1024 });
    try {
      const over = await rawExchange(endpoint.address.port, [requestHead('GET', '/metrics', [`X-Big: ${'a'.repeat(2048)}`])]);
      assert.deepEqual(over.statuses, [431]);
      const under = await rawExchange(endpoint.address.port, [requestHead('GET', '/metrics', [`X-Big: ${'a'.repeat(512)}`])]);
      assert.deepEqual(under.statuses, [200]);
      assert.equal(only(samplesOf(await samples(endpoint), REQUEST_ERRORS, { reason: 'headers_too_large' }), 'too large').value, 1);
    } finally {
      await endpoint.close();
    }
  });
});

/** Traffic counters that cannot be read the first `failures` times: a scrape that fails. */
class UnreadableCounters extends TrafficCounters {
  constructor(private failures: number) {
    super({ peerLabelLimit: 0 });
  }

  override get series(): Iterable<TrafficSeries> {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('counters unreadable\nsecond line');
    }
    return super.series;
  }
}

describe('Prometheus endpoint whose scrape fails', () => {
  test('answers 500 with one line, counts it, and serves the next scrape', async () => {
    const endpoint = await endpointWith({}, new UnreadableCounters(1));
    try {
      const failed = await scrape(endpoint);
      assert.equal(failed.status, 500);
      assert.equal(await failed.text(), 'netscope could not produce its metrics: counters unreadable\n');
      assert.equal(only(samplesOf(await samples(endpoint), REQUEST_ERRORS, { reason: 'handler_failure' }), 'handler failures').value, 1);
    } finally {
      await endpoint.close();
    }
  });
});

describe('Prometheus flow limits', () => {
  test('counts the seconds flows were limited, per process and limit', async () => {
    const counters = new TrafficCounters({ peerLabelLimit: 0 });
    const endpoint = await PrometheusEndpoint.serve({ host: '127.0.0.1', port: 0 }, counters, { peerLabels: false });
    const observer = new MetricsObserver(counters, [endpoint], () => NOW + 15);
    try {
      const owner = { pid: 10, comm: 'nginx', container: web };
      observer.tick(
        snapshot({
          atMs: NOW,
          connections: [
            connection({ id: 1, owner, limit: flowLimit({ limitedSeconds: { receiver: 2.5, 'stalled-reader': 1 } }) }),
            connection({ id: 2, owner, limit: flowLimit({ limitedSeconds: { receiver: 0.5 } }) }),
          ],
        }),
      );
      const all = await samples(endpoint);
      assert.equal(only(samplesOf(all, 'netscope_flow_limited_seconds_total', { ...NGINX, limit: 'receiver' }), 'receiver seconds').value, 3);
      assert.equal(only(samplesOf(all, 'netscope_flow_limited_seconds_total', { ...NGINX, limit: 'stalled-reader' }), 'stalled seconds').value, 1);
      assert.deepEqual(samplesOf(all, 'netscope_flow_limited_seconds_total', { ...NGINX, limit: 'idle' }), []);
      const text = await (await scrape(endpoint)).text();
      assert.match(text, /^# TYPE netscope_flow_limited_seconds_total counter$/m);
    } finally {
      await observer.close();
    }
  });
});
