import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { MetricsObserver } from '../../src/export/metrics-observer.js';
import { OtlpExporter, type OtlpExporterOptions } from '../../src/export/otlp-exporter.js';
import { TrafficCounters } from '../../src/export/traffic-counters.js';
import { zeroTotals } from '../../src/model/capture-totals.js';
import type { ModelSnapshot } from '../../src/model/snapshot-types.js';
import { openFinding } from '../findings/finding-builders.js';
import { ESCAPING_REASON, startOtlpReceiver, type ReceivedPoint } from '../support/otlp-receiver.js';
import { NOW, connection, containerIdentity, flowLimit, snapshot } from '../ui/view-model/snapshot-builder.js';

const host = { hostname: 'node-a', kernel: '6.8.0' };
const web = containerIdentity({ name: 'web', pod: 'web-0', namespace: 'prod' });

function trafficSnapshot(): ModelSnapshot {
  return snapshot({
    atMs: NOW,
    connections: [
      connection({
        id: 1,
        bytesSent: 4096,
        bytesReceived: 65536,
        retransmits: 2,
        drops: [{ reason: 'NETFILTER_DROP', class: 'matters', count: 1 }],
        connectLatencyMs: 12,
        owner: { pid: 10, comm: 'nginx', container: web },
      }),
    ],
    totals: { ...zeroTotals(), bytesSent: 4096, bytesReceived: 65536, retransmits: 2, lostEvents: 5 },
    drops: [{ reason: 'NETFILTER_DROP', class: 'matters', count: 1 }],
  });
}

function exporterWith(url: string, fields: Partial<OtlpExporterOptions> = {}): { observer: MetricsObserver; warnings: string[] } {
  const warnings: string[] = [];
  const counters = new TrafficCounters({ peerLabelLimit: 0 });
  const exporter = new OtlpExporter(counters, { url, intervalMs: 60_000, version: '9.9.9', host, nodeName: 'node-a', report: (message) => warnings.push(message), ...fields });
  return { observer: new MetricsObserver(counters, [exporter], () => NOW + 20), warnings };
}

function last(points: ReceivedPoint[], what: string): ReceivedPoint {
  const point = points.at(-1);
  assert.ok(point !== undefined, `no ${what} received`);
  return point;
}

