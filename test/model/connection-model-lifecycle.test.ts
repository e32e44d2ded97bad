import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionModel, type ModelOptions } from '../../src/model/connection-model.js';
import type { ModelSnapshot } from '../../src/model/snapshot-types.js';
import { TcpState } from '../../src/model/records.js';
import {
  HOST_NETNS,
  T0,
  connectionOf,
  counters,
  dropRecord,
  endpoints,
  lostRecord,
  ownerRecord,
  sampleRecord,
  stateRecord,
  sweepRecord,
  taskOwner,
} from './record-builders.js';

const listening = endpoints({ saddr: '0.0.0.0', sport: 8080, daddr: '0.0.0.0', dport: 0 });

/** A connection that moved `bytesSent` bytes and closed at `closedAtMs`. */
function closedConnection(model: ConnectionModel, cookie: number, closedAtMs: number, bytesSent: number): void {
  const socket = endpoints({ sport: 40000 + cookie });
  const owner = taskOwner();
  model.ingest(
    stateRecord({
      cookie,
      atMs: closedAtMs - 100,
      oldState: TcpState.CLOSE,
      newState: TcpState.SYN_SENT,
      endpoints: socket,
      owner,
    }),
  );
  model.ingest(
    stateRecord({
      cookie,
      atMs: closedAtMs - 95,
      oldState: TcpState.SYN_SENT,
      newState: TcpState.ESTABLISHED,
      endpoints: socket,
    }),
  );
  model.ingest(
    stateRecord({
      cookie,
      atMs: closedAtMs,
      oldState: TcpState.ESTABLISHED,
      newState: TcpState.CLOSE,
      endpoints: socket,
      counters: counters({ bytesAcked: bytesSent }),
    }),
  );
}

describe('listeners', () => {
  test('listening sockets go to their own table, with their accept queue', () => {
    const model = new ConnectionModel();
    model.ingest(
      stateRecord({
        cookie: 51,
        atMs: T0,
        oldState: TcpState.CLOSE,
        newState: TcpState.LISTEN,
        endpoints: listening,
        owner: taskOwner({ pid: 80, comm: 'nginx', uid: 0 }),
      }),
    );
    model.ingest(
      sampleRecord({
        cookie: 51,
        atMs: T0 + 500,
        state: TcpState.LISTEN,
        endpoints: listening,
        receiveQueue: 3,
        sendQueue: 511,
        counters: null,
      }),
    );
    model.ingest(
      ownerRecord({
        cookie: 0,
        atMs: T0 + 600,
        pid: 80,
        comm: 'nginx',
        cmdline: 'nginx: master process',
        user: 'root',
        uid: 0,
      }),
    );
    const snapshot = model.tick(T0 + 1000);
    assert.deepEqual(snapshot.connections, []);
    assert.deepEqual(snapshot.listeners, [
      {
        id: 51,
        family: 'ipv4',
        saddr: '0.0.0.0',
        sport: 8080,
        netns: HOST_NETNS,
        owner: { pid: 80, comm: 'nginx', cmdline: 'nginx: master process', uid: 0, user: 'root', cgroupId: 77, container: null, provisional: false },
        acceptQueue: 3,
        acceptQueueLimit: 511,
        drops: 0,
        protocol: 'tcp',
        receiveQueue: null,
      },
    ]);
    assert.equal(snapshot.totals.connectionsOpened, 0);

    model.ingest(
      stateRecord({
        cookie: 51,
        atMs: T0 + 1500,
        oldState: TcpState.LISTEN,
        newState: TcpState.CLOSE,
        endpoints: listening,
      }),
    );
    const closed = model.tick(T0 + 2000);
    assert.deepEqual(closed.listeners, []);
    assert.deepEqual(closed.connections, []);
    assert.equal(closed.totals.connectionsClosed, 0);
  });

  test('a listener first seen in a sample is a listener too', () => {
    const model = new ConnectionModel();
    model.ingest(
      sampleRecord({
        cookie: 52,
        atMs: T0,
        state: TcpState.LISTEN,
        endpoints: listening,
        receiveQueue: 0,
        sendQueue: 128,
      }),
    );
    const snapshot = model.tick(T0 + 1000);
    assert.equal(snapshot.connections.length, 0);
    assert.equal(snapshot.listeners[0]?.acceptQueueLimit, 128);
  });
});

