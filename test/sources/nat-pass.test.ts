import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { NatRecord } from '../../src/model/records.js';
import { TcpState } from '../../src/model/records.js';
import type { ConntrackTuple } from '../../src/probes/conntrack-messages.js';
import type { ConntrackEntry } from '../../src/probes/conntrack-lookup.js';
import { NatPass, type ConntrackAsker, type NatNamespaces } from '../../src/sources/nat-pass.js';
import { T0, endpoints, sampleRecord, stateRecord, udpFlowRecord } from '../model/record-builders.js';

const HOST = 4026531840;
const POD = 4026532500;

/** A conntrack that answers from a table per namespace, keyed by original tuple, and counts what it was asked. */
class FakeConntrack implements ConntrackAsker {
  readonly asked: { netns: number; path: string | null; tuples: ConntrackTuple[] }[] = [];
  readonly tables = new Map<number, Map<string, ConntrackTuple>>();
  failing = new Set<number>();
  /** The errno name a failing namespace's lookup throws. */
  failure = 'EAGAIN';
  closed = false;

  /** A DNAT entry in `netns`: `original` was sent to `backend`. */
  translate(netns: number, original: ConntrackTuple, backend: { address: string; port: number }): void {
    const table = this.tables.get(netns) ?? new Map<string, ConntrackTuple>();
    table.set(key(original), { ...original, saddr: backend.address, sport: backend.port, daddr: original.saddr, dport: original.sport });
    this.tables.set(netns, table);
  }

  ask(netns: number, path: string | null, tuples: readonly ConntrackTuple[]): (ConntrackEntry | null)[] {
    this.asked.push({ netns, path, tuples: [...tuples] });
    if (this.failing.has(netns)) throw Object.assign(new Error(`ctnetlink: ${this.failure}`), { errno: 11, code: this.failure });
    return tuples.map((tuple) => {
      const reply = this.tables.get(netns)?.get(key(tuple));
      return reply === undefined ? null : { seq: 0, found: true, original: tuple, reply, sourceNat: false, destinationNat: true };
    });
  }

  forget(): void {}

  close(): void {
    this.closed = true;
  }
}

function key(tuple: ConntrackTuple): string {
  return `${tuple.saddr}:${tuple.sport}>${tuple.daddr}:${tuple.dport}`;
}

function tupleOf(sport: number, daddr = '10.96.0.10', saddr = '10.244.1.5'): ConntrackTuple {
  return { family: 'ipv4', protocol: 'tcp', saddr, sport, daddr, dport: 80 };
}

const namespaces: NatNamespaces = {
  own: HOST,
  host: { netns: HOST, path: null },
  pathOf: (netns) => (netns === POD ? '/proc/4242/ns/net' : null),
  forget: () => undefined,
};

function pass(conntrack: FakeConntrack, options: ConstructorParameters<typeof NatPass>[3] = {}, clockMs?: () => number) {
  const records: NatRecord[] = [];
  return { records, nat: new NatPass(conntrack, namespaces, (record) => records.push(record), options, clockMs) };
}

function podSample(cookie: number, sport: number, daddr = '10.96.0.10') {
  return sampleRecord({ cookie, atMs: T0, endpoints: endpoints({ saddr: '10.244.1.5', sport, daddr, dport: 80, netns: POD }) });
}

/** A pod connection's handshake completing: a new connection, told once. */
function connecting(cookie: number, sport: number) {
  return stateRecord({ cookie, atMs: T0, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED, endpoints: endpoints({ saddr: '10.244.1.5', sport, daddr: '10.96.0.10', dport: 80, netns: POD }) });
}