async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('OTLP exporter', () => {
  test('netscope.findings gauges the open findings by kind and severity, every pair from 0', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const counters = new TrafficCounters({ peerLabelLimit: 0 });
      const exporter = new OtlpExporter(counters, { url: receiver.url, intervalMs: 60_000, version: '9.9.9', host, nodeName: null, report: () => {} });
      const observer = new MetricsObserver(counters, [exporter], () => NOW + 20, () => [openFinding('acceptQueueOverflow', 'critical', 'a')]);
      observer.tick(trafficSnapshot());
      await observer.close();
      const points = receiver.points('netscope.findings');
      assert.equal(points.length, 10 * 3);
      assert.ok(points.every((point) => point.kind === 'gauge' && point.unit === '{finding}'));
      const open = points.filter((point) => point.value !== 0);
      assert.deepEqual(
        open.map((point) => [point.attributes, point.value]),
        [[{ 'netscope.finding.kind': 'acceptQueueOverflow', 'netscope.finding.severity': 'critical' }, 1]],
      );
    } finally {
      await receiver.close();
    }
  });

  test('exports on close: the counters under semantic-convention attributes, with the resource', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const { observer, warnings } = exporterWith(receiver.url);
      observer.tick(trafficSnapshot());
      assert.equal(receiver.exportCount(), 0, 'nothing before the interval');
      await observer.close();
      assert.equal(receiver.exportCount(), 1, 'one export forced by close');
      assert.deepEqual(warnings, []);
      assert.match(receiver.contentTypes[0] ?? '', /^application\/json/);

      const sent = last(receiver.points('netscope.bytes.sent'), 'bytes sent');
      assert.equal(sent.value, 4096);
      assert.equal(sent.unit, 'By');
      assert.equal(sent.kind, 'sum');
      assert.equal(sent.isMonotonic, true);
      assert.deepEqual(sent.attributes, {
        'network.transport': 'tcp',
        'process.executable.name': 'nginx',
        'container.id': web.id,
        'container.name': 'web',
        'k8s.pod.name': 'web-0',
        'k8s.namespace.name': 'prod',
        'k8s.statefulset.name': 'web',
      });
      assert.equal(sent.resource['service.name'], 'netscope');
      assert.equal(sent.resource['service.version'], '9.9.9');
      assert.equal(sent.resource['host.name'], 'node-a');
      assert.equal(sent.resource['k8s.node.name'], 'node-a');

      assert.equal(last(receiver.points('netscope.bytes.received'), 'bytes received').value, 65536);
      assert.equal(last(receiver.points('netscope.retransmits'), 'retransmits').value, 2);
      const drops = last(receiver.points('netscope.drops'), 'drops');
      assert.equal(drops.attributes['netscope.drop.reason'], 'NETFILTER_DROP');
      assert.equal(drops.attributes['netscope.drop.class'], 'matters');
      const established = last(receiver.points('netscope.connection.count'), 'connections');
      assert.equal(established.attributes['network.connection.state'], 'established');
      assert.equal(established.value, 1);
      const latency = last(receiver.points('netscope.connect.duration'), 'connect latency');
      assert.equal(latency.kind, 'histogram');
      assert.equal(latency.unit, 's');
      assert.equal(latency.value, 1);
      assert.equal(latency.sum, 0.012);
      assert.equal(latency.explicitBounds?.[0], 0.00005);
      assert.equal(last(receiver.points('netscope.tick.duration'), 'tick duration').sum, 0.02);
      assert.equal(last(receiver.points('netscope.lost_events'), 'lost events').value, 5);
      assert.equal(last(receiver.points('netscope.otlp.export.failures'), 'export failures').value, 0);
      assert.equal(
        receiver.points().some((point) => 'process.pid' in point.attributes),
        false,
        'no pid attribute',
      );
    } finally {
      await receiver.close();
    }
  });

  test('with peer labels, a peer series carries its address in network.peer.address and its name as server.address or client.address', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const counters = new TrafficCounters({ peerLabelLimit: 5 });
      const exporter = new OtlpExporter(counters, { url: receiver.url, intervalMs: 60_000, version: '9.9.9', host, nodeName: null, report: () => {} });
      const observer = new MetricsObserver(counters, [exporter], () => NOW + 20);
      const named = { name: 'orders-db.prod.svc.cluster.local', source: 'dns' as const, atMs: NOW };
      const accepted = [{ state: 'SYN_RECV' as const, atMs: NOW - 1000, durationMs: 1 }, { state: 'ESTABLISHED' as const, atMs: NOW - 999, durationMs: null }];
      observer.tick(
        snapshot({
          atMs: NOW,
          connections: [
            connection({ id: 1, daddr: '10.96.14.7', dport: 5432, bytesSent: 77, peerName: named }),
            connection({ id: 2, daddr: '10.1.2.3', dport: 443, bytesSent: 5 }),
            connection({ id: 3, daddr: '10.0.0.9', dport: 51000, bytesSent: 9, stateHistory: accepted, peerName: { name: 'batch-7.jobs.test', source: 'hosts', atMs: NOW } }),
          ],
        }),
      );
      await observer.close();
      const sent = receiver.points('netscope.bytes.sent');
      const byAddress = (address: string) => {
        const found = sent.filter((point) => point.attributes['network.peer.address'] === address);
        assert.equal(found.length, 1, `one point for ${address}`);
        return found[0] as ReceivedPoint;
      };
      assert.deepEqual(byAddress('10.96.14.7').attributes, {
        'network.transport': 'tcp',
        'process.executable.name': 'curl',
        'network.peer.address': '10.96.14.7',
        'network.peer.port': 5432,
        'network.type': 'ipv4',
        'server.address': 'orders-db.prod.svc.cluster.local',
      });
      assert.equal(byAddress('10.96.14.7').value, 77);
      const unnamed = byAddress('10.1.2.3').attributes;
      assert.equal('server.address' in unnamed || 'client.address' in unnamed, false, 'no name attribute where no name is known');
      const client = byAddress('10.0.0.9').attributes;
      assert.equal(client['client.address'], 'batch-7.jobs.test');
      assert.equal('server.address' in client, false, 'an accepted peer is the client, not the server');
      assert.equal('network.peer.port' in client, false);
    } finally {
      await receiver.close();
    }
  });

  test('exports every interval, the same series growing', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const { observer } = exporterWith(receiver.url, { intervalMs: 200 });
      observer.tick(trafficSnapshot());
      const deadline = Date.now() + 5000;
      while (receiver.exportCount() < 2 && Date.now() < deadline) await sleep(50);
      assert.ok(receiver.exportCount() >= 2, `exports: ${receiver.exportCount()}`);
      const grown = trafficSnapshot();
      observer.tick({ ...grown, atMs: NOW + 1000, connections: grown.connections.map((item) => ({ ...item, bytesSent: 5000 })) });
      await observer.close();
      const values = receiver.points('netscope.bytes.sent').map((point) => point.value);
      assert.equal(values.at(0), 4096);
      assert.equal(values.at(-1), 5000);
    } finally {
      await receiver.close();
    }
  });

  test('an unreachable collector is said once on stderr, counted, and does not hold up close', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/v1/metrics`;
    const { observer, warnings } = exporterWith(url, { intervalMs: 100 });
    for (let tick = 0; tick < 5; tick++) {
      observer.tick(trafficSnapshot());
      await sleep(100);
    }
    const closing = Date.now();
    await observer.close();
    assert.ok(Date.now() - closing < 3000, `close took ${Date.now() - closing} ms`);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] ?? '', new RegExp(`^cannot export metrics to ${url.replace(/[.]/g, '\\.')}: .*ECONNREFUSED.* — still capturing, and retrying every 100 ms`));
  });

  test('a collector that never answers is abandoned at the timeout', async () => {
    const receiver = await startOtlpReceiver('never');
    try {
      const { observer, warnings } = exporterWith(receiver.url, { intervalMs: 300 });
      observer.tick(trafficSnapshot());
      await sleep(1000);
      const closing = Date.now();
      await observer.close();
      assert.ok(Date.now() - closing < 3000, `close took ${Date.now() - closing} ms`);
      assert.equal(warnings.length, 1, warnings.join('\n'));
    } finally {
      await receiver.close();
    }
  });

  test('a collector answering oddly fails those exports only: each counted, the first said once with its reason escaped', async () => {
    const receiver = await startOtlpReceiver('ok', ['escape-in-reason', 'not-http', 'reset', 'oversized-body', 'not-json']);
    // Exports give up at the interval, before the exporter would retry the reset (after 1 s or more).
    const { observer, warnings } = exporterWith(receiver.url, { intervalMs: 500 });
    try {
      observer.tick(trafficSnapshot());
      const deadline = Date.now() + 15_000;
      while (receiver.points('netscope.otlp.export.failures').length === 0 && Date.now() < deadline) await sleep(100);
      assert.equal(last(receiver.points('netscope.otlp.export.failures'), 'failure count').value, 4, 'the first four answers are failures; a body that is not JSON is not');
      assert.deepEqual(warnings, [
        `cannot export metrics to ${receiver.url}: ${ESCAPING_REASON.replaceAll('\u001b', '\\x1b').replace('\u0007', '\\x07')} — still capturing, and retrying every 500 ms (failures are counted in netscope.otlp.export.failures)`,
      ]);
      assert.equal(last(receiver.points('netscope.bytes.sent'), 'bytes sent').value, 4096, 'and the exports after them carry the counters');
    } finally {
      await observer.close();
      await receiver.close();
    }
  });
});

describe('OTLP flow limits', () => {
  test('exports the seconds flows were limited, per process and limit, as a monotonic sum in seconds', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const { observer } = exporterWith(receiver.url);
      const owner = { pid: 10, comm: 'nginx', container: web };
      observer.tick(snapshot({ atMs: NOW, connections: [connection({ id: 1, owner, limit: flowLimit({ verdict: 'sndbuf', limitedSeconds: { sndbuf: 1.5 } }) })] }));
      await observer.close();
      const limited = last(receiver.points('netscope.flow.limited_time'), 'limited time');
      assert.equal(limited.value, 1.5);
      assert.equal(limited.unit, 's');
      assert.equal(limited.isMonotonic, true);
      assert.equal(limited.attributes['netscope.flow.limit'], 'sndbuf');
      assert.equal(limited.attributes['process.executable.name'], 'nginx');
    } finally {
      await receiver.close();
    }
  });
});
