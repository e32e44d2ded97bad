import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { TcpState } from '../../src/model/records.js';
import { toSnapshotDocument } from '../../src/model/snapshot-document.js';
import {
  HOST_NETNS,
  T0,
  clientHandshake,
  connectionOf,
  dropRecord,
  endpoints,
  ownerRecord,
  resetRecord,
  sampleRecord,
  stateRecord,
  taskOwner,
} from './record-builders.js';

const loopbackClient = endpoints({ saddr: '127.0.0.1', sport: 50000, daddr: '127.0.0.1', dport: 8080 });
const loopbackServer = endpoints({ saddr: '127.0.0.1', sport: 8080, daddr: '127.0.0.1', dport: 50000 });

describe('resets', () => {
  test('a reset with a cookie counts toward its connection by direction, and toward the totals', () => {
    const model = new ConnectionModel();
    for (const record of clientHandshake(21, T0, 5)) model.ingest(record);
    model.ingest(resetRecord({ cookie: 21, atMs: T0 + 100, direction: 'received' }));
    model.ingest(resetRecord({ cookie: 21, atMs: T0 + 110, direction: 'sent' }));
    model.ingest(resetRecord({ cookie: 21, atMs: T0 + 120, direction: 'sent' }));
    const snapshot = model.tick(T0 + 1000);
    const connection = connectionOf(snapshot, 21);
    assert.equal(connection.resetsSent, 2);
    assert.equal(connection.resetsReceived, 1);
    assert.equal(snapshot.totals.resetsSent, 2);
    assert.equal(snapshot.totals.resetsReceived, 1);
  });

  test('a reset without a cookie is matched by its endpoints, local side first', () => {
    const model = new ConnectionModel();
    model.ingest(sampleRecord({ cookie: 22, atMs: T0, endpoints: loopbackServer }));
    model.ingest(sampleRecord({ cookie: 23, atMs: T0, endpoints: loopbackClient }));
    model.ingest(resetRecord({ cookie: 0, atMs: T0 + 10, direction: 'sent', endpoints: loopbackServer }));
    model.ingest(
      resetRecord({ cookie: 0, atMs: T0 + 20, direction: 'sent', endpoints: endpoints({ sport: 1, dport: 2 }) }),
    );
    const snapshot = model.tick(T0 + 1000);
    assert.equal(connectionOf(snapshot, 22).resetsSent, 1);
    assert.equal(connectionOf(snapshot, 23).resetsSent, 0);
    assert.equal(snapshot.totals.resetsSent, 2);
  });

  test('a reset that arrives before its socket is seen is kept for it', () => {
    const model = new ConnectionModel();
    model.ingest(resetRecord({ cookie: 24, atMs: T0 + 100, direction: 'received' }));
    model.ingest(resetRecord({ cookie: 24, atMs: T0 + 100, direction: 'sent' }));
    model.ingest(resetRecord({ cookie: 24, atMs: T0 + 100, direction: 'sent' }));
    model.ingest(stateRecord({ cookie: 24, atMs: T0 + 101, oldState: TcpState.ESTABLISHED, newState: TcpState.CLOSE }));
    const snapshot = model.tick(T0 + 1000);
    assert.equal(connectionOf(snapshot, 24).resetsReceived, 1);
    assert.equal(connectionOf(snapshot, 24).resetsSent, 2);
    assert.equal(snapshot.totals.resetsReceived, 1);
    assert.equal(snapshot.totals.resetsSent, 2);
  });
});

