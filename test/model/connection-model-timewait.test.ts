import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { TcpState, type SocketSampleRecord } from '../../src/model/records.js';
import { T0, clientHandshake, connectionOf, counters, sampleRecord, stateRecord, sweepRecord, taskOwner } from './record-builders.js';

/** What sock_diag reports for a timewait sock: no tcp_info, no inode, no uid. */
function timewaitSample(cookie: number, atMs: number, state: SocketSampleRecord['state'] = TcpState.TIME_WAIT): SocketSampleRecord {
  return sampleRecord({ cookie, atMs, state, counters: null, inode: 0, uid: 0 });
}

function clientThatClosedFirst(model: ConnectionModel, cookie: number): void {
  for (const record of clientHandshake(cookie, T0, 5)) model.ingest(record);
  model.ingest(sampleRecord({ cookie, atMs: T0 + 100, counters: counters({ bytesAcked: 4000, bytesReceived: 900 }) }));
  model.ingest(stateRecord({ cookie, atMs: T0 + 200, oldState: TcpState.ESTABLISHED, newState: TcpState.FIN_WAIT1 }));
  model.ingest(stateRecord({ cookie, atMs: T0 + 201, oldState: TcpState.FIN_WAIT1, newState: TcpState.FIN_WAIT2 }));
  // Entering TIME_WAIT the kernel reports the full socket's end: FIN_WAIT2 → CLOSE.
  model.ingest(stateRecord({ cookie, atMs: T0 + 202, oldState: TcpState.FIN_WAIT2, newState: TcpState.CLOSE, counters: counters({ bytesAcked: 4000, bytesReceived: 900 }) }));
}

