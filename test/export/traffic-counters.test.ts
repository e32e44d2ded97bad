import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { zeroTotals } from '../../src/model/capture-totals.js';
import type { ConnectionSnapshot, ModelSnapshot } from '../../src/model/snapshot-types.js';
import type { SeriesLabels } from '../../src/export/series-labels.js';
import { seriesAttributes } from '../../src/export/otlp-attributes.js';
import { SERIES_RETENTION_MS, TrafficCounters, type LatencySamples, type TrafficSeries } from '../../src/export/traffic-counters.js';
import { NOW, connection, containerIdentity, flowLimit, listener, snapshot } from '../ui/view-model/snapshot-builder.js';

const SECOND = 1000;

function at(atMs: number, connections: ConnectionSnapshot[], fields: Partial<ModelSnapshot> = {}): ModelSnapshot {
  return snapshot({ atMs, connections, ...fields });
}

function seriesOf(counters: TrafficCounters, process: string | null, peerAddress?: string): TrafficSeries {
  const found = [...counters.series].filter(
    (series) => series.labels.process === process && (peerAddress === undefined || series.labels.peer?.address === peerAddress),
  );
  assert.equal(found.length, 1, `one series for ${process}${peerAddress ? ` → ${peerAddress}` : ''} (found ${found.length})`);
  return found[0] as TrafficSeries;
}

function secondsOf(samples: LatencySamples): number[] {
  return [...samples.values()].flat();
}

function processesWithSeries(counters: TrafficCounters): (string | null)[] {
  return [...counters.series].map((series) => series.labels.process).sort();
}

