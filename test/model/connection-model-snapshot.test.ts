import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelRecord } from '../../src/model/records.js';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { TcpState } from '../../src/model/records.js';
import {
  T0,
  clientHandshake,
  connectionOf,
  counters,
  dropRecord,
  endpoints,
  ownerRecord,
  sampleRecord,
  stateRecord,
  taskOwner,
} from './record-builders.js';
import { plainSnapshot } from '../support/plain-snapshot.js';

/** Three processes talking to two peers, fed out of id order. */
function busyCapture(): ModelRecord[] {
  const toPeerA = (sport: number) => endpoints({ sport, daddr: '10.0.0.9', dport: 5432 });
  const toPeerB = (sport: number) => endpoints({ sport, daddr: '10.0.0.10', dport: 443 });
  const opening = (cookie: number, socket: ReturnType<typeof endpoints>, pid: number, comm: string) =>
    stateRecord({
      cookie,
      atMs: T0 + cookie,
      oldState: TcpState.CLOSE,
      newState: TcpState.SYN_SENT,
      endpoints: socket,
      owner: taskOwner({ pid, comm }),
    });
  return [
    opening(30, toPeerB(1030), 300, 'curl'),
    opening(10, toPeerA(1010), 200, 'psql'),
    opening(20, toPeerA(1020), 100, 'app'),
    sampleRecord({
      cookie: 30,
      atMs: T0 + 500,
      endpoints: toPeerB(1030),
      counters: counters({ bytesAcked: 3000, bytesReceived: 30 }),
    }),
    sampleRecord({
      cookie: 10,
      atMs: T0 + 500,
      endpoints: toPeerA(1010),
      counters: counters({ bytesAcked: 1000, bytesReceived: 10 }),
    }),
    sampleRecord({
      cookie: 20,
      atMs: T0 + 500,
      endpoints: toPeerA(1020),
      counters: counters({ bytesAcked: 2000, bytesReceived: 20 }),
    }),
    sampleRecord({
      cookie: 40,
      atMs: T0 + 500,
      endpoints: toPeerB(1040),
      counters: counters({ bytesAcked: 99, bytesReceived: 99 }),
    }),
    dropRecord({
      cookie: 0,
      atMs: T0 + 600,
      packet: endpoints({ saddr: '10.0.0.9', sport: 5432, daddr: '10.0.0.1', dport: 1010 }),
      reason: 'SOCKET_BACKLOG',
    }),
    dropRecord({
      cookie: 0,
      atMs: T0 + 600,
      packet: endpoints({ saddr: '10.0.0.9', sport: 5432, daddr: '10.0.0.1', dport: 1020 }),
      reason: 'NETFILTER_DROP',
    }),
    dropRecord({
      cookie: 0,
      atMs: T0 + 600,
      packet: endpoints({ saddr: '10.0.0.10', sport: 443, daddr: '10.0.0.1', dport: 1030 }),
      reason: 'TCP_ZEROWINDOW',
    }),
    dropRecord({
      cookie: 0,
      atMs: T0 + 600,
      packet: endpoints({ saddr: '10.0.0.10', sport: 443, daddr: '10.0.0.1', dport: 1030 }),
      reason: 'TCP_ZEROWINDOW',
    }),
    stateRecord({
      cookie: 20,
      atMs: T0 + 700,
      oldState: TcpState.ESTABLISHED,
      newState: TcpState.CLOSE,
      endpoints: toPeerA(1020),
    }),
  ];
}