describe('timewait socks', () => {
  test('a closed connection\'s row moves on to TIME_WAIT, owner and counters kept', () => {
    const model = new ConnectionModel();
    clientThatClosedFirst(model, 7);
    model.ingest(timewaitSample(7, T0 + 1000));
    const snapshot = model.tick(T0 + 1000);
    assert.equal(snapshot.connections.length, 1);
    const row = connectionOf(snapshot, 7);
    assert.equal(row.state, 'TIME_WAIT');
    assert.equal(row.owner.pid, 1234);
    assert.equal(row.owner.uid, 1000, 'the timewait sock\'s uid 0 does not replace the owner\'s');
    assert.equal(row.bytesSent, 4000);
    assert.equal(row.closedAtMs, T0 + 202);
    assert.deepEqual(
      row.stateHistory.map((stay) => [stay.state, stay.atMs]),
      [
        ['SYN_SENT', T0],
        ['ESTABLISHED', T0 + 5],
        ['FIN_WAIT1', T0 + 200],
        ['FIN_WAIT2', T0 + 201],
        ['TIME_WAIT', T0 + 202],
      ],
    );
    assert.equal(snapshot.totals.connectionsClosed, 1);
  });

  test('a timewait sock sampled before its close event closes the row, and the event dates the TIME_WAIT', () => {
    const model = new ConnectionModel();
    for (const record of clientHandshake(7, T0, 5)) model.ingest(record);
    model.ingest(timewaitSample(7, T0 + 1000));
    assert.equal(connectionOf(model.tick(T0 + 1000), 7).closedAtMs, T0 + 1000);
    model.ingest(stateRecord({ cookie: 7, atMs: T0 + 900, oldState: TcpState.FIN_WAIT2, newState: TcpState.CLOSE }));
    const row = connectionOf(model.tick(T0 + 2000), 7);
    assert.equal(row.state, 'TIME_WAIT');
    assert.equal(row.closedAtMs, T0 + 900);
    assert.deepEqual(row.stateHistory.at(-1), { state: 'TIME_WAIT', atMs: T0 + 900, durationMs: null });
    assert.ok(!row.stateHistory.some((stay) => stay.state === 'CLOSE'));
  });

  test('an accepted socket first sampled as a timewait sock takes the owner its close event names, stamped a moment after the sample', () => {
    // Samples were stamped by Date.now() (whole ms) when the dump's read returned, the events by
    // the kernel's clock: in a recording of then, a close the sample saw can carry a later time.
    const model = new ConnectionModel();
    model.ingest(timewaitSample(11, T0 + 1000));
    model.ingest(stateRecord({ cookie: 11, atMs: T0 + 998.2, oldState: TcpState.LISTEN, newState: TcpState.SYN_RECV }));
    model.ingest(stateRecord({ cookie: 11, atMs: T0 + 998.3, oldState: TcpState.SYN_RECV, newState: TcpState.ESTABLISHED }));
    model.ingest(stateRecord({ cookie: 11, atMs: T0 + 1000.4, oldState: TcpState.ESTABLISHED, newState: TcpState.FIN_WAIT1, owner: taskOwner({ pid: 4321, comm: 'server' }) }));
    const row = connectionOf(model.tick(T0 + 2000), 11);
    assert.equal(row.preexisting, false);
    assert.equal(row.owner.pid, 4321);
    assert.equal(row.owner.comm, 'server');
    assert.equal(row.state, 'TIME_WAIT', 'nothing after the close changes its history');
  });

  test('a connection born during the capture and first seen as its timewait sock counts as opened and as closed', () => {
    // Born, used and closed between two passes, its events still held while the pass read it.
    const model = new ConnectionModel();
    model.ingest(timewaitSample(13, T0 + 1000));
    for (const record of clientHandshake(13, T0 + 990, 1)) model.ingest(record);
    model.ingest(stateRecord({ cookie: 13, atMs: T0 + 993, oldState: TcpState.ESTABLISHED, newState: TcpState.FIN_WAIT1 }));
    model.ingest(stateRecord({ cookie: 13, atMs: T0 + 994, oldState: TcpState.FIN_WAIT1, newState: TcpState.FIN_WAIT2 }));
    model.ingest(stateRecord({ cookie: 13, atMs: T0 + 995, oldState: TcpState.FIN_WAIT2, newState: TcpState.CLOSE }));
    const snapshot = model.tick(T0 + 2000);
    const row = connectionOf(snapshot, 13);
    assert.equal(row.preexisting, false);
    assert.equal(row.openedAtMs, T0 + 990);
    assert.equal(row.closedAtMs, T0 + 995);
    assert.equal(row.state, 'TIME_WAIT');
    assert.equal(row.owner.pid, 1234);
    assert.equal(snapshot.totals.connectionsOpened, 1);
    assert.equal(snapshot.totals.connectionsClosed, 1, 'its close came after its birth: during the capture');
  });

  test('an opening stamped after the timewait sample that found the socket still proves its birth', () => {
    // Whatever the stamps say, leaving CLOSE happens only at birth: a sample stamped a moment
    // early (as recordings made with whole-ms samples have them) must not leave it uncounted.
    const model = new ConnectionModel();
    model.ingest(timewaitSample(17, T0 + 1000));
    for (const record of clientHandshake(17, T0 + 1000.2, 0.1)) model.ingest(record);
    model.ingest(stateRecord({ cookie: 17, atMs: T0 + 1000.6, oldState: TcpState.FIN_WAIT2, newState: TcpState.CLOSE }));
    const snapshot = model.tick(T0 + 2000);
    const row = connectionOf(snapshot, 17);
    assert.equal(row.preexisting, false);
    assert.equal(row.openedAtMs, T0 + 1000);
    assert.equal(row.owner.pid, 1234);
    assert.equal(snapshot.totals.connectionsOpened, 1);
    assert.equal(snapshot.totals.connectionsClosed, 1);
  });

  test('a timewait sock older than the capture is a TIME_WAIT row, closed, whose close is not counted', () => {
    const model = new ConnectionModel();
    model.ingest(timewaitSample(3, T0));
    const snapshot = model.tick(T0 + 1000);
    const row = connectionOf(snapshot, 3);
    assert.equal(row.state, 'TIME_WAIT');
    assert.equal(row.preexisting, true);
    assert.equal(row.closedAtMs, T0);
    assert.equal(row.owner.pid, null);
    assert.equal(snapshot.totals.connectionsClosed, 0);
  });

  test('an orphaned FIN_WAIT2 reads FIN_WAIT2 whether its close was seen or it was found at start', () => {
    const seen = new ConnectionModel();
    for (const record of clientHandshake(9, T0, 5)) seen.ingest(record);
    seen.ingest(stateRecord({ cookie: 9, atMs: T0 + 200, oldState: TcpState.ESTABLISHED, newState: TcpState.FIN_WAIT1 }));
    seen.ingest(stateRecord({ cookie: 9, atMs: T0 + 201, oldState: TcpState.FIN_WAIT1, newState: TcpState.FIN_WAIT2 }));
    seen.ingest(stateRecord({ cookie: 9, atMs: T0 + 202, oldState: TcpState.FIN_WAIT2, newState: TcpState.CLOSE }));
    seen.ingest(timewaitSample(9, T0 + 1000, TcpState.FIN_WAIT2));
    const seenRow = connectionOf(seen.tick(T0 + 1000), 9);

    const restarted = new ConnectionModel();
    restarted.ingest(timewaitSample(9, T0 + 1000, TcpState.FIN_WAIT2));
    const foundRow = connectionOf(restarted.tick(T0 + 1000), 9);

    assert.equal(seenRow.state, 'FIN_WAIT2');
    assert.equal(foundRow.state, 'FIN_WAIT2');
    assert.deepEqual(seenRow.stateHistory.at(-1), { state: 'FIN_WAIT2', atMs: T0 + 201, durationMs: null }, 'one FIN_WAIT2 stay, going on');
  });

  test('the row turns CLOSE once a pass no longer finds its timewait sock', () => {
    const model = new ConnectionModel();
    clientThatClosedFirst(model, 7);
    model.ingest(timewaitSample(7, T0 + 1000));
    model.ingest(sweepRecord({ atMs: T0 + 1000, sinceMs: T0 + 900 }));
    assert.equal(connectionOf(model.tick(T0 + 1000), 7).state, 'TIME_WAIT');
    model.ingest(sweepRecord({ atMs: T0 + 3000, sinceMs: T0 + 2900 }));
    const row = connectionOf(model.tick(T0 + 3000), 7);
    assert.equal(row.state, 'CLOSE');
    assert.equal(row.closedAtMs, T0 + 202, 'the connection closed when it closed, not when its timewait sock went');
  });

  test('a timewait sock of an evicted row does not bring it back', () => {
    const model = new ConnectionModel({ maxClosedConnections: 1 });
    clientThatClosedFirst(model, 7);
    for (const record of clientHandshake(8, T0 + 300, 5)) model.ingest(record);
    model.ingest(stateRecord({ cookie: 8, atMs: T0 + 400, oldState: TcpState.FIN_WAIT2, newState: TcpState.CLOSE }));
    assert.deepEqual(model.tick(T0 + 500).connections.map((row) => row.id), [8], 'the earlier closed row was evicted');
    model.ingest(timewaitSample(7, T0 + 1000));
    assert.deepEqual(model.tick(T0 + 1000).connections.map((row) => row.id), [8]);
  });

  test('timewait socks closed before the capture past twice the closed rows\' cap evict the oldest at once; the tick keeps the newest', () => {
    const model = new ConnectionModel({ maxClosedConnections: 2 });
    for (const cookie of [11, 12, 13, 14, 15, 16]) model.ingest(timewaitSample(cookie, T0 + 1000));
    const first = model.tick(T0 + 1000);
    assert.deepEqual(first.connections.map((row) => row.id), [15, 16]);
    assert.equal(first.totals.evicted, 4);
    for (const cookie of [11, 12, 13, 14, 15, 16]) model.ingest(timewaitSample(cookie, T0 + 2000));
    const second = model.tick(T0 + 2000);
    assert.deepEqual(second.connections.map((row) => row.id), [15, 16], 'sampled again, the evicted stay away');
    assert.equal(second.totals.evicted, 4, 'and are not counted twice');
  });
});