describe('sweep', () => {
  test('a pass closes the connections and listeners of its namespaces it no longer found', () => {
    const model = new ConnectionModel();
    const otherNetns = 4026532999;
    model.ingest(sampleRecord({ cookie: 61, atMs: T0, endpoints: endpoints({ sport: 1061 }) }));
    model.ingest(sampleRecord({ cookie: 62, atMs: T0, endpoints: endpoints({ sport: 1062 }) }));
    model.ingest(sampleRecord({ cookie: 63, atMs: T0, endpoints: endpoints({ sport: 1063, netns: otherNetns }) }));
    model.ingest(sampleRecord({ cookie: 64, atMs: T0, state: TcpState.LISTEN, endpoints: listening }));
    model.ingest(stateRecord({ cookie: 65, atMs: T0 + 1001, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT }));
    // The next pass (from T0 + 1000) finds 61 only.
    model.ingest(sampleRecord({ cookie: 61, atMs: T0 + 1002, endpoints: endpoints({ sport: 1061 }) }));
    model.ingest(sweepRecord({ atMs: T0 + 1010, sinceMs: T0 + 1000, netns: [HOST_NETNS] }));
    const snapshot = model.tick(T0 + 2000);

    assert.equal(connectionOf(snapshot, 61).closedAtMs, null);
    assert.equal(connectionOf(snapshot, 65).closedAtMs, null);
    assert.equal(connectionOf(snapshot, 63).closedAtMs, null);
    const gone = connectionOf(snapshot, 62);
    assert.equal(gone.closedAtMs, T0 + 1010);
    assert.deepEqual(gone.stateHistory, [
      { state: 'ESTABLISHED', atMs: T0, durationMs: 1010 },
      { state: 'CLOSE', atMs: T0 + 1010, durationMs: null },
    ]);
    assert.deepEqual(snapshot.listeners, []);
    assert.equal(snapshot.totals.connectionsClosed, 1);
  });

  test("a late close event corrects a sweep's close time without counting twice", () => {
    const model = new ConnectionModel();
    model.ingest(sampleRecord({ cookie: 66, atMs: T0 }));
    model.ingest(sweepRecord({ atMs: T0 + 1010, sinceMs: T0 + 1000 }));
    model.ingest(stateRecord({ cookie: 66, atMs: T0 + 400, oldState: TcpState.ESTABLISHED, newState: TcpState.CLOSE }));
    const snapshot = model.tick(T0 + 2000);
    const connection = connectionOf(snapshot, 66);
    assert.equal(connection.closedAtMs, T0 + 400);
    assert.deepEqual(connection.stateHistory.at(-1), { state: 'CLOSE', atMs: T0 + 400, durationMs: null });
    assert.equal(snapshot.totals.connectionsClosed, 1);
  });
});

describe('lost events', () => {
  test('the lost-event count is cumulative: the highest total wins', () => {
    const model = new ConnectionModel();
    model.ingest(lostRecord(T0, 12));
    model.ingest(lostRecord(T0 + 2, 40));
    model.ingest(lostRecord(T0 + 1, 30));
    assert.equal(model.tick(T0 + 1000).totals.lostEvents, 40);
  });
});