describe('the NAT pass', () => {
  test('a pod connection untranslated in its own namespace is asked in the host\'s, where kube-proxy translated it', () => {
    const conntrack = new FakeConntrack();
    conntrack.translate(HOST, tupleOf(40000), { address: '10.244.2.9', port: 8080 });
    const { nat, records } = pass(conntrack);
    nat.note(podSample(7, 40000));
    nat.run(T0 + 1000);
    assert.deepEqual(
      conntrack.asked.map(({ netns, path }) => [netns, path]),
      [[POD, '/proc/4242/ns/net'], [HOST, null]],
    );
    assert.deepEqual(records, [
      { kind: 'nat', atMs: T0 + 1000, cookie: 7, destination: { address: '10.244.2.9', port: 8080 }, originalDestination: { address: '10.96.0.10', port: 80 }, direction: 'outgoing', table: 'host' },
    ]);
  });

  test('each connection is asked once, new ones in one batch a tick; a closed one is forgotten', () => {
    const conntrack = new FakeConntrack();
    conntrack.translate(POD, tupleOf(40001), { address: '10.244.2.9', port: 8080 });
    const { nat, records } = pass(conntrack);
    nat.note(podSample(1, 40001));
    nat.note(podSample(2, 40002));
    nat.note(podSample(1, 40001));
    nat.run(T0 + 1000);
    assert.equal(conntrack.asked[0]?.tuples.length, 2, 'both in one request');
    assert.deepEqual(records.map((record) => [record.cookie, record.table]), [[1, 'socket']]);
    nat.note(podSample(1, 40001));
    nat.run(T0 + 2000);
    assert.equal(conntrack.asked.length, 2, 'nothing new: no question (the second was the host lookup of cookie 2)');
    nat.note(stateRecord({ cookie: 1, atMs: T0 + 2500, oldState: TcpState.ESTABLISHED, newState: TcpState.CLOSE }));
    nat.note(podSample(1, 40001));
    nat.run(T0 + 3000);
    assert.deepEqual(records.map((record) => record.cookie), [1, 1], 'a cookie seen again after its close is looked up again');
    assert.equal(conntrack.asked.length, 2, '…its tuple answered from memory');
  });

  test('a connection that closes before the tick is still asked about, once', () => {
    const conntrack = new FakeConntrack();
    conntrack.translate(POD, tupleOf(40003), { address: '10.244.2.9', port: 8080 });
    const { nat, records } = pass(conntrack);
    nat.note(podSample(4, 40003));
    nat.note(stateRecord({ cookie: 4, atMs: T0 + 10, oldState: TcpState.FIN_WAIT1, newState: TcpState.CLOSE }));
    nat.run(T0 + 1000);
    assert.deepEqual(records.map((record) => record.cookie), [4]);
    nat.run(T0 + 2000);
    assert.equal(conntrack.asked.length, 1);
  });

  test('connections waiting past the bound: one that finds the queue full waits for a later record with room; a closed one waiting is still asked', () => {
    const conntrack = new FakeConntrack();
    const { nat } = pass(conntrack, { maxPendingLookups: 2 });
    nat.note(podSample(1, 40001));
    nat.note(stateRecord({ cookie: 1, atMs: T0 + 10, oldState: TcpState.FIN_WAIT1, newState: TcpState.CLOSE }));
    nat.note(podSample(2, 40002));
    nat.note(podSample(3, 40003));
    nat.note(connecting(4, 40004));
    nat.run(T0 + 1000);
    assert.deepEqual(conntrack.asked[0]?.tuples.map((tuple) => tuple.sport), [40001, 40002], 'the sample of 3 and the new connection 4 found the queue full');
    nat.note(podSample(2, 40002));
    nat.note(podSample(3, 40003));
    nat.run(T0 + 2000);
    const second = conntrack.asked.find((request, index) => index > 0 && request.netns === POD);
    assert.deepEqual(second?.tuples.map((tuple) => tuple.sport), [40003], 'the waiting sample, sampled again, is asked; 2 is not asked twice');
    nat.note(connecting(5, 40005));
    nat.run(T0 + 3000);
    const third = conntrack.asked.filter((request) => request.netns === POD).at(-1);
    assert.deepEqual(third?.tuples.map((tuple) => tuple.sport), [40005], 'with room again a new connection is queued at once');
  });

  test('loopback connections and host connections are asked in one table only; listeners and unbound sockets not at all', () => {
    const conntrack = new FakeConntrack();
    const { nat } = pass(conntrack);
    nat.note(sampleRecord({ cookie: 3, atMs: T0, endpoints: endpoints({ saddr: '127.0.0.1', daddr: '127.0.0.1', netns: POD }) }));
    nat.note(sampleRecord({ cookie: 4, atMs: T0, endpoints: endpoints({ netns: HOST }) }));
    nat.note(sampleRecord({ cookie: 5, atMs: T0, state: TcpState.LISTEN, endpoints: endpoints({ daddr: '0.0.0.0', dport: 0 }) }));
    nat.note(stateRecord({ cookie: 6, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, endpoints: endpoints({ sport: 0 }) }));
    nat.run(T0 + 1000);
    assert.deepEqual(
      conntrack.asked.map(({ netns, tuples }) => [netns, tuples.map((tuple) => tuple.sport)]),
      [[POD, [40000]], [HOST, [40000]]],
    );
    assert.equal(conntrack.asked[1]?.tuples[0]?.daddr, '93.184.216.34', 'the host lookup was the host connection\'s own');
  });

  test('at most maxLookupsPerTick a tick, the rest the next tick', () => {
    const conntrack = new FakeConntrack();
    const { nat } = pass(conntrack, { maxLookupsPerTick: 3 });
    for (let cookie = 1; cookie <= 5; cookie++) nat.note(sampleRecord({ cookie, atMs: T0, endpoints: endpoints({ sport: 40000 + cookie }) }));
    nat.run(T0 + 1000);
    nat.run(T0 + 2000);
    nat.run(T0 + 3000);
    assert.deepEqual(conntrack.asked.map(({ tuples }) => tuples.map((tuple) => tuple.sport)), [[40001, 40002, 40003], [40004, 40005]]);
  });

  test('once the tick\'s budget is spent, the remaining namespaces wait for the next tick', () => {
    const conntrack = new FakeConntrack();
    let nowMs = 0;
    const { nat } = pass(conntrack, { tickBudgetMs: 5 }, () => nowMs);
    const slowAsk = conntrack.ask.bind(conntrack);
    conntrack.ask = (netns, path, tuples) => {
      nowMs += 10;
      return slowAsk(netns, path, tuples);
    };
    nat.note(sampleRecord({ cookie: 1, atMs: T0, endpoints: endpoints({ netns: HOST }) }));
    nat.note(podSample(2, 40002, '127.0.0.1'));
    nat.run(T0 + 1000);
    assert.deepEqual(conntrack.asked.map(({ netns }) => netns), [HOST]);
    nat.run(T0 + 2000);
    assert.deepEqual(conntrack.asked.map(({ netns }) => netns), [HOST, POD]);
  });

  test('a tick asks one namespace even when the budget was spent before its first lookup (the process lost the CPU)', () => {
    const conntrack = new FakeConntrack();
    let clockReads = 0;
    // The tick starts at 0; by the first look at the clock after that, 30 ms have gone.
    const { nat } = pass(conntrack, { tickBudgetMs: 20 }, () => (clockReads++ === 0 ? 0 : 30));
    nat.note(sampleRecord({ cookie: 1, atMs: T0, endpoints: endpoints({ netns: HOST }) }));
    nat.note(podSample(2, 40002, '127.0.0.1'));
    nat.run(T0 + 1000);
    assert.deepEqual(conntrack.asked.map(({ netns }) => netns), [HOST]);
    clockReads = 0;
    nat.run(T0 + 2000);
    assert.deepEqual(conntrack.asked.map(({ netns }) => netns), [HOST, POD]);
  });

  test('answers are remembered per tuple, for the TTL', () => {
    const conntrack = new FakeConntrack();
    conntrack.translate(HOST, tupleOf(40000, '10.96.0.10', '10.0.0.1'), { address: '10.244.2.9', port: 8080 });
    const { nat, records } = pass(conntrack, { answerTtlMs: 5_000 });
    const hostSocket = (cookie: number, atMs: number) => sampleRecord({ cookie, atMs, endpoints: endpoints({ sport: 40000, daddr: '10.96.0.10', dport: 80 }) });
    nat.note(hostSocket(1, T0));
    nat.run(T0 + 1000);
    nat.note(hostSocket(2, T0 + 2000));
    nat.run(T0 + 2000);
    assert.equal(conntrack.asked.length, 1, 'the same tuple within the TTL: from memory');
    nat.note(hostSocket(3, T0 + 9000));
    nat.run(T0 + 9000);
    assert.equal(conntrack.asked.length, 2, 'past the TTL: asked again');
    assert.deepEqual(records.map((record) => record.cookie), [1, 2, 3]);
  });

  test('a namespace that cannot be asked (its lookup fails, or no process is left in it) leaves the host\'s table to tell', () => {
    const conntrack = new FakeConntrack();
    conntrack.failing.add(POD);
    conntrack.translate(HOST, tupleOf(40000, '10.96.0.10', '10.0.0.1'), { address: '10.244.2.9', port: 8080 });
    conntrack.translate(HOST, tupleOf(40009, '10.96.0.10', '10.0.0.1'), { address: '10.244.2.10', port: 8080 });
    const { nat, records } = pass(conntrack);
    nat.note(podSample(1, 40001));
    nat.note(sampleRecord({ cookie: 2, atMs: T0, endpoints: endpoints({ sport: 40009, daddr: '10.96.0.10', dport: 80, netns: 4026599999 }) }));
    nat.note(sampleRecord({ cookie: 3, atMs: T0, endpoints: endpoints({ sport: 40000, daddr: '10.96.0.10', dport: 80 }) }));
    nat.run(T0 + 1000);
    assert.deepEqual(conntrack.asked.map(({ netns, tuples }) => [netns, tuples.map((tuple) => tuple.sport)]), [[POD, [40001]], [HOST, [40000]], [HOST, [40001, 40009]]]);
    assert.deepEqual(records.map((record) => [record.cookie, record.table]), [[3, 'socket'], [2, 'host']]);
    nat.close();
    assert.ok(conntrack.closed);
  });

  test('refused for want of CAP_NET_ADMIN, it asks no more', () => {
    const conntrack = new FakeConntrack();
    conntrack.failing.add(HOST);
    conntrack.failure = 'EPERM';
    const { nat } = pass(conntrack);
    nat.note(sampleRecord({ cookie: 1, atMs: T0, endpoints: endpoints({ sport: 40001 }) }));
    nat.run(T0 + 1000);
    nat.note(sampleRecord({ cookie: 2, atMs: T0 + 1000, endpoints: endpoints({ sport: 40002 }) }));
    nat.run(T0 + 2000);
    assert.equal(conntrack.asked.length, 1);
  });

  test('each UDP flow of an unconnected socket is asked about, once, and its record names the flow\'s peer', () => {
    const conntrack = new FakeConntrack();
    const udp = (dport: number, daddr: string): ConntrackTuple => ({ ...tupleOf(41000, daddr), protocol: 'udp', dport });
    conntrack.translate(POD, udp(53, '10.96.0.10'), { address: '10.244.1.7', port: 5353 });
    conntrack.translate(POD, udp(53, '10.96.0.11'), { address: '10.244.3.8', port: 5353 });
    const { nat, records } = pass(conntrack);
    const flow = (daddr: string, netns = POD, socketClosed = false) =>
      udpFlowRecord({ cookie: 9, connected: false, socketClosed, endpoints: endpoints({ saddr: '10.244.1.5', sport: 41000, daddr, dport: 53, netns }) });
    nat.note(flow('10.96.0.10', 0));
    nat.run(T0 + 1000);
    assert.equal(conntrack.asked.length, 0, 'a flow whose socket was never sampled waits for its namespace');
    nat.note(flow('10.96.0.10'));
    nat.note(flow('10.96.0.11'));
    nat.note(flow('10.96.0.10'));
    nat.run(T0 + 2000);
    assert.deepEqual(conntrack.asked.map(({ netns, tuples }) => [netns, tuples.map((tuple) => `${tuple.protocol} ${tuple.daddr}`)]), [
      [POD, ['udp 10.96.0.10', 'udp 10.96.0.11']],
    ]);
    assert.deepEqual(records, [
      { kind: 'nat', atMs: T0 + 2000, cookie: 9, destination: { address: '10.244.1.7', port: 5353 }, originalDestination: { address: '10.96.0.10', port: 53 }, direction: 'outgoing', table: 'socket', udpPeer: { address: '10.96.0.10', port: 53 } },
      { kind: 'nat', atMs: T0 + 2000, cookie: 9, destination: { address: '10.244.3.8', port: 5353 }, originalDestination: { address: '10.96.0.11', port: 53 }, direction: 'outgoing', table: 'socket', udpPeer: { address: '10.96.0.11', port: 53 } },
    ]);
    nat.note(flow('10.96.0.11'));
    nat.run(T0 + 3000);
    assert.equal(records.length, 2, 'a flow asked about already is not asked again');
    nat.note(flow('10.96.0.11', POD, true));
    nat.note(flow('10.96.0.11'));
    nat.run(T0 + 4000);
    assert.deepEqual(records.map((record) => record.udpPeer?.address), ['10.96.0.10', '10.96.0.11', '10.96.0.11'], 'a flow seen again after its socket closed is asked again');
  });
});