describe('drops', () => {
  test('every drop counts by reason; one with a cookie goes to that connection', () => {
    const model = new ConnectionModel();
    for (const record of clientHandshake(31, T0, 5)) model.ingest(record);
    const packet = endpoints({ saddr: '93.184.216.34', sport: 443, daddr: '10.0.0.1', dport: 40000 });
    model.ingest(dropRecord({ cookie: 31, atMs: T0 + 10, packet, reason: 'TCP_CSUM' }));
    model.ingest(dropRecord({ cookie: 31, atMs: T0 + 20, packet, reason: 'NETFILTER_DROP' }));
    model.ingest(dropRecord({ cookie: 31, atMs: T0 + 30, packet, reason: 'NETFILTER_DROP' }));
    model.ingest(dropRecord({ cookie: 999, atMs: T0 + 40, packet, reason: 'NO_SOCKET' }));
    const snapshot = model.tick(T0 + 1000);
    assert.deepEqual(connectionOf(snapshot, 31).drops, [
      { reason: 'NETFILTER_DROP', class: 'matters', count: 2 },
      { reason: 'TCP_CSUM', class: 'matters', count: 1 },
    ]);
    assert.equal(snapshot.totals.drops, 3, 'NO_SOCKET is a refusal, not a network drop');
    assert.deepEqual(snapshot.drops, [
      { reason: 'NETFILTER_DROP', class: 'matters', count: 2 },
      { reason: 'NO_SOCKET', class: 'refused', count: 1 },
      { reason: 'TCP_CSUM', class: 'matters', count: 1 },
    ]);
    assert.equal(snapshot.processes[0]?.drops, 3);
    assert.equal(snapshot.peers[0]?.drops, 3);
  });

  test('a drop without a cookie goes to the socket the packet was arriving at', () => {
    const model = new ConnectionModel();
    model.ingest(sampleRecord({ cookie: 32, atMs: T0, endpoints: loopbackClient }));
    model.ingest(sampleRecord({ cookie: 33, atMs: T0, endpoints: loopbackServer }));
    // Client → server: incoming for the server socket, outgoing for the client socket.
    const packet = endpoints({ saddr: '127.0.0.1', sport: 50000, daddr: '127.0.0.1', dport: 8080 });
    model.ingest(dropRecord({ cookie: 0, atMs: T0 + 10, packet }));
    const snapshot = model.tick(T0 + 1000);
    assert.equal(connectionOf(snapshot, 33).drops[0]?.count, 1);
    assert.deepEqual(connectionOf(snapshot, 32).drops, []);
  });

  test('a drop without a cookie falls back to the socket that sent the packet', () => {
    const model = new ConnectionModel();
    model.ingest(sampleRecord({ cookie: 34, atMs: T0 }));
    const outgoing = endpoints({ saddr: '10.0.0.1', sport: 40000, daddr: '93.184.216.34', dport: 443 });
    model.ingest(dropRecord({ cookie: 0, atMs: T0 + 10, packet: outgoing }));
    model.ingest(dropRecord({ cookie: 0, atMs: T0 + 20, packet: endpoints({ sport: 1, dport: 2 }) }));
    const snapshot = model.tick(T0 + 1000);
    assert.equal(connectionOf(snapshot, 34).drops[0]?.count, 1);
    assert.equal(snapshot.totals.drops, 2);
  });

  test('a tuple shared by several sockets resolves to the packet netns, then to the open one', () => {
    const model = new ConnectionModel();
    const containerNetns = 4026532500;
    model.ingest(sampleRecord({ cookie: 35, atMs: T0 }));
    model.ingest(sampleRecord({ cookie: 36, atMs: T0, endpoints: endpoints({ netns: containerNetns }) }));
    model.ingest(stateRecord({ cookie: 35, atMs: T0 + 5, oldState: TcpState.ESTABLISHED, newState: TcpState.CLOSE }));
    model.ingest(sampleRecord({ cookie: 37, atMs: T0 + 10 }));
    const incoming = { saddr: '93.184.216.34', sport: 443, daddr: '10.0.0.1', dport: 40000 };
    model.ingest(dropRecord({ cookie: 0, atMs: T0 + 20, packet: endpoints({ ...incoming, netns: containerNetns }) }));
    model.ingest(dropRecord({ cookie: 0, atMs: T0 + 30, packet: endpoints({ ...incoming, netns: HOST_NETNS }) }));
    const snapshot = model.tick(T0 + 1000);
    assert.equal(connectionOf(snapshot, 36).drops[0]?.count, 1);
    assert.equal(connectionOf(snapshot, 37).drops[0]?.count, 1);
    assert.deepEqual(connectionOf(snapshot, 35).drops, []);
  });
});