describe('eviction', () => {
  test('closed connections leave the table after the retention time, the totals stay', () => {
    const model = new ConnectionModel({ closedRetentionMs: 60_000 });
    closedConnection(model, 71, T0 + 1000, 5000);
    closedConnection(model, 70, T0 + 1500, 0);
    model.ingest(sampleRecord({ cookie: 72, atMs: T0 + 1000, endpoints: endpoints({ sport: 1072 }) }));
    const retained = model.tick(T0 + 60_999);
    assert.deepEqual(
      retained.connections.map((connection) => connection.id),
      [70, 71, 72],
    );
    assert.equal(retained.totals.evicted, 0);

    const evicted = model.tick(T0 + 61_000);
    assert.deepEqual(
      evicted.connections.map((connection) => connection.id),
      [70, 72],
      'the one closed 60 s ago goes; the one closed later stays for its own minute',
    );
    assert.equal(evicted.totals.evicted, 1);
    assert.equal(evicted.totals.bytesSent, 5000);
    assert.equal(evicted.totals.connectionsOpened, 2);
    assert.equal(evicted.totals.connectionsClosed, 2);
    assert.deepEqual(evicted.processes.map((process) => process.connections), [1], 'the closed row left keeps its process');

    const bothGone = model.tick(T0 + 61_500);
    assert.deepEqual(bothGone.connections.map((connection) => connection.id), [72]);
    assert.deepEqual(bothGone.processes, []);
  });

  /** A tick at T0 + 1000 after the connections closed as given: [id, closed at (from T0), bytes sent]. */
  function tickAfterClosing(options: Partial<ModelOptions>, closes: readonly (readonly [number, number, number])[]): ModelSnapshot {
    const model = new ConnectionModel(options);
    for (const [cookie, closedAfterMs, bytesSent] of closes) closedConnection(model, cookie, T0 + closedAfterMs, bytesSent);
    return model.tick(T0 + 1000);
  }

  test('beyond the closed-connection limit the earliest closed go first', () => {
    const snapshot = tickAfterClosing({ maxClosedConnections: 2 }, [[73, 300, 100], [74, 100, 200], [75, 200, 400]]);
    assert.deepEqual(snapshot.connections.map((connection) => connection.id), [73, 75]);
    assert.equal(snapshot.totals.evicted, 1);
    assert.equal(snapshot.totals.bytesSent, 700);
  });

  test('the expired go, then beyond the limit the earliest closed; among those closed at one time, the lower ids', () => {
    const snapshot = tickAfterClosing({ maxClosedConnections: 2, closedRetentionMs: 500 }, [
      [96, 800, 1], [94, 700, 1], [91, 300, 1], [93, 700, 1], [95, 700, 1], [92, 700, 1],
    ]);
    // 91 expired (closed 700 ms before the tick); of the five left, three go: 92, 93, 94.
    assert.deepEqual(snapshot.connections.map((connection) => connection.id), [95, 96]);
    assert.equal(snapshot.totals.evicted, 4);
  });

  test('at the hard cap a new connection evicts the earliest closed one first', () => {
    const model = new ConnectionModel({ maxConnections: 3 });
    model.ingest(sampleRecord({ cookie: 81, atMs: T0, endpoints: endpoints({ sport: 1081 }) }));
    closedConnection(model, 82, T0 + 500, 300);
    closedConnection(model, 83, T0 + 400, 700);
    model.ingest(sampleRecord({ cookie: 84, atMs: T0 + 600, endpoints: endpoints({ sport: 1084 }) }));
    const snapshot = model.tick(T0 + 1000);
    assert.deepEqual(
      snapshot.connections.map((connection) => connection.id),
      [81, 82, 84],
    );
    assert.equal(snapshot.totals.evicted, 1);
    assert.equal(snapshot.totals.bytesSent, 1000);
  });

  test('at the hard cap with nothing closed, the open connection idle longest is evicted', () => {
    const model = new ConnectionModel({ maxConnections: 3 });
    model.ingest(sampleRecord({ cookie: 85, atMs: T0, endpoints: endpoints({ sport: 1085 }) }));
    model.ingest(sampleRecord({ cookie: 86, atMs: T0, endpoints: endpoints({ sport: 1086 }) }));
    model.ingest(sampleRecord({ cookie: 87, atMs: T0, endpoints: endpoints({ sport: 1087 }) }));
    model.ingest(sampleRecord({ cookie: 85, atMs: T0 + 500, endpoints: endpoints({ sport: 1085 }) }));
    model.ingest(sampleRecord({ cookie: 87, atMs: T0 + 500, endpoints: endpoints({ sport: 1087 }) }));
    model.ingest(sampleRecord({ cookie: 88, atMs: T0 + 600, endpoints: endpoints({ sport: 1088 }) }));
    // The evicted connection's tuple is gone from the index: a drop for it stays unattributed.
    const packetTo86 = endpoints({ saddr: '93.184.216.34', sport: 443, daddr: '10.0.0.1', dport: 1086 });
    model.ingest(dropRecord({ cookie: 0, atMs: T0 + 700, packet: packetTo86 }));
    const snapshot = model.tick(T0 + 1000);
    assert.deepEqual(
      snapshot.connections.map((connection) => connection.id),
      [85, 87, 88],
    );
    assert.equal(snapshot.totals.evicted, 1);
    assert.equal(snapshot.totals.drops, 1);
    assert.equal(
      snapshot.connections.reduce((sum, connection) => sum + connection.drops.length, 0),
      0,
    );
  });

  test('at the hard cap, victims are the idlest open connections in turn, skipping one that woke up', () => {
    const model = new ConnectionModel({ maxConnections: 40 });
    const socket = (cookie: number) => endpoints({ sport: 2000 + cookie });
    // Idle since T0: 7, 14, 21, 28, 35; everyone else was active later.
    for (let cookie = 1; cookie <= 40; cookie++) {
      model.ingest(sampleRecord({ cookie, atMs: T0 + (cookie % 7) * 10, endpoints: socket(cookie) }));
    }
    model.ingest(sampleRecord({ cookie: 41, atMs: T0 + 100, endpoints: socket(41) }));
    model.ingest(sampleRecord({ cookie: 14, atMs: T0 + 110, endpoints: socket(14) }));
    model.ingest(sampleRecord({ cookie: 42, atMs: T0 + 120, endpoints: socket(42) }));
    model.ingest(sampleRecord({ cookie: 43, atMs: T0 + 130, endpoints: socket(43) }));
    const snapshot = model.tick(T0 + 1000);
    const ids = new Set(snapshot.connections.map((connection) => connection.id));
    assert.equal(ids.size, 40);
    assert.deepEqual(
      [7, 14, 21, 28, 35, 41, 42, 43].filter((id) => !ids.has(id)),
      [7, 21, 28],
    );
    assert.equal(snapshot.totals.evicted, 3);
  });
});