describe('snapshots', () => {
  test('before the first tick the snapshot is empty', () => {
    const model = new ConnectionModel();
    model.ingest(sampleRecord({ cookie: 1, atMs: T0 }));
    assert.deepEqual(model.snapshot, {
      atMs: 0,
      startedAtMs: 0,
      totals: {
        connectionsOpened: 0,
        connectionsClosed: 0,
        bytesSent: 0,
        bytesReceived: 0,
        retransmits: 0,
        resetsSent: 0,
        resetsReceived: 0,
        drops: 0,
        evicted: 0,
        lostEvents: 0,
        udpFlowsRefused: 0,
      },
      connections: [],
      listeners: [],
      processes: [],
      peers: [],
      containers: [],
      containerStateProblems: {},
      drops: [],
      rateHistory: [],
      events: [],
      gauges: {
        atMs: null,
        namespaces: [],
        host: { memoryPages: null, memoryLimitPages: null, orphans: null, maxOrphans: null },
        processDescriptors: [],
        descriptorsAtMs: null,
      },
    });
  });

  test('a published snapshot never changes, and unchanged connections are shared', () => {
    const model = new ConnectionModel();
    for (const record of clientHandshake(1, T0, 5)) model.ingest(record);
    model.ingest(sampleRecord({ cookie: 2, atMs: T0, endpoints: endpoints({ sport: 1002 }) }));
    const first = model.tick(T0 + 1000);
    const firstCopy = structuredClone(plainSnapshot(first));

    model.ingest(sampleRecord({ cookie: 1, atMs: T0 + 1500, counters: counters({ bytesAcked: 800, srttUs: 1200 }) }));
    model.ingest(
      stateRecord({ cookie: 1, atMs: T0 + 1600, oldState: TcpState.ESTABLISHED, newState: TcpState.FIN_WAIT1 }),
    );
    model.ingest(ownerRecord({ cookie: 0, atMs: T0 + 1700, cmdline: 'curl -v' }));
    model.ingest(dropRecord({ cookie: 1, atMs: T0 + 1800, packet: endpoints() }));
    const second = model.tick(T0 + 2000);

    assert.deepEqual(plainSnapshot(first), firstCopy);
    assert.equal(model.snapshot, second);
    assert.notEqual(second, first);
    assert.notEqual(connectionOf(second, 1), connectionOf(first, 1));
    const changed = connectionOf(second, 1);
    assert.equal(changed.bytesSent, 800);
    assert.equal(changed.srttMs, 1.2);
    assert.deepEqual(
      changed.stateHistory.map((stay) => [stay.state, stay.durationMs]),
      [
        ['SYN_SENT', 5],
        ['ESTABLISHED', 1595],
        ['FIN_WAIT1', null],
      ],
    );
    assert.equal(changed.owner.cmdline, 'curl -v');
    assert.deepEqual(changed.drops, [{ reason: 'NETFILTER_DROP', class: 'matters', count: 1 }]);
    assert.equal(connectionOf(second, 2), connectionOf(first, 2));
    assert.notEqual(second.rateHistory, first.rateHistory);
  });

  test('a tick in which no row changed publishes the table it published before; one changed row, a new table', () => {
    const model = new ConnectionModel();
    for (const record of clientHandshake(1, T0, 5)) model.ingest(record);
    model.ingest(sampleRecord({ cookie: 2, atMs: T0, endpoints: endpoints({ sport: 1002 }) }));
    model.tick(T0 + 1000);
    // The second tick publishes the rates that fell to zero; from the third the rows are settled.
    const settled = model.tick(T0 + 2000);
    const quiet = model.tick(T0 + 3000);
    assert.equal(quiet.connections, settled.connections);
    assert.notEqual(quiet, settled);

    model.ingest(sampleRecord({ cookie: 2, atMs: T0 + 3500, endpoints: endpoints({ sport: 1002 }), counters: counters({ bytesAcked: 64 }) }));
    const moved = model.tick(T0 + 4000);
    assert.notEqual(moved.connections, quiet.connections);
    assert.equal(connectionOf(moved, 1), connectionOf(quiet, 1));
    assert.equal(connectionOf(moved, 2).bytesSent, 64);
    assert.equal(connectionOf(quiet, 2).bytesSent, 0, 'the table published before is unchanged');

    model.ingest(sampleRecord({ cookie: 3, atMs: T0 + 4500, endpoints: endpoints({ sport: 1003 }) }));
    const grown = model.tick(T0 + 5000);
    assert.deepEqual(grown.connections.map((connection) => connection.id), [1, 2, 3]);
    assert.deepEqual(moved.connections.map((connection) => connection.id), [1, 2]);
  });

  test('peers are summed from the published rows when first read: a table republished unchanged keeps them, a moved one sums anew', () => {
    const model = new ConnectionModel();
    model.ingest(sampleRecord({ cookie: 1, atMs: T0, endpoints: endpoints({ sport: 1001 }), counters: counters({ bytesAcked: 10 }) }));
    model.ingest(sampleRecord({ cookie: 2, atMs: T0, endpoints: endpoints({ sport: 1002 }), counters: counters({ bytesAcked: 20 }) }));
    model.tick(T0 + 1000);
    const settled = model.tick(T0 + 2000);
    const quiet = model.tick(T0 + 3000);
    assert.equal(quiet.peers, settled.peers);
    model.ingest(sampleRecord({ cookie: 2, atMs: T0 + 3500, endpoints: endpoints({ sport: 1002 }), counters: counters({ bytesAcked: 84 }) }));
    const moved = model.tick(T0 + 4000);
    assert.notEqual(moved.peers, quiet.peers);
    assert.deepEqual(
      [quiet, moved].map((snapshot) => snapshot.peers.map(({ address, connections, bytesSent }) => ({ address, connections, bytesSent }))),
      // Open before the capture: their bytes count from the first sample.
      [[{ address: '93.184.216.34', connections: 2, bytesSent: 0 }], [{ address: '93.184.216.34', connections: 2, bytesSent: 64 }]],
    );
  });

  test('the connections of one owner share its published owner, until its process is described anew', () => {
    const model = new ConnectionModel();
    const server = taskOwner({ pid: 300, comm: 'nginx' });
    for (const cookie of [1, 2, 3]) {
      model.ingest(
        stateRecord({ cookie, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, endpoints: endpoints({ sport: 1000 + cookie }), owner: server }),
      );
    }
    model.ingest(
      stateRecord({ cookie: 4, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, endpoints: endpoints({ sport: 1004 }), owner: taskOwner({ pid: 301, comm: 'curl' }) }),
    );
    const first = model.tick(T0 + 1000);
    assert.equal(connectionOf(first, 1).owner, connectionOf(first, 2).owner);
    assert.equal(connectionOf(first, 1).owner, connectionOf(first, 3).owner);
    assert.notEqual(connectionOf(first, 1).owner, connectionOf(first, 4).owner);
    assert.equal(connectionOf(first, 4).owner.comm, 'curl');

    model.ingest(ownerRecord({ cookie: 0, atMs: T0 + 1500, pid: 300, comm: 'nginx', cmdline: 'nginx: worker process' }));
    const second = model.tick(T0 + 2000);
    assert.equal(connectionOf(second, 1).owner.cmdline, 'nginx: worker process');
    assert.equal(connectionOf(second, 1).owner, connectionOf(second, 3).owner);
    assert.equal(connectionOf(first, 1).owner.cmdline, null, 'the earlier snapshot keeps its owner');
    assert.equal(connectionOf(second, 4).owner, connectionOf(first, 4).owner);
  });

  test('connections, processes, peers and drops come out in a stable order', () => {
    const model = new ConnectionModel();
    for (const record of busyCapture()) model.ingest(record);
    const snapshot = model.tick(T0 + 1000);

    assert.deepEqual(
      snapshot.connections.map((connection) => connection.id),
      [10, 20, 30, 40],
    );
    assert.deepEqual(
      snapshot.processes.map(({ pid, comm, connections, openConnections, bytesSent, drops }) => ({
        pid,
        comm,
        connections,
        openConnections,
        bytesSent,
        drops,
      })),
      [
        { pid: 100, comm: 'app', connections: 1, openConnections: 0, bytesSent: 2000, drops: 1 },
        { pid: 200, comm: 'psql', connections: 1, openConnections: 1, bytesSent: 1000, drops: 1 },
        { pid: 300, comm: 'curl', connections: 1, openConnections: 1, bytesSent: 3000, drops: 2 },
      ],
    );
    assert.deepEqual(
      snapshot.peers.map(({ address, connections, openConnections, bytesSent, bytesReceived, drops }) => ({
        address,
        connections,
        openConnections,
        bytesSent,
        bytesReceived,
        drops,
      })),
      [
        { address: '10.0.0.10', connections: 2, openConnections: 2, bytesSent: 3000, bytesReceived: 30, drops: 2 },
        { address: '10.0.0.9', connections: 2, openConnections: 1, bytesSent: 3000, bytesReceived: 30, drops: 2 },
      ],
    );
    assert.deepEqual(snapshot.drops, [
      { reason: 'TCP_ZEROWINDOW', class: 'matters', count: 2 },
      { reason: 'NETFILTER_DROP', class: 'matters', count: 1 },
      { reason: 'SOCKET_BACKLOG', class: 'matters', count: 1 },
    ]);
    assert.equal(snapshot.totals.bytesSent, 6000);
    assert.equal(snapshot.totals.connectionsOpened, 3);

    const replay = new ConnectionModel();
    for (const record of busyCapture()) replay.ingest(record);
    assert.deepEqual(plainSnapshot(replay.tick(T0 + 1000)), plainSnapshot(snapshot));
  });

  test('the rate history keeps the most recent points', () => {
    const model = new ConnectionModel({ rateHistoryLength: 3 });
    model.ingest(sampleRecord({ cookie: 1, atMs: T0 }));
    for (let second = 1; second <= 5; second++) model.tick(T0 + second * 1000);
    assert.deepEqual(
      model.snapshot.rateHistory.map((point) => point.atMs),
      [T0 + 3000, T0 + 4000, T0 + 5000],
    );
    assert.equal(model.snapshot.startedAtMs, T0);
  });
});
