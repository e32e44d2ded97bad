import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { emptyHostGauges, type NamespaceGaugesSnapshot } from '../../src/model/gauges-snapshot.js';
import type { ConnectionSnapshot } from '../../src/model/snapshot-types.js';
import { HOST_NETNS, connection, flowLimit } from '../ui/view-model/snapshot-builder.js';
import { changes, only, run, timeline } from './findings-series.js';

function namespace(portsToDb: number): NamespaceGaugesSnapshot {
  return {
    netns: HOST_NETNS,
    ephemeralPortRange: { low: 40000, high: 40099 },
    ephemeralPortsByDestination: [{ daddr: '10.0.0.9', dport: 5432, ports: portsToDb }],
    timeWait: 0,
    timeWaitLimit: null,
    closeWait: 0,
    conntrack: null,
    somaxconn: 4096,
    kernelCounterRates: null,
    kernelCounters: null,
  };
}

/** api (pid 10) holding `count` ports to 10.0.0.9:5432 out of a range of 100. */
function portsUsed(count: number) {
  return {
    connections: Array.from({ length: Math.min(count, 20) }, (_, index) => connection({ id: index + 1, sport: 40000 + index, daddr: '10.0.0.9', dport: 5432, owner: { pid: 10, comm: 'api' } })),
    gauges: { ...emptyHostGauges(), atMs: 1, namespaces: [namespace(count)] },
  };
}

describe('host limit findings', () => {
  test('ephemeral ports to one destination: a warning from 80 % and critical from 95 %, naming the destination and who holds them', () => {
    const results = run(3, (tick) => portsUsed([79, 80, 95][tick] ?? 0));
    assert.equal(only(results[0] ?? [], 'hostLimit'), undefined);
    const warning = only(results[1] ?? [], 'hostLimit');
    assert.equal(warning?.severity, 'warning');
    assert.equal(warning?.id, `hostLimit:ephemeralPorts:netns=${HOST_NETNS}:10.0.0.9:5432`);
    assert.equal(warning?.subject.pid, 10);
    assert.equal(warning?.subject.peerAddress, '10.0.0.9');
    assert.equal(warning?.subject.peerPort, 5432);
    assert.match(warning?.summary ?? '', /^ephemeral ports to 10\.0\.0\.9:5432 in network namespace \d+ are 80% used \(80 of 100\); api \(pid 10\) holds/);
    assert.match(warning?.nextStep ?? '', /EADDRNOTAVAIL/);
    assert.equal(only(results[2] ?? [], 'hostLimit')?.severity, 'critical');
  });

  test('it holds from 75 % and resolves after the quiet period below it, without flapping at the edge', () => {
    const line = timeline(
      run(60, (tick) => portsUsed(tick < 5 ? 85 : tick < 25 ? [76, 79, 81][tick % 3] ?? 76 : 10)),
      `hostLimit:ephemeralPorts:netns=${HOST_NETNS}:10.0.0.9:5432`,
    );
    assert.deepEqual(changes(line), ['open/warning', 'resolved/warning']);
    assert.equal(line.indexOf('resolved/warning'), 45, 'resolved 20 s after the use fell under 75 %');
  });
});

/** A connection of reader (pid 20) from 10.0.0.3 whose own side stopped reading. */
function stalled(id: number, verdict: 'stalled-reader' | 'app' = 'stalled-reader'): ConnectionSnapshot {
  return connection({ id, daddr: '10.0.0.3', dport: 9000, owner: { pid: 20, comm: 'reader' }, limit: flowLimit({ verdict, receiveQueue: 65_536, rcvWnd: 0 }) });
}

describe('stalled reader findings', () => {
  test('a connection stalled for 5 s opens a warning naming the process, the peer and the unread bytes', () => {
    const results = run(7, () => ({ connections: [stalled(1)] }));
    assert.equal(only(results[4] ?? [], 'stalledReader'), undefined);
    const finding = only(results[5] ?? [], 'stalledReader');
    assert.equal(finding?.severity, 'warning');
    assert.equal(finding?.id, 'stalledReader:pid=20');
    assert.match(finding?.summary ?? '', /^reader \(pid 20\) stopped reading 1 connection from 10\.0\.0\.3: 65536 bytes wait unread and it advertises a zero window, for 5 s$/);
    assert.deepEqual(finding?.evidence.connectionIds, [1]);
  });

  test('ten stalled connections are critical; a reader that catches up is no finding', () => {
    const many = run(6, () => ({ connections: Array.from({ length: 10 }, (_, index) => stalled(index + 1)) }));
    assert.equal(only(many[5] ?? [], 'stalledReader')?.severity, 'critical');
    const flickering = run(20, (tick) => ({ connections: [stalled(1, tick % 4 === 3 ? 'app' : 'stalled-reader')] }));
    assert.deepEqual(flickering.flat(), []);
  });
});
