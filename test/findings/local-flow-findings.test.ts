/**
 * One cause, one finding where both ends of a flow, or a connect and its dropped SYNs, are on
 * this host: a blackholed port is an `unreachable` finding naming the client and the port, with
 * its dropped SYNs as evidence; firewall loss on a loopback flow is one `loss` finding on the
 * sender, with the receiving end's drops as evidence; and a healthy flow whose receiver reports
 * the retransmits as data it already had yields nothing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConnectionSnapshot, DropCount, Owner } from '../../src/model/snapshot-types.js';
import { connection } from '../ui/view-model/snapshot-builder.js';
import { only, run, T0 } from './findings-series.js';

function owner(pid: number, comm: string): Owner {
  return { pid, comm, cmdline: null, uid: 0, user: 'root', cgroupId: null, container: null, provisional: false };
}

const SENDER = owner(500, 'lossy-sender');
const SINK = owner(600, 'lossy-sink');
const SINK_PORT = 7000;
const SENDER_PORT = 45000;

function dropsOf(counts: Record<string, number>): DropCount[] {
  return Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([reason, count]): DropCount => ({ reason, class: reason.startsWith('TCP_OLD') ? 'stray' : 'matters', count }));
}

/** Both ends of one loopback flow, sender → sink, at the cumulative counts given. */
function loopbackFlow(counts: { segments: number; retransmits: number; sinkDrops?: Record<string, number>; id?: number; sport?: number }): ConnectionSnapshot[] {
  const id = counts.id ?? 1;
  const sport = counts.sport ?? SENDER_PORT;
  const common = { daddr: '127.0.0.1', saddr: '127.0.0.1', openedAtMs: T0 - 5000 };
  return [
    connection({ ...common, id, owner: SENDER, sport, dport: SINK_PORT, segmentsSent: counts.segments, retransmits: counts.retransmits }),
    connection({ ...common, id: id + 100, owner: SINK, sport: SINK_PORT, dport: sport, segmentsSent: counts.segments / 2, drops: dropsOf(counts.sinkDrops ?? {}) }),
  ];
}

/** A connect of blackhole-dial to 127.0.0.1:`port`, in SYN_SENT since `atMs`, with `dropped` of its SYNs dropped by this host. */
function blackholedConnect(id: number, port: number, atMs: number, dropped: number): ConnectionSnapshot {
  return connection({
    id,
    owner: owner(700, 'blackhole-dial'),
    saddr: '127.0.0.1',
    sport: 50000 + id,
    daddr: '127.0.0.1',
    dport: port,
    state: 'SYN_SENT',
    stateHistory: [{ state: 'SYN_SENT', atMs, durationMs: null }],
    openedAtMs: atMs,
    segmentsSent: dropped,
    retransmits: Math.max(0, dropped - 1),
    drops: dropsOf({ NETFILTER_DROP: dropped }),
    connectLatencyMs: null,
  });
}

