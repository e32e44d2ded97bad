import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptyHostGauges, type HostGaugesSnapshot, type NamespaceGaugesSnapshot } from '../../src/model/gauges-snapshot.js';
import { gaugePressures, gaugesUnderPressure, pressureLevel } from '../../src/model/gauge-pressure.js';
import { HOST_NETNS, connection, listener, snapshot } from '../ui/view-model/snapshot-builder.js';

function namespace(fields: Partial<NamespaceGaugesSnapshot> = {}): NamespaceGaugesSnapshot {
  return {
    netns: HOST_NETNS,
    ephemeralPortRange: { low: 40000, high: 40099 },
    ephemeralPortsByDestination: [],
    timeWait: 0,
    timeWaitLimit: null,
    closeWait: 0,
    conntrack: null,
    somaxconn: 4096,
    kernelCounterRates: null,
    kernelCounters: null,
    ...fields,
  };
}

function gauges(fields: Partial<HostGaugesSnapshot>): HostGaugesSnapshot {
  return { ...emptyHostGauges(), atMs: 1, ...fields };
}

describe('gauge pressure', () => {
  test('levels: warning from 80% of the limit, critical from 95%', () => {
    assert.equal(pressureLevel(0.79), 'ok');
    assert.equal(pressureLevel(0.8), 'warning');
    assert.equal(pressureLevel(0.949), 'warning');
    assert.equal(pressureLevel(0.95), 'critical');
    assert.equal(pressureLevel(1.01), 'critical');
  });

  test('ephemeral ports per destination against the range, held by the process with the most of them', () => {
    const toDb = (id: number, pid: number, comm: string) =>
      connection({ id, sport: 40000 + id, daddr: '10.0.0.9', dport: 5432, owner: { pid, comm } });
    const model = snapshot({
      connections: [toDb(1, 10, 'api'), toDb(2, 10, 'api'), toDb(3, 11, 'worker'), connection({ id: 4, sport: 40004, daddr: '10.0.0.8', dport: 443 })],
      gauges: gauges({
        namespaces: [
          namespace({
            ephemeralPortsByDestination: [
              { daddr: '10.0.0.9', dport: 5432, ports: 85 },
              { daddr: '10.0.0.8', dport: 443, ports: 1 },
            ],
          }),
        ],
      }),
    });
    const [first, second] = gaugePressures(model);
    assert.deepEqual(first, {
      gauge: 'ephemeralPorts',
      netns: HOST_NETNS,
      subject: '10.0.0.9:5432',
      used: 85,
      limit: 100,
      share: 0.85,
      level: 'warning',
      holder: { pid: 10, name: 'api', holds: 2 },
    });
    assert.equal(second?.subject, '10.0.0.8:443');
    assert.equal(second?.level, 'ok');
  });

  test('TIME_WAIT, conntrack, accept queues, descriptors and host TCP limits, most pressing first', () => {
    const model = snapshot({
      connections: [connection({ id: 1, state: 'TIME_WAIT', closedAtMs: 5, owner: { pid: 20, comm: 'client' } })],
      listeners: [listener({ saddr: '0.0.0.0', sport: 8080, acceptQueue: 128, acceptQueueLimit: 128, owner: { pid: 30, comm: 'server' } })],
      gauges: gauges({
        namespaces: [namespace({ timeWait: 90, timeWaitLimit: 100, conntrack: { entries: 10, max: 100 } })],
        processDescriptors: [{ pid: 30, comm: 'server', descriptors: 1000, limit: 1024 }],
        host: { memoryPages: 50, memoryLimitPages: { low: 10, pressure: 20, high: 100 }, orphans: 1, maxOrphans: 1000 },
      }),
    });
    const pressures = gaugePressures(model);
    assert.deepEqual(
      pressures.map((pressure) => [pressure.gauge, pressure.subject, pressure.level, pressure.holder?.name ?? null]),
      [
        ['acceptQueue', '0.0.0.0:8080', 'critical', 'server'],
        ['descriptors', '30', 'critical', 'server'],
        ['timeWait', null, 'warning', 'client'],
        ['tcpMemory', null, 'ok', null],
        ['conntrack', null, 'ok', null],
        ['orphans', null, 'ok', null],
      ],
    );
    assert.equal(pressures.find((pressure) => pressure.gauge === 'tcpMemory')?.netns, null, 'TCP memory is host-wide');
    assert.deepEqual(
      gaugesUnderPressure(model).map((pressure) => pressure.gauge),
      ['acceptQueue', 'descriptors', 'timeWait'],
    );
  });

  test('a gauge without a limit (unlimited descriptors, no conntrack, a backlog of 0) is left out', () => {
    const model = snapshot({
      listeners: [listener({ acceptQueue: 0, acceptQueueLimit: 0 })],
      gauges: gauges({
        namespaces: [namespace({ ephemeralPortRange: null, conntrack: null, timeWaitLimit: null })],
        processDescriptors: [{ pid: 1, comm: 'init', descriptors: 80, limit: null }],
      }),
    });
    assert.deepEqual(gaugePressures(model), []);
  });
});