describe('owners', () => {
  test('the task that connects owns the connection, over an owner resolved earlier', () => {
    const model = new ConnectionModel();
    // Sampled (and resolved through /proc to a process sharing the fd) before its connect
    // event was drained.
    model.ingest(sampleRecord({ cookie: 41, atMs: T0 + 100 }));
    model.ingest(
      ownerRecord({ cookie: 41, atMs: T0 + 101, pid: 999, comm: 'bash', cmdline: 'bash', user: 'root', uid: 0 }),
    );
    for (const record of clientHandshake(41, T0, 5)) model.ingest(record);
    model.ingest(
      stateRecord({
        cookie: 41,
        atMs: T0 + 500,
        oldState: TcpState.ESTABLISHED,
        newState: TcpState.FIN_WAIT1,
        owner: taskOwner({ pid: 555, comm: 'other' }),
      }),
    );
    const owner = connectionOf(model.tick(T0 + 1000), 41).owner;
    assert.equal(owner.pid, 1234);
    assert.equal(owner.comm, 'curl');
    assert.equal(owner.uid, 1000);
    assert.equal(owner.cgroupId, 77);
  });

  test('a later owner (the closing task) fills the gap when none was known', () => {
    const model = new ConnectionModel();
    model.ingest(sampleRecord({ cookie: 42, atMs: T0, uid: 33 }));
    assert.deepEqual(connectionOf(model.tick(T0 + 100), 42).owner, {
      pid: null,
      comm: null,
      cmdline: null,
      uid: 33,
      user: null,
      cgroupId: null,
      container: null,
      provisional: false,
    });
    model.ingest(
      stateRecord({
        cookie: 42,
        atMs: T0 + 200,
        oldState: TcpState.ESTABLISHED,
        newState: TcpState.FIN_WAIT1,
        owner: taskOwner({ pid: 555, comm: 'nginx', uid: 33, cgroupId: 0 }),
      }),
    );
    assert.deepEqual(connectionOf(model.tick(T0 + 1000), 42).owner, {
      pid: 555,
      comm: 'nginx',
      cmdline: null,
      uid: 33,
      user: null,
      cgroupId: null,
      container: null,
      provisional: false,
    });
  });

  test('owner records fill the command line and user, even without a cookie', () => {
    const model = new ConnectionModel();
    for (const record of clientHandshake(43, T0, 5, taskOwner({ comm: 'curl-worker' }))) model.ingest(record);
    model.tick(T0 + 100);
    model.ingest(
      ownerRecord({ cookie: 0, atMs: T0 + 150, comm: 'curl', cmdline: 'curl -s https://example.com', user: 'alice' }),
    );
    const snapshot = model.tick(T0 + 1000);
    assert.deepEqual(connectionOf(snapshot, 43).owner, {
      pid: 1234,
      comm: 'curl',
      cmdline: 'curl -s https://example.com',
      uid: 1000,
      user: 'alice',
      cgroupId: 77,
      container: null,
      provisional: false,
    });
    assert.deepEqual(
      snapshot.processes.map(({ pid, comm, cmdline, user, connections }) => ({
        pid,
        comm,
        cmdline,
        user,
        connections,
      })),
      [{ pid: 1234, comm: 'curl', cmdline: 'curl -s https://example.com', user: 'alice', connections: 1 }],
    );
  });

  test('an owner record with a cookie sets the owner of a connection that has none', () => {
    const model = new ConnectionModel();
    model.ingest(sampleRecord({ cookie: 44, atMs: T0 }));
    model.ingest(
      ownerRecord({
        cookie: 44,
        atMs: T0 + 1,
        pid: 2000,
        comm: 'psql',
        cmdline: 'psql -h db',
        uid: 1001,
        user: 'bob',
        cgroupId: 88,
      }),
    );
    model.ingest(ownerRecord({ cookie: 44, atMs: T0 + 2, pid: 3000, comm: 'other' }));
    assert.deepEqual(connectionOf(model.tick(T0 + 1000), 44).owner, {
      pid: 2000,
      comm: 'psql',
      cmdline: 'psql -h db',
      uid: 1001,
      user: 'bob',
      cgroupId: 88,
      container: null,
      provisional: false,
    });
  });

  describe("an accepted connection's listener", () => {
    const LISTENER = 10;
    const listenRecord = stateRecord({
      cookie: LISTENER,
      atMs: T0,
      endpoints: endpoints({ saddr: '0.0.0.0', sport: 8080, daddr: '0.0.0.0', dport: 0 }),
      oldState: TcpState.CLOSE,
      newState: TcpState.LISTEN,
      owner: taskOwner({ pid: 80, comm: 'nginx', uid: 0, cgroupId: 0 }),
    });

    test("lends its owner, marked provisional, until the connection's own is named", () => {
      const model = new ConnectionModel();
      model.ingest(listenRecord);
      model.ingest(sampleRecord({ cookie: 11, atMs: T0 + 10, endpoints: loopbackServer }));
      const lent = connectionOf(model.tick(T0 + 1000), 11).owner;
      assert.deepEqual({ pid: lent.pid, comm: lent.comm, provisional: lent.provisional }, { pid: 80, comm: 'nginx', provisional: true });
      const document = toSnapshotDocument(model.snapshot, { host: { hostname: 'node-1', kernel: '6.18.0' }, source: { kind: 'ebpf', probes: [] }, generatedAtMs: T0 + 1000 });
      assert.deepEqual(
        document.connections.map(({ id, pid, ownerProvisional }) => ({ id, pid, ownerProvisional })),
        [{ id: '11', pid: 80, ownerProvisional: true }],
      );
      // The worker that accepted it, as /proc found it.
      model.ingest(ownerRecord({ cookie: 11, atMs: T0 + 1500, pid: 81, comm: 'nginx', uid: 33, cgroupId: 0 }));
      const own = connectionOf(model.tick(T0 + 2000), 11).owner;
      assert.deepEqual({ pid: own.pid, provisional: own.provisional }, { pid: 81, provisional: false });
      assert.deepEqual(model.snapshot.processes.map(({ pid, connections }) => ({ pid, connections })), [{ pid: 81, connections: 1 }]);
    });

    test('an event in the owning task replaces the lent owner', () => {
      const model = new ConnectionModel();
      model.ingest(listenRecord);
      model.ingest(sampleRecord({ cookie: 12, atMs: T0 + 10, endpoints: loopbackServer }));
      model.tick(T0 + 1000);
      model.ingest(
        stateRecord({ cookie: 12, atMs: T0 + 1100, endpoints: loopbackServer, oldState: TcpState.ESTABLISHED, newState: TcpState.FIN_WAIT1, owner: taskOwner({ pid: 82, comm: 'nginx' }) }),
      );
      const own = connectionOf(model.tick(T0 + 2000), 12).owner;
      assert.deepEqual({ pid: own.pid, provisional: own.provisional }, { pid: 82, provisional: false });
    });

    test('lends nothing to a connection on another port, nor while its own owner is unknown', () => {
      const model = new ConnectionModel();
      model.ingest({ ...listenRecord, owner: null });
      model.ingest(sampleRecord({ cookie: 13, atMs: T0 + 10, endpoints: loopbackServer }));
      model.ingest(sampleRecord({ cookie: 14, atMs: T0 + 10, endpoints: loopbackClient }));
      const snapshot = model.tick(T0 + 1000);
      assert.equal(connectionOf(snapshot, 13).owner.pid, null, 'the listener has no owner yet');
      assert.equal(connectionOf(snapshot, 14).owner.pid, null, 'a client to port 8080: its local port is no listener\'s');
      // The listener's own owner, as /proc found it: lent from the next tick on.
      model.ingest(ownerRecord({ cookie: LISTENER, atMs: T0 + 1100, pid: 80, comm: 'nginx' }));
      const next = model.tick(T0 + 2000);
      assert.deepEqual([connectionOf(next, 13).owner.pid, connectionOf(next, 13).owner.provisional], [80, true]);
      assert.equal(connectionOf(next, 14).owner.pid, null);
    });

    test('in its own network namespace only', () => {
      const model = new ConnectionModel();
      model.ingest(listenRecord);
      model.ingest(sampleRecord({ cookie: 15, atMs: T0 + 10, endpoints: { ...loopbackServer, netns: HOST_NETNS + 1 } }));
      assert.equal(connectionOf(model.tick(T0 + 1000), 15).owner.pid, null);
    });
  });
});