describe('findings on flows and connects whose other end is this host', () => {
  test('a blackholed port: one unreachable finding naming the client and the port, its dropped SYNs taken in', () => {
    const results = run(8, (tick, atMs) => ({
      // A new connect every second; each has its SYN and its retransmits dropped (one a second).
      connections: Array.from({ length: tick + 1 }, (_, index) => blackholedConnect(index + 1, 9999, T0 + index * 1000, Math.floor((atMs - (T0 + index * 1000)) / 1000) + 1)),
    }));
    const findings = results[7] ?? [];
    assert.equal(only(findings, 'drops'), undefined, 'the dropped SYNs are no finding of their own');
    const finding = only(findings, 'unreachable');
    assert.equal(finding?.id, 'unreachable:pid=700:peer=127.0.0.1:9999');
    assert.equal(finding?.subject.comm, 'blackhole-dial');
    assert.equal(finding?.subject.peerPort, 9999);
    assert.equal(finding?.severity, 'critical');
    assert.deepEqual(finding?.evidence.absorbed, ['drops']);
    assert.deepEqual(finding?.evidence.reasons, ['NETFILTER_DROP']);
    assert.ok((finding?.evidence.counters.find((counter) => counter.name === 'dropped')?.value ?? 0) >= 10);
    assert.match(finding?.summary ?? '', /^blackhole-dial \(pid 700\) gets no answer from 127\.0\.0\.1:9999: .*; this host dropped \d+ of its packets \(NETFILTER_DROP\)$/);
    assert.match(finding?.nextStep ?? '', /^a firewall rule or filter drops them \(NETFILTER_DROP\).*; then the peer is not answering SYNs/);
  });

  test('a connect already waiting when the capture started is a connect too: its dropped SYNs go to the unreachable finding', () => {
    const results = run(4, (_tick, atMs) => ({
      connections: [1, 2, 3].map((id) => ({ ...blackholedConnect(id, 9999, T0, Math.floor((atMs - T0) / 1000) + 5), preexisting: true })),
    }));
    const findings = results[3] ?? [];
    assert.deepEqual(
      findings.map((finding) => [finding.id, finding.evidence.absorbed]),
      [['unreachable:pid=700:peer=127.0.0.1:9999', ['drops']]],
    );
  });

  test('a connect whose SYN this host dropped is unanswered at once, before the 1 s a silent one waits', () => {
    // Ten connects a second, each given up after 0.5 s.
    const results = run(1, (_tick, atMs) => ({
      connections: Array.from({ length: 10 }, (_, index) => ({ ...blackholedConnect(index + 1, 9999, atMs - 500, 1), state: 'CLOSE' as const, closedAtMs: atMs })),
    }));
    assert.deepEqual(
      (results[0] ?? []).map((finding) => [finding.id, finding.severity, finding.evidence.absorbed]),
      [['unreachable:pid=700:peer=127.0.0.1:9999', 'critical', ['drops']]],
    );
  });

  test('a drops finding opened before its cause was stated resolves into it: one open finding', () => {
    // The sink's drops are seen a tick before the sender's retransmits are.
    const results = run(3, (tick) => ({
      connections: loopbackFlow({ segments: 1000 * (tick + 1), retransmits: 200 * tick, sinkDrops: { NETFILTER_DROP: 200 * (tick + 1) } }),
    }));
    assert.deepEqual((results[0] ?? []).map((finding) => `${finding.id} ${finding.state}`), [`drops:pid=600:peer=127.0.0.1:${SENDER_PORT} open`]);
    assert.deepEqual(
      (results[1] ?? []).map((finding) => `${finding.id} ${finding.state}`),
      ['loss:pid=500:peer=127.0.0.1 open', `drops:pid=600:peer=127.0.0.1:${SENDER_PORT} resolved`],
    );
  });

  test('firewall loss on a loopback flow: one loss finding on the sender with its port; the sink\u2019s drops are its evidence', () => {
    // 1000 segments a second, a fifth of them dropped at the sink's end and retransmitted.
    const results = run(6, (tick) => ({
      connections: loopbackFlow({ segments: 1000 * (tick + 1), retransmits: 200 * (tick + 1), sinkDrops: { NETFILTER_DROP: 200 * (tick + 1) } }),
    }));
    const findings = results[5] ?? [];
    assert.deepEqual(
      findings.map((finding) => finding.id),
      ['loss:pid=500:peer=127.0.0.1'],
      'nothing about the sink',
    );
    const finding = only(findings, 'loss');
    assert.equal(finding?.subject.comm, 'lossy-sender');
    assert.equal(finding?.subject.peerPort, SINK_PORT);
    assert.equal(finding?.severity, 'critical');
    assert.deepEqual(finding?.evidence.absorbed, ['drops']);
    assert.deepEqual(finding?.evidence.reasons, ['NETFILTER_DROP']);
    assert.deepEqual([...(finding?.evidence.connectionIds ?? [])].sort((a, b) => a - b), [1, 101]);
    assert.match(finding?.summary ?? '', /^lossy-sender \(pid 500\) retransmits 20% of its segments to 127\.0\.0\.1:7000 .*; this host dropped 1200 of its packets \(NETFILTER_DROP\)$/);
    assert.match(finding?.nextStep ?? '', /nftables/);
  });

  test('the sink\u2019s drops without a loss finding on the sender stay a drops finding on the sink, per flow', () => {
    // The sender's retransmits are not sampled (a remote-looking flow): the drops alone speak.
    const results = run(3, (tick) => ({ connections: loopbackFlow({ segments: 1000 * (tick + 1), retransmits: 0, sinkDrops: { NETFILTER_DROP: 50 * (tick + 1) } }) }));
    const drops = only(results[2] ?? [], 'drops');
    assert.equal(drops?.id, `drops:pid=600:peer=127.0.0.1:${SENDER_PORT}`);
    assert.equal(drops?.subject.comm, 'lossy-sink');
  });

  test('a process\u2019s drops on one loopback flow do not take in its loss on another', () => {
    const results = run(5, (tick) => ({
      connections: [
        connection({ id: 1, daddr: '127.0.0.1', dport: 5432, segmentsSent: 1000 * (tick + 1), retransmits: 100 * (tick + 1) }),
        connection({ id: 2, daddr: '127.0.0.1', dport: 6379, drops: dropsOf({ SOCKET_RCVBUFF: 50 * (tick + 1) }) }),
      ],
    }));
    const findings = results[4] ?? [];
    assert.deepEqual(only(findings, 'loss')?.evidence.absorbed, []);
    assert.deepEqual(only(findings, 'drops')?.evidence.absorbed, []);
  });

  test('a healthy loopback flow on an overloaded host: retransmits its receiver already had are no loss', () => {
    // 3 % retransmitted, each reported by the sink as old data (spurious: a timer before a late ack).
    const results = run(30, (tick) => ({
      connections: loopbackFlow({ segments: 1000 * (tick + 1), retransmits: 30 * (tick + 1), sinkDrops: { TCP_OLD_DATA: 3 * (tick + 1), TCP_OLD_SEQUENCE: tick + 1 } }),
    }));
    assert.deepEqual(results.flat(), []);
  });

  test('the same retransmits with no report from the receiver are loss', () => {
    const results = run(5, (tick) => ({ connections: loopbackFlow({ segments: 1000 * (tick + 1), retransmits: 30 * (tick + 1) }) }));
    assert.equal(only(results[4] ?? [], 'loss')?.severity, 'warning');
  });

  test('a lossy flow that also retransmits spuriously: the spurious ones are taken off, the loss stays', () => {
    // 30 % retransmitted; the sink dropped 25 % (firewall) and had 5 % already.
    const results = run(5, (tick) => ({
      connections: loopbackFlow({ segments: 1000 * (tick + 1), retransmits: 300 * (tick + 1), sinkDrops: { NETFILTER_DROP: 250 * (tick + 1), TCP_OLD_DATA: 50 * (tick + 1) } }),
    }));
    const finding = only(results[4] ?? [], 'loss');
    assert.equal(finding?.severity, 'critical');
    assert.equal(finding?.evidence.counters.find((counter) => counter.name === 'retransmitted share')?.value, 25);
    assert.equal(finding?.evidence.counters.find((counter) => counter.name === 'spurious retransmits (the receiver had them)')?.value, 250);
  });
});
