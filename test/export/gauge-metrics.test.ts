import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { kernelCounterSeries, limitSeries, namespaceSocketSeries } from '../../src/export/gauge-series.js';
import { MetricsObserver } from '../../src/export/metrics-observer.js';
import { OtlpExporter } from '../../src/export/otlp-exporter.js';
import { PrometheusEndpoint } from '../../src/export/prometheus-endpoint.js';
import { TrafficCounters } from '../../src/export/traffic-counters.js';
import { emptyHostGauges } from '../../src/model/gauges-snapshot.js';
import type { ModelSnapshot } from '../../src/model/snapshot-types.js';
import { HOST_NETNS, NOW, connection, listener, snapshot } from '../ui/view-model/snapshot-builder.js';
import { parseExposition, samplesOf } from './prometheus-exposition.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';

const counters = { listenOverflows: 7, listenDrops: 9, tcpAbortOnMemory: 1, tcpMemoryPressures: 0, tcpBacklogDrop: 0, tcpTimeWaitOverflow: 0 };

function withGauges(): ModelSnapshot {
  return snapshot({
    atMs: NOW,
    connections: [
      connection({ id: 1, sport: 40001, daddr: '10.0.0.9', dport: 5432, owner: { pid: 10, comm: 'api' } }),
      connection({ id: 2, sport: 40002, daddr: '10.0.0.8', dport: 443, owner: { pid: 11, comm: 'curl' } }),
    ],
    listeners: [listener({ saddr: '0.0.0.0', sport: 8080, acceptQueue: 3, acceptQueueLimit: 4096, owner: { pid: 30, comm: 'server' } })],
    gauges: {
      ...emptyHostGauges(),
      atMs: NOW,
      namespaces: [
        {
          netns: HOST_NETNS,
          ephemeralPortRange: { low: 40000, high: 40099 },
          ephemeralPortsByDestination: [
            { daddr: '10.0.0.9', dport: 5432, ports: 90 },
            { daddr: '10.0.0.8', dport: 443, ports: 1 },
          ],
          timeWait: 1204,
          timeWaitLimit: 131072,
          closeWait: 3,
          conntrack: null,
          somaxconn: 4096,
          kernelCounterRates: null,
          kernelCounters: counters,
        },
      ],
      processDescriptors: [{ pid: 30, comm: 'server', descriptors: 1000, limit: 1024 }],
    },
  });
}

describe('the host gauges as metrics', () => {
  test('series: the busiest destination per namespace without its address, listeners and processes by subject', () => {
    const series = limitSeries(withGauges());
    assert.deepEqual(
      series.map((entry) => [entry.gauge, entry.netns, entry.subject, entry.process, entry.used, entry.limit]),
      [
        ['descriptors', '', '30', 'server', 1000, 1024],
        ['ephemeralPorts', String(HOST_NETNS), '', 'api', 90, 100],
        ['timeWait', String(HOST_NETNS), '', '', 1204, 131072],
        ['acceptQueue', String(HOST_NETNS), '0.0.0.0:8080', 'server', 3, 4096],
      ],
    );
    assert.deepEqual(namespaceSocketSeries(withGauges()), [
      { netns: String(HOST_NETNS), state: 'time_wait', count: 1204 },
      { netns: String(HOST_NETNS), state: 'close_wait', count: 3 },
    ]);
    assert.deepEqual(
      kernelCounterSeries(withGauges()).filter((entry) => entry.value > 0),
      [
        { netns: String(HOST_NETNS), counter: 'ListenOverflows', value: 7 },
        { netns: String(HOST_NETNS), counter: 'ListenDrops', value: 9 },
        { netns: String(HOST_NETNS), counter: 'TCPAbortOnMemory', value: 1 },
      ],
    );
  });

  test('Prometheus scrapes them', async () => {
    const traffic = new TrafficCounters({ peerLabelLimit: 0 });
    const endpoint = await PrometheusEndpoint.serve({ host: '127.0.0.1', port: 0 }, traffic, { peerLabels: false });
    try {
      new MetricsObserver(traffic, [endpoint], null).tick(withGauges());
      const response = await fetch(`http://127.0.0.1:${endpoint.address.port}/metrics`);
      const samples = parseExposition(await response.text());
      const ports = { gauge: 'ephemeralPorts', netns: String(HOST_NETNS), process: 'api' };
      assert.equal(samplesOf(samples, 'netscope_limit_used', ports)[0]?.value, 90);
      assert.equal(samplesOf(samples, 'netscope_limit', ports)[0]?.value, 100);
      assert.equal(samplesOf(samples, 'netscope_limit_used', { gauge: 'descriptors', subject: '30' })[0]?.value, 1000);
      assert.equal(samplesOf(samples, 'netscope_namespace_tcp_sockets', { state: 'time_wait' })[0]?.value, 1204);
      assert.equal(samplesOf(samples, 'netscope_kernel_tcp_pressure_events_total', { counter: 'ListenOverflows' })[0]?.value, 7);
      assert.ok(!samples.some((sample) => Object.values(sample.labels).includes('10.0.0.9')), 'no peer address becomes a label');
    } finally {
      await endpoint.close();
    }
  });

  test('OTLP exports their twins', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const traffic = new TrafficCounters({ peerLabelLimit: 0 });
      const exporter = new OtlpExporter(traffic, { url: receiver.url, intervalMs: 60_000, version: '9.9.9', host: { hostname: 'node-a', kernel: '6.8.0' }, nodeName: null, report: () => undefined });
      const observer = new MetricsObserver(traffic, [exporter], null);
      observer.tick(withGauges());
      await observer.close();
      const usage = receiver.points('netscope.limit.usage').find((point) => point.attributes['netscope.limit.name'] === 'ephemeralPorts');
      assert.equal(usage?.value, 90);
      assert.deepEqual(usage?.attributes, { 'netscope.limit.name': 'ephemeralPorts', 'netscope.netns': String(HOST_NETNS), 'process.executable.name': 'api' });
      const limit = receiver.points('netscope.limit.max').find((point) => point.attributes['netscope.limit.name'] === 'ephemeralPorts');
      assert.equal(limit?.value, 100);
      const timeWait = receiver.points('netscope.namespace.socket.count').find((point) => point.attributes['network.connection.state'] === 'time_wait');
      assert.equal(timeWait?.value, 1204);
      const overflows = receiver.points('netscope.kernel.tcp.pressure_events').find((point) => point.attributes['netscope.kernel.counter'] === 'ListenOverflows');
      assert.equal(overflows?.value, 7);
    } finally {
      await receiver.close();
    }
  });
});