describe('drops that matter', () => {
  test('only class matters counts in the connection, its process and peer, the totals and drops/s; every reason is kept with its class', () => {
    const model = new ConnectionModel();
    for (const record of clientHandshake(41, T0, 5)) model.ingest(record);
    model.tick(T0 + 500);
    const packet = endpoints({ saddr: '93.184.216.34', sport: 443, daddr: '10.0.0.1', dport: 40000 });
    for (const reason of ['QUEUE_PURGE', 'QUEUE_PURGE', 'NOT_SPECIFIED', 'TCP_CLOSE', 'NO_SOCKET', 'NETFILTER_DROP']) {
      model.ingest(dropRecord({ cookie: 41, atMs: T0 + 600, packet, reason }));
    }
    const snapshot = model.tick(T0 + 1500);
    const connection = connectionOf(snapshot, 41);
    assert.deepEqual(connection.drops, [
      { reason: 'QUEUE_PURGE', class: 'housekeeping', count: 2 },
      { reason: 'NETFILTER_DROP', class: 'matters', count: 1 },
      { reason: 'NOT_SPECIFIED', class: 'unclassified', count: 1 },
      { reason: 'NO_SOCKET', class: 'refused', count: 1 },
      { reason: 'TCP_CLOSE', class: 'stray', count: 1 },
    ]);
    assert.equal(snapshot.totals.drops, 1);
    assert.equal(snapshot.processes[0]?.drops, 1);
    assert.equal(snapshot.peers[0]?.drops, 1);
    assert.equal(snapshot.rateHistory.at(-1)?.dropsPerSecond, 1);
    assert.equal(snapshot.drops.length, 5);
  });

  test('a connection with only housekeeping drops counts none', () => {
    const model = new ConnectionModel();
    for (const record of clientHandshake(42, T0, 5)) model.ingest(record);
    model.ingest(dropRecord({ cookie: 42, atMs: T0 + 10, packet: endpoints(), reason: 'QUEUE_PURGE' }));
    model.ingest(dropRecord({ cookie: 42, atMs: T0 + 20, packet: endpoints(), reason: 'NOT_SPECIFIED' }));
    const snapshot = model.tick(T0 + 1000);
    assert.equal(snapshot.totals.drops, 0);
    assert.equal(snapshot.processes[0]?.drops, 0);
    assert.equal(connectionOf(snapshot, 42).drops.length, 2);
  });
});

describe('drop events', () => {
  test('a drop the kernel had no socket for shows the owner of the connection it was credited to', () => {
    const model = new ConnectionModel();
    model.ingest(
      stateRecord({ cookie: 43, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, endpoints: loopbackClient, owner: taskOwner({ pid: 4242, comm: 'curl' }) }),
    );
    model.ingest(dropRecord({ cookie: 0, atMs: T0 + 10, packet: endpoints({ saddr: '127.0.0.1', sport: 8080, daddr: '127.0.0.1', dport: 50000 }) }));
    model.ingest(dropRecord({ cookie: 0, atMs: T0 + 20, packet: endpoints({ sport: 1, dport: 2 }) }));
    const snapshot = model.tick(T0 + 1000);
    const drops = snapshot.events.filter((event) => event.kind === 'drop');
    assert.equal(connectionOf(snapshot, 43).drops[0]?.count, 1);
    assert.deepEqual(
      drops.map((event) => [event.connectionId, event.pid, event.comm]),
      [
        [null, null, null],
        [null, 4242, 'curl'],
      ],
    );
  });
});
