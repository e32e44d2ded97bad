/**
 * The host gauges against the real kernel, each in a network namespace of the test's own (so no
 * other traffic on the host moves the counts): TIME_WAIT and CLOSE_WAIT as `ss -tan` counts
 * them, ephemeral ports rising as a client opens connections to one destination, and the
 * pressure levels once a lowered ip_local_port_range fills up.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Capture } from '../../src/app/capture.js';
import { openEnrichment } from '../../src/enrich/enrichment.js';
import { gaugePressures } from '../../src/model/gauge-pressure.js';
import type { NamespaceGaugesSnapshot } from '../../src/model/gauges-snapshot.js';
import type { ModelSnapshot } from '../../src/model/snapshot-types.js';
import { hostPaths } from '../../src/probes/host-paths.js';
import { ProcfsSource } from '../../src/sources/procfs-source.js';
import { startNamespacePile, type NamespacePile } from '../support/namespace-pile.js';

/** In the test's own namespace: no one else's port to avoid. */
const SERVER_PORT = 5000;

function procfsCapture(): Capture {
  const paths = hostPaths();
  return new Capture(
    (sink) => new ProcfsSource({ paths, enrichment: openEnrichment({ paths, showSecrets: false }, Date.now()) }, 'test', '', sink),
    { hostname: 'test', kernel: 'test' },
  );
}

function namespaceOf(snapshot: ModelSnapshot, netns: number): NamespaceGaugesSnapshot {
  const found = snapshot.gauges.namespaces.find((namespace) => namespace.netns === netns);
  assert.ok(found, `the gauges read namespace ${netns}`);
  return found;
}

function portsTo(snapshot: ModelSnapshot, netns: number): number {
  return namespaceOf(snapshot, netns).ephemeralPortsByDestination.find((destination) => destination.daddr === '127.0.0.1' && destination.dport === SERVER_PORT)?.ports ?? 0;
}

describe('host gauges in a namespace of their own', () => {
  let pile: NamespacePile;
  let capture: Capture;

  before(async () => {
    pile = await startNamespacePile(`nst-gauges-${process.pid}-a`, SERVER_PORT);
    capture = procfsCapture();
  });

  after(async () => {
    await capture.stop();
    pile.remove();
  });

  it('counts TIME_WAIT and CLOSE_WAIT as ss -tan does', async () => {
    await pile.run('open 30');
    await pile.run('timewait 12');
    await pile.run('closewait 5');
    const snapshot = capture.tick();
    const namespace = namespaceOf(snapshot, pile.netns);
    assert.equal(namespace.timeWait, pile.ssCount('time-wait'));
    assert.equal(namespace.closeWait, pile.ssCount('close-wait'));
    assert.equal(namespace.timeWait, 12);
    assert.equal(namespace.closeWait, 5);

    await pile.run('timewait 4');
    const later = namespaceOf(capture.tick(), pile.netns);
    assert.equal(later.timeWait, pile.ssCount('time-wait'));
    assert.equal(later.timeWait, 16);
  });

  it('reads the namespace\'s own sysctls and counters', () => {
    const namespace = namespaceOf(capture.tick(), pile.netns);
    const insideNamespace = (file: string) => execFileSync('ip', ['netns', 'exec', pile.name, 'cat', file], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    const [low, high] = insideNamespace('/proc/sys/net/ipv4/ip_local_port_range');
    assert.deepEqual(namespace.ephemeralPortRange, { low, high });
    assert.equal(namespace.somaxconn, insideNamespace('/proc/sys/net/core/somaxconn')[0]);
    assert.equal(namespace.timeWaitLimit, insideNamespace('/proc/sys/net/ipv4/tcp_max_tw_buckets')[0]);
    assert.ok(namespace.kernelCounters !== null, 'its TcpExt counters were read');
    assert.ok(namespace.kernelCounterRates !== null, 'and made rates from the second read on');
  });

  it('counts the pile\'s descriptors against its RLIMIT_NOFILE', async () => {
    // Descriptors are counted every few seconds; a capture of its own counts at its first tick.
    const fresh = procfsCapture();
    const snapshot = fresh.tick();
    await fresh.stop();
    const counted = snapshot.gauges.processDescriptors.find((entry) => entry.pid === pile.pid);
    assert.ok(counted, 'the pile owns sockets, so its descriptors are counted');
    assert.equal(counted.descriptors, readdirSync(`/proc/${pile.pid}/fd`).length);
    const soft = /^Max open files\s+(\S+)/m.exec(readFileSync(`/proc/${pile.pid}/limits`, 'utf8'))?.[1];
    assert.equal(counted.limit, soft === 'unlimited' ? null : Number(soft));
  });
});

describe('ephemeral ports in a namespace with a lowered ip_local_port_range', () => {
  let pile: NamespacePile;
  let capture: Capture;

  before(async () => {
    // Ten ports (the kernel prefers even ports for connect(); any ten are enough here).
    pile = await startNamespacePile(`nst-gauges-${process.pid}-b`, SERVER_PORT, ['net.ipv4.ip_local_port_range=40000 40009']);
    capture = procfsCapture();
  });

  after(async () => {
    await capture.stop();
    pile.remove();
  });

  it('rises with the connections to one destination, then warns and goes critical, naming the holder', async () => {
    const levelOf = (snapshot: ModelSnapshot) =>
      gaugePressures(snapshot).find((pressure) => pressure.gauge === 'ephemeralPorts' && pressure.netns === pile.netns && pressure.subject === `127.0.0.1:${SERVER_PORT}`);

    const empty = capture.tick();
    assert.deepEqual(namespaceOf(empty, pile.netns).ephemeralPortRange, { low: 40000, high: 40009 });
    assert.equal(portsTo(empty, pile.netns), 0);

    await pile.run('open 5');
    const half = capture.tick();
    assert.equal(portsTo(half, pile.netns), 5);
    assert.equal(levelOf(half)?.level, 'ok');

    await pile.run('open 3');
    const eight = capture.tick();
    assert.equal(portsTo(eight, pile.netns), 8);
    const warning = levelOf(eight);
    assert.equal(warning?.level, 'warning');
    assert.equal(warning?.limit, 10);
    assert.equal(warning?.holder?.pid, pile.pid);

    // TIME_WAIT keeps its port: closing does not give it back.
    await pile.run('open 2');
    await pile.run('timewait 2');
    const full = capture.tick();
    assert.equal(portsTo(full, pile.netns), 10);
    const critical = levelOf(full);
    assert.equal(critical?.level, 'critical');
    assert.equal(critical?.share, 1);
    assert.equal(critical?.holder?.pid, pile.pid);
    assert.equal(critical?.holder?.holds, 10);
  });
});
