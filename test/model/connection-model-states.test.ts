import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { TcpState } from '../../src/model/records.js';
import {
  T0,
  clientHandshake,
  connectionOf,
  counters,
  endpoints,
  resetRecord,
  sampleRecord,
  stateRecord,
  taskOwner,
} from './record-builders.js';

describe('connection state machine', () => {
  test('a client connection keeps its whole history with durations and connect latency', () => {
    const model = new ConnectionModel();
    for (const record of clientHandshake(7, T0, 12.5)) model.ingest(record);
    model.ingest(
      stateRecord({ cookie: 7, atMs: T0 + 1000, oldState: TcpState.ESTABLISHED, newState: TcpState.FIN_WAIT1 }),
    );
    model.ingest(
      stateRecord({ cookie: 7, atMs: T0 + 1020, oldState: TcpState.FIN_WAIT1, newState: TcpState.FIN_WAIT2 }),
    );
    model.ingest(
      stateRecord({
        cookie: 7,
        atMs: T0 + 1030,
        oldState: TcpState.FIN_WAIT2,
        newState: TcpState.CLOSE,
        counters: counters({ bytesAcked: 4200, bytesReceived: 91_000, segsOut: 12, segsIn: 70 }),
      }),
    );
    const snapshot = model.tick(T0 + 2000);
    const connection = connectionOf(snapshot, 7);

    assert.deepEqual(connection.stateHistory, [
      { state: 'SYN_SENT', atMs: T0, durationMs: 12.5 },
      { state: 'ESTABLISHED', atMs: T0 + 12.5, durationMs: 987.5 },
      { state: 'FIN_WAIT1', atMs: T0 + 1000, durationMs: 20 },
      { state: 'FIN_WAIT2', atMs: T0 + 1020, durationMs: 10 },
      { state: 'CLOSE', atMs: T0 + 1030, durationMs: null },
    ]);
    assert.equal(connection.state, 'CLOSE');
    assert.equal(connection.connectLatencyMs, 12.5);
    assert.equal(connection.preexisting, false);
    assert.equal(connection.openedAtMs, T0);
    assert.equal(connection.closedAtMs, T0 + 1030);
    assert.equal(connection.bytesSent, 4200);
    assert.equal(connection.bytesReceived, 91_000);
    assert.equal(connection.segmentsSent, 12);
    assert.equal(connection.segmentsReceived, 70);
    assert.equal(snapshot.totals.connectionsOpened, 1);
    assert.equal(snapshot.totals.connectionsClosed, 1);
  });

  test('a server-side connection is born on SYN_RECV → ESTABLISHED, without a connect latency', () => {
    const model = new ConnectionModel();
    model.ingest(stateRecord({ cookie: 9, atMs: T0 + 5, oldState: TcpState.SYN_RECV, newState: TcpState.ESTABLISHED }));
    const connection = connectionOf(model.tick(T0 + 1000), 9);

    assert.deepEqual(connection.stateHistory, [{ state: 'ESTABLISHED', atMs: T0 + 5, durationMs: null }]);
    assert.equal(connection.preexisting, false);
    assert.equal(connection.openedAtMs, T0 + 5);
    assert.equal(connection.connectLatencyMs, null);
    assert.equal(model.snapshot.totals.connectionsOpened, 1);
  });

  test('a connection first seen mid-life is preexisting and starts its history there', () => {
    const model = new ConnectionModel();
    model.ingest(
      stateRecord({ cookie: 3, atMs: T0 + 40, oldState: TcpState.ESTABLISHED, newState: TcpState.CLOSE_WAIT }),
    );
    model.ingest(stateRecord({ cookie: 3, atMs: T0 + 90, oldState: TcpState.CLOSE_WAIT, newState: TcpState.LAST_ACK }));
    const connection = connectionOf(model.tick(T0 + 1000), 3);

    assert.equal(connection.preexisting, true);
    assert.equal(connection.openedAtMs, T0 + 40);
    assert.deepEqual(connection.stateHistory, [
      { state: 'CLOSE_WAIT', atMs: T0 + 40, durationMs: 50 },
      { state: 'LAST_ACK', atMs: T0 + 90, durationMs: null },
    ]);
    assert.equal(model.snapshot.totals.connectionsOpened, 0);
  });

  test('a state change to the current state adds nothing', () => {
    const model = new ConnectionModel();
    for (const record of clientHandshake(4, T0, 10)) model.ingest(record);
    model.ingest(
      stateRecord({ cookie: 4, atMs: T0 + 50, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED }),
    );
    assert.deepEqual(
      connectionOf(model.tick(T0 + 100), 4).stateHistory.map((stay) => stay.state),
      ['SYN_SENT', 'ESTABLISHED'],
    );
  });

  test('a late state event moves a stay a sample reported earlier back to its true start', () => {
    const model = new ConnectionModel();
    for (const record of clientHandshake(5, T0, 10)) model.ingest(record);
    model.ingest(sampleRecord({ cookie: 5, atMs: T0 + 500, state: TcpState.FIN_WAIT1 }));
    model.ingest(
      stateRecord({ cookie: 5, atMs: T0 + 480, oldState: TcpState.ESTABLISHED, newState: TcpState.FIN_WAIT1 }),
    );
    assert.deepEqual(connectionOf(model.tick(T0 + 1000), 5).stateHistory, [
      { state: 'SYN_SENT', atMs: T0, durationMs: 10 },
      { state: 'ESTABLISHED', atMs: T0 + 10, durationMs: 470 },
      { state: 'FIN_WAIT1', atMs: T0 + 480, durationMs: null },
    ]);
  });

  test('a sample advances a state whose event was lost, but never takes it back', () => {
    const model = new ConnectionModel();
    for (const record of clientHandshake(6, T0, 10)) model.ingest(record);
    model.ingest(sampleRecord({ cookie: 6, atMs: T0 + 300, state: TcpState.FIN_WAIT2 }));
    model.ingest(sampleRecord({ cookie: 6, atMs: T0 + 400, state: TcpState.ESTABLISHED }));
    const connection = connectionOf(model.tick(T0 + 1000), 6);
    assert.equal(connection.state, 'FIN_WAIT2');
    assert.deepEqual(
      connection.stateHistory.map((stay) => [stay.state, stay.atMs]),
      [
        ['SYN_SENT', T0],
        ['ESTABLISHED', T0 + 10],
        ['FIN_WAIT2', T0 + 300],
      ],
    );
  });

  test('a closed connection ignores later samples; its close record holds the final counters', () => {
    const model = new ConnectionModel();
    for (const record of clientHandshake(8, T0, 10)) model.ingest(record);
    model.ingest(
      stateRecord({
        cookie: 8,
        atMs: T0 + 200,
        oldState: TcpState.ESTABLISHED,
        newState: TcpState.CLOSE,
        counters: counters({ bytesAcked: 1000, bytesReceived: 2000 }),
      }),
    );
    model.ingest(
      sampleRecord({
        cookie: 8,
        atMs: T0 + 300,
        state: TcpState.ESTABLISHED,
        counters: counters({ bytesAcked: 9999, bytesReceived: 9999 }),
      }),
    );
    const connection = connectionOf(model.tick(T0 + 1000), 8);
    assert.equal(connection.state, 'CLOSE');
    assert.equal(connection.bytesSent, 1000);
    assert.equal(connection.bytesReceived, 2000);
    assert.equal(connection.stateHistory.length, 3);
  });

  test('records with cookie 0 never create a connection', () => {
    const model = new ConnectionModel();
    model.ingest(
      stateRecord({ cookie: 0, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner() }),
    );
    model.ingest(sampleRecord({ cookie: 0, atMs: T0 }));
    const snapshot = model.tick(T0 + 1000);
    assert.equal(snapshot.connections.length, 0);
    assert.equal(snapshot.totals.connectionsOpened, 0);
  });

  test('the history keeps the first stay and the most recent ones, with their true durations', () => {
    const model = new ConnectionModel({ maxStateHistory: 3 });
    for (const record of clientHandshake(2, T0, 10)) model.ingest(record);
    model.ingest(
      stateRecord({ cookie: 2, atMs: T0 + 100, oldState: TcpState.ESTABLISHED, newState: TcpState.FIN_WAIT1 }),
    );
    model.ingest(
      stateRecord({ cookie: 2, atMs: T0 + 150, oldState: TcpState.FIN_WAIT1, newState: TcpState.FIN_WAIT2 }),
    );
    model.ingest(stateRecord({ cookie: 2, atMs: T0 + 170, oldState: TcpState.FIN_WAIT2, newState: TcpState.CLOSE }));
    assert.deepEqual(connectionOf(model.tick(T0 + 1000), 2).stateHistory, [
      { state: 'SYN_SENT', atMs: T0, durationMs: 10 },
      { state: 'FIN_WAIT2', atMs: T0 + 150, durationMs: 20 },
      { state: 'CLOSE', atMs: T0 + 170, durationMs: null },
    ]);
  });
});

