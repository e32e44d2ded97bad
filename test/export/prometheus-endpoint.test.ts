import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { UsageError } from '../../src/cli-options.js';
import { MetricsObserver } from '../../src/export/metrics-observer.js';
import { PrometheusEndpoint } from '../../src/export/prometheus-endpoint.js';
import { SERIES_RETENTION_MS, TrafficCounters } from '../../src/export/traffic-counters.js';
import { zeroTotals } from '../../src/model/capture-totals.js';
import type { ModelSnapshot } from '../../src/model/snapshot-types.js';
import { NOW, connection, containerIdentity, snapshot } from '../ui/view-model/snapshot-builder.js';
import { parseExposition, samplesOf, type Sample } from './prometheus-exposition.js';

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
        drops: [{ reason: 'NETFILTER_DROP', count: 2 }],
        connectLatencyMs: 12,
        srttMs: 0.5,
        owner: { pid: 10, comm: 'nginx', container: web },
      }),
      connection({ id: 2, state: 'CLOSE', closedAtMs: NOW - 5, bytesSent: 1, connectLatencyMs: null, owner: { pid: 11, comm: 'curl' } }),
    ],
    totals: { ...zeroTotals(), bytesSent: 4097, bytesReceived: 65536, retransmits: 2, lostEvents: 3, evicted: 2 },
    drops: [{ reason: 'NETFILTER_DROP', count: 2 }],
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
    assert.equal(only(samplesOf(all, 'netscope_drops_total', { ...NGINX, reason: 'NETFILTER_DROP' }), 'nginx drops').value, 2);
    assert.deepEqual(only(samplesOf(all, 'netscope_bytes_sent_total', { process: 'curl' }), 'curl bytes sent').labels, { process: 'curl' });
    const labelNames = new Set(all.flatMap((sample) => Object.keys(sample.labels)));
    assert.deepEqual([...labelNames].sort(), ['container', 'le', 'namespace', 'pod', 'process', 'reason', 'state']);
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