describe('traffic counters', () => {
  test("a process's UDP flows are a series apart from its TCP connections, network.transport=udp in OTLP", () => {
    const counters = new TrafficCounters({ peerLabelLimit: 0 });
    const udp = { socketCookie: 2, connected: true, receiveQueue: 0, socketDrops: 0, lastPacketAtMs: NOW };
    counters.update(
      at(NOW, [
        connection({ id: 1, bytesSent: 100, bytesReceived: 1000, owner: { pid: 10, comm: 'app' } }),
        connection({ id: 2, protocol: 'udp', udp, bytesSent: 40, bytesReceived: 56, srttMs: null, owner: { pid: 10, comm: 'app' } }),
      ]),
    );
    const series = [...counters.series].filter((candidate) => candidate.labels.process === 'app');
    assert.deepEqual(
      series.map((candidate) => [candidate.labels.transport, candidate.counts.bytesSent, candidate.counts.bytesReceived]).sort(),
      [
        ['tcp', 100, 1000],
        ['udp', 40, 56],
      ],
    );
    const transports = series.map((candidate) => seriesAttributes(candidate.labels)['network.transport']).sort();
    assert.deepEqual(transports, ['tcp', 'udp']);
  });

  test('sum the connections of one process name and container, whatever their pids', () => {
    const counters = new TrafficCounters({ peerLabelLimit: 0 });
    const web = containerIdentity({ name: 'web', pod: 'web-0', namespace: 'prod' });
    counters.update(
      at(NOW, [
        connection({ id: 1, bytesSent: 100, bytesReceived: 1000, owner: { pid: 10, comm: 'nginx', container: web } }),
        connection({ id: 2, bytesSent: 200, bytesReceived: 2000, owner: { pid: 11, comm: 'nginx', container: web } }),
        connection({ id: 3, bytesSent: 5, bytesReceived: 7, owner: { pid: 12, comm: 'curl' } }),
      ]),
    );
    const nginx = seriesOf(counters, 'nginx');
    assert.deepEqual(nginx.labels, {
      process: 'nginx',
      containerId: web.id,
      containerName: 'web',
      pod: 'web-0',
      namespace: 'prod',
      workload: { kind: 'StatefulSet', name: 'web', source: 'podName' },
      peer: null,
      transport: 'tcp',
    });
    assert.equal(nginx.counts.bytesSent, 300);
    assert.equal(nginx.counts.bytesReceived, 3000);
    assert.equal(seriesOf(counters, 'curl').labels.containerName, null);
    assert.deepEqual(processesWithSeries(counters), ['curl', 'nginx']);
  });

  test('never decrease when a connection is evicted, and keep counting its successors', () => {
    const counters = new TrafficCounters({ peerLabelLimit: 0 });
    counters.update(at(NOW, [connection({ id: 1, bytesSent: 1000, retransmits: 1, resetsReceived: 0 })]));
    counters.update(
      at(NOW + SECOND, [connection({ id: 1, bytesSent: 3000, retransmits: 2, resetsReceived: 1, state: 'CLOSE', closedAtMs: NOW + 500 })]),
    );
    const curl = seriesOf(counters, 'curl');
    assert.deepEqual([curl.counts.bytesSent, curl.counts.retransmits, curl.counts.resetsReceived], [3000, 2, 1]);

    // Connection 1 is evicted: gone from the snapshot, its counts stay in the series.
    counters.update(at(NOW + 2 * SECOND, []));
    assert.equal(curl.counts.bytesSent, 3000);
    counters.update(at(NOW + 3 * SECOND, [connection({ id: 2, bytesSent: 500 })]));
    assert.equal(curl.counts.bytesSent, 3500);
    // A counter that went down (a connection counted afresh) adds nothing and lowers nothing.
    counters.update(at(NOW + 4 * SECOND, [connection({ id: 2, bytesSent: 100 })]));
    assert.equal(curl.counts.bytesSent, 3500);
    counters.update(at(NOW + 5 * SECOND, [connection({ id: 2, bytesSent: 150 })]));
    assert.equal(curl.counts.bytesSent, 3550);
  });

  test('count only the growth of drops, by reason', () => {
    const counters = new TrafficCounters({ peerLabelLimit: 0 });
    counters.update(at(NOW, [connection({ drops: [{ reason: 'NETFILTER_DROP', class: 'matters', count: 2 }] })]));
    counters.update(
      at(NOW + SECOND, [connection({ drops: [{ reason: 'NETFILTER_DROP', class: 'matters', count: 3 }, { reason: 'TCP_OFOMERGE', class: 'stray', count: 1 }] })]),
    );
    assert.deepEqual([...seriesOf(counters, 'curl').counts.drops], [
      ['NETFILTER_DROP', 3],
      ['TCP_OFOMERGE', 1],
    ]);
  });

  test("keep an exited process's series for the retention time after its last open connection, then drop it", () => {
    const counters = new TrafficCounters({ peerLabelLimit: 0 });
    counters.update(at(NOW, [connection({ id: 1, bytesSent: 42, owner: { comm: 'short-lived' } })]));
    const closed = connection({ id: 1, bytesSent: 64, owner: { comm: 'short-lived' }, state: 'CLOSE', closedAtMs: NOW + 100 });
    counters.update(at(NOW + SECOND, [closed]));
    // Evicted from the table a minute later; the series stays, with its final count.
    const beforeExpiry = counters.update(at(NOW + SERIES_RETENTION_MS - 1, []));
    assert.deepEqual(beforeExpiry.removed, []);
    assert.equal(seriesOf(counters, 'short-lived').counts.bytesSent, 64);

    const expiry = counters.update(at(NOW + SERIES_RETENTION_MS, []));
    assert.deepEqual(
      expiry.removed.map((series) => [series.labels.process, series.counts.bytesSent]),
      [['short-lived', 64]],
    );
    assert.deepEqual(processesWithSeries(counters), []);
  });

  test('keep the series of a process that still listens, and start one for a listener with no traffic yet', () => {
    const counters = new TrafficCounters({ peerLabelLimit: 0 });
    const nginx = { pid: 800, comm: 'nginx' };
    counters.update(at(NOW, [connection({ bytesReceived: 10, owner: nginx })], { listeners: [listener({ owner: nginx })] }));
    const idleLater = NOW + SERIES_RETENTION_MS * 3;
    const changes = counters.update(at(idleLater, [], { listeners: [listener({ owner: nginx }), listener({ id: 901, owner: { pid: 900, comm: 'sshd' } })] }));
    assert.deepEqual(changes.removed, []);
    assert.equal(seriesOf(counters, 'nginx').counts.bytesReceived, 10);
    assert.equal(seriesOf(counters, 'sshd').counts.bytesReceived, 0);
  });

  test('count open connections by state; a state left reads 0 until the series goes', () => {
    const counters = new TrafficCounters({ peerLabelLimit: 0 });
    counters.update(
      at(NOW, [
        connection({ id: 1 }),
        connection({ id: 2 }),
        connection({ id: 3, state: 'CLOSE_WAIT' }),
        connection({ id: 4, state: 'CLOSE', closedAtMs: NOW - 10 }),
      ]),
    );
    const curl = seriesOf(counters, 'curl');
    assert.deepEqual(Object.fromEntries(curl.openConnections), { ESTABLISHED: 2, CLOSE_WAIT: 1 });
    counters.update(at(NOW + SECOND, [connection({ id: 3, state: 'LAST_ACK' })]));
    assert.deepEqual(Object.fromEntries(curl.openConnections), { ESTABLISHED: 0, CLOSE_WAIT: 0, LAST_ACK: 1 });
  });

  test('observe a connect latency once per connection, and the RTT of open connections that moved bytes', () => {
    const counters = new TrafficCounters({ peerLabelLimit: 0 });
    const first = counters.update(
      at(NOW, [
        connection({ id: 1, connectLatencyMs: 12, srttMs: 20, bytesSent: 100 }),
        connection({ id: 2, connectLatencyMs: null, preexisting: true, srttMs: 5, bytesSent: 0, bytesReceived: 0 }),
        connection({ id: 3, connectLatencyMs: 3, srttMs: 7, bytesSent: 9, state: 'CLOSE', closedAtMs: NOW - 1 }),
      ]),
    );
    assert.deepEqual(secondsOf(first.connectLatencies), [0.012, 0.003]);
    assert.deepEqual(secondsOf(first.roundTripTimes), [0.02]);
    assert.deepEqual([...first.connectLatencies.keys()].map((labels) => labels.process), ['curl']);

    const second = counters.update(
      at(NOW + SECOND, [
        connection({ id: 1, connectLatencyMs: 12, srttMs: 30, bytesSent: 100 }),
        connection({ id: 2, connectLatencyMs: null, preexisting: true, srttMs: 6, bytesReceived: 50 }),
      ]),
    );
    assert.deepEqual(secondsOf(second.connectLatencies), [], 'no connection observed twice');
    assert.deepEqual(secondsOf(second.roundTripTimes), [0.006], 'connection 1 was idle this tick');
  });

  test('give an owner resolved late only what its connection moved after', () => {
    const counters = new TrafficCounters({ peerLabelLimit: 0 });
    counters.update(at(NOW, [connection({ bytesReceived: 100, owner: { pid: null, comm: null, cmdline: null } })]));
    counters.update(at(NOW + SECOND, [connection({ bytesReceived: 250, owner: { pid: 42, comm: 'postgres' } })]));
    assert.equal(seriesOf(counters, null).counts.bytesReceived, 100);
    assert.equal(seriesOf(counters, 'postgres').counts.bytesReceived, 150);
  });

  test('put what the capture totals hold beyond the connections (drops without a socket, last bytes of an evicted one) on the unattributed series', () => {
    const counters = new TrafficCounters({ peerLabelLimit: 0 });
    const totals = (fields: Partial<ModelSnapshot['totals']>) => ({ ...zeroTotals(), ...fields });
    counters.update(
      at(NOW, [connection({ bytesSent: 1000, drops: [{ reason: 'NETFILTER_DROP', class: 'matters', count: 1 }] })], {
        totals: totals({ bytesSent: 1000, resetsSent: 3 }),
        drops: [
          { reason: 'NO_SOCKET', class: 'refused', count: 4 },
          { reason: 'NETFILTER_DROP', class: 'matters', count: 1 },
        ],
      }),
    );
    const unattributed = seriesOf(counters, null);
    assert.deepEqual(Object.fromEntries(unattributed.counts.drops), { NO_SOCKET: 4 });
    assert.equal(unattributed.counts.bytesSent, 0);
    assert.equal(unattributed.counts.resetsSent, 0, 'resets are only counted on their connections');

    // The connection sent 200 more bytes and was evicted before the next tick showed it.
    counters.update(at(NOW + SECOND, [], { totals: totals({ bytesSent: 1200 }), drops: [{ reason: 'NO_SOCKET', class: 'refused', count: 5 }, { reason: 'NETFILTER_DROP', class: 'matters', count: 1 }] }));
    assert.equal(unattributed.counts.bytesSent, 200);
    assert.deepEqual(Object.fromEntries(unattributed.counts.drops), { NO_SOCKET: 5 });
    assert.equal(seriesOf(counters, 'curl').counts.bytesSent, 1000);

    // Never dropped by retention.
    counters.update(at(NOW + SERIES_RETENTION_MS * 2, [], { totals: totals({ bytesSent: 1200 }) }));
    assert.deepEqual(processesWithSeries(counters), [null]);
  });

  describe('with peer labels', () => {
    const peer = (series: TrafficSeries): SeriesLabels['peer'] => series.labels.peer;

    test('none without a limit', () => {
      const counters = new TrafficCounters({ peerLabelLimit: 0 });
      counters.update(at(NOW, [connection({ daddr: '10.0.0.7' })]));
      assert.equal(peer(seriesOf(counters, 'curl')), null);
    });

    test('the remote address and service port of outgoing connections; no port on accepted ones', () => {
      const counters = new TrafficCounters({ peerLabelLimit: 10 });
      counters.update(
        at(
          NOW,
          [
            connection({ id: 1, daddr: '10.0.0.7', dport: 5432, family: 'ipv4' }),
            connection({
              id: 2,
              sport: 443,
              daddr: '2001:db8::9',
              dport: 51234,
              family: 'ipv6',
              stateHistory: [{ state: 'SYN_RECV', atMs: NOW - 50, durationMs: 1 }, { state: 'ESTABLISHED', atMs: NOW - 49, durationMs: null }],
              owner: { comm: 'nginx' },
            }),
            // Older than the capture, on a port something listens on: accepted too.
            connection({ id: 3, sport: 8080, daddr: '10.0.0.8', dport: 40000, preexisting: true, owner: { comm: 'api' } }),
          ],
          { listeners: [listener({ sport: 8080, owner: { comm: 'api' } })] },
        ),
      );
      assert.deepEqual(peer(seriesOf(counters, 'curl')), { address: '10.0.0.7', port: 5432, family: 'ipv4', name: null });
      assert.deepEqual(peer(seriesOf(counters, 'nginx')), { address: '2001:db8::9', port: null, family: 'ipv6', name: null });
      assert.deepEqual(peer(seriesOf(counters, 'api', '10.0.0.8')), { address: '10.0.0.8', port: null, family: 'ipv4', name: null });
    });

    test('at most the limit of peer series; the rest add up under peer "other", and a slot freed by retention is reused', () => {
      const counters = new TrafficCounters({ peerLabelLimit: 2 });
      const to = (id: number, daddr: string, bytesSent: number, fields: Partial<ConnectionSnapshot> = {}) =>
        connection({ id, daddr, dport: 443, bytesSent, ...fields });
      counters.update(at(NOW, [to(1, '10.0.0.1', 1), to(2, '10.0.0.2', 2), to(3, '10.0.0.3', 4), to(4, '10.0.0.4', 8)]));
      const addresses = [...counters.series].map((series) => series.labels.peer?.address).sort();
      assert.deepEqual(addresses, ['10.0.0.1', '10.0.0.2', 'other']);
      const other = seriesOf(counters, 'curl', 'other');
      assert.deepEqual(other.labels.peer, { address: 'other', port: null, family: null, name: null });
      assert.equal(other.counts.bytesSent, 12);

      // 10.0.0.1 closes and its series expires; the next new peer takes the slot.
      counters.update(at(NOW + SECOND, [to(1, '10.0.0.1', 1, { state: 'CLOSE', closedAtMs: NOW + 10 }), to(2, '10.0.0.2', 2), to(3, '10.0.0.3', 4), to(4, '10.0.0.4', 8)]));
      const later = NOW + SECOND + SERIES_RETENTION_MS;
      const expiry = counters.update(at(later, [to(2, '10.0.0.2', 2), to(3, '10.0.0.3', 4), to(4, '10.0.0.4', 8)]));
      assert.deepEqual(expiry.removed.map((series) => series.labels.peer?.address), ['10.0.0.1']);
      counters.update(at(later + SECOND, [to(2, '10.0.0.2', 2), to(3, '10.0.0.3', 4), to(4, '10.0.0.4', 8), to(5, '10.0.0.5', 16)]));
      assert.equal(seriesOf(counters, 'curl', '10.0.0.5').counts.bytesSent, 16);
      assert.equal(seriesOf(counters, 'curl', 'other').counts.bytesSent, 12, 'connections already under "other" stay there');
    });
  });

  test('add up the seconds each process spent under each flow limit, and keep them when its connections go', () => {
    const counters = new TrafficCounters({ peerLabelLimit: 0 });
    const nginx = { pid: 10, comm: 'nginx' };
    counters.update(
      at(NOW, [
        connection({ id: 1, owner: nginx, limit: flowLimit({ limitedSeconds: { receiver: 2, app: 1 } }) }),
        connection({ id: 2, owner: nginx, limit: flowLimit({ verdict: 'network', limitedSeconds: { network: 1 } }) }),
        connection({ id: 3, owner: { pid: 12, comm: 'curl' }, limit: null }),
      ]),
    );
    assert.deepEqual(Object.fromEntries(seriesOf(counters, 'nginx').counts.limitedSeconds), { receiver: 2, app: 1, network: 1 });
    counters.update(at(NOW + SECOND, [connection({ id: 1, owner: nginx, limit: flowLimit({ limitedSeconds: { receiver: 3, app: 1 } }) })]));
    counters.update(at(NOW + 2 * SECOND, []));
    assert.deepEqual(Object.fromEntries(seriesOf(counters, 'nginx').counts.limitedSeconds), { receiver: 3, app: 1, network: 1 });
    assert.equal(seriesOf(counters, 'curl').counts.limitedSeconds.size, 0);
  });
});