describe('what the kernel reports at connect and accept', () => {
  test('a child cloned from a listener (LISTEN → SYN_RECV) is a new connection, not the listener closing', () => {
    const model = new ConnectionModel();
    model.ingest(stateRecord({ cookie: 1, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.LISTEN, owner: taskOwner() }));
    model.ingest(stateRecord({ cookie: 2, atMs: T0 + 10, oldState: TcpState.LISTEN, newState: TcpState.SYN_RECV }));
    model.ingest(stateRecord({ cookie: 2, atMs: T0 + 11, oldState: TcpState.SYN_RECV, newState: TcpState.ESTABLISHED }));
    const snapshot = model.tick(T0 + 1000);

    assert.deepEqual(
      snapshot.listeners.map((listener) => listener.id),
      [1],
    );
    const child = connectionOf(snapshot, 2);
    assert.deepEqual(
      child.stateHistory.map((stay) => stay.state),
      ['SYN_RECV', 'ESTABLISHED'],
    );
    assert.equal(child.preexisting, false);
    assert.equal(snapshot.totals.connectionsOpened, 1);
  });

  test('the local port bound after SYN_SENT is taken from the next event and indexed for tuple lookups', () => {
    const model = new ConnectionModel();
    const unbound = endpoints({ sport: 0 });
    const bound = endpoints({ sport: 40123 });
    model.ingest(stateRecord({ cookie: 3, atMs: T0, endpoints: unbound, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT }));
    model.ingest(stateRecord({ cookie: 3, atMs: T0 + 1, endpoints: bound, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED }));
    model.ingest(resetRecord({ cookie: 0, atMs: T0 + 2, direction: 'received', endpoints: bound }));
    const connection = connectionOf(model.tick(T0 + 1000), 3);

    assert.equal(connection.sport, 40123);
    assert.equal(connection.resetsReceived, 1);
  });

  test('a socket still connecting without a local port matches no packet by tuple', () => {
    const model = new ConnectionModel();
    model.ingest(stateRecord({ cookie: 5, atMs: T0, endpoints: endpoints({ sport: 0 }), oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT }));
    model.ingest(resetRecord({ cookie: 0, atMs: T0 + 1, direction: 'sent', endpoints: endpoints({ sport: 0 }) }));
    assert.equal(connectionOf(model.tick(T0 + 1000), 5).resetsSent, 0);
  });

  test('a refused connect learns its local port from the reset it received', () => {
    const model = new ConnectionModel();
    model.ingest(stateRecord({ cookie: 4, atMs: T0, endpoints: endpoints({ sport: 0 }), oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT }));
    model.ingest(resetRecord({ cookie: 4, atMs: T0 + 1, direction: 'received', endpoints: endpoints({ sport: 40999 }) }));
    model.ingest(stateRecord({ cookie: 4, atMs: T0 + 1, endpoints: endpoints({ sport: 0 }), oldState: TcpState.SYN_SENT, newState: TcpState.CLOSE }));
    assert.equal(connectionOf(model.tick(T0 + 1000), 4).sport, 40999);
  });
});

describe('births seen late', () => {
  test('an event leaving CLOSE proves a birth even when a sample saw the socket first with a later stamp', () => {
    const model = new ConnectionModel();
    model.ingest(sampleRecord({ cookie: 9, atMs: T0 + 5, state: TcpState.ESTABLISHED, counters: counters({ bytesAcked: 100 }) }));
    model.ingest(stateRecord({ cookie: 9, atMs: T0 + 6, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT }));
    const snapshot = model.tick(T0 + 1000);
    const connection = connectionOf(snapshot, 9);
    assert.equal(connection.preexisting, false);
    assert.equal(connection.bytesSent, 100, 'counted from zero, not from the first sighting');
    assert.equal(snapshot.totals.connectionsOpened, 1);
  });

  test('a handshake finishing after the first sighting leaves the connection preexisting', () => {
    const model = new ConnectionModel();
    model.ingest(sampleRecord({ cookie: 10, atMs: T0, state: TcpState.SYN_SENT }));
    model.ingest(stateRecord({ cookie: 10, atMs: T0 + 1, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED }));
    const snapshot = model.tick(T0 + 1000);
    assert.equal(connectionOf(snapshot, 10).preexisting, true);
    assert.equal(snapshot.totals.connectionsOpened, 0);
  });
});
