import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { TcpState } from '../../src/model/records.js';
import {
  T0,
  clientHandshake,
  connectionOf,
  counters,
  retransmitRecord,
  sampleRecord,
  stateRecord,
} from './record-builders.js';

describe('counters and rates', () => {
  test('a preexisting connection counts only the bytes moved since its first sighting', () => {
    const model = new ConnectionModel();
    model.ingest(
      sampleRecord({
        cookie: 11,
        atMs: T0,
        counters: counters({ bytesAcked: 5000, bytesReceived: 7000, segsOut: 40, segsIn: 50 }),
      }),
    );
    model.ingest(
      sampleRecord({
        cookie: 11,
        atMs: T0 + 1000,
        counters: counters({ bytesAcked: 5600, bytesReceived: 7100, segsOut: 45, segsIn: 52 }),
      }),
    );
    const snapshot = model.tick(T0 + 1000);
    const connection = connectionOf(snapshot, 11);
    assert.equal(connection.preexisting, true);
    assert.equal(connection.openedAtMs, T0);
    assert.equal(connection.bytesSent, 600);
    assert.equal(connection.bytesReceived, 100);
    assert.equal(connection.segmentsSent, 5);
    assert.equal(connection.segmentsReceived, 2);
    assert.deepEqual(connection.stateHistory, [{ state: 'ESTABLISHED', atMs: T0, durationMs: null }]);
    assert.equal(snapshot.totals.connectionsOpened, 0);
    assert.equal(snapshot.totals.bytesSent, 600);
  });

  test('a connection sampled before its earlier-stamped opening events is re-classified as born during the capture', () => {
    const model = new ConnectionModel();
    model.ingest(
      sampleRecord({ cookie: 12, atMs: T0 + 100, counters: counters({ bytesAcked: 300, bytesReceived: 900 }) }),
    );
    for (const record of clientHandshake(12, T0 + 10, 20)) model.ingest(record);
    const snapshot = model.tick(T0 + 1000);
    const connection = connectionOf(snapshot, 12);
    assert.equal(connection.preexisting, false);
    assert.equal(connection.openedAtMs, T0 + 10);
    assert.equal(connection.bytesSent, 300);
    assert.equal(connection.bytesReceived, 900);
    assert.deepEqual(connection.stateHistory, [
      { state: 'SYN_SENT', atMs: T0 + 10, durationMs: 20 },
      { state: 'ESTABLISHED', atMs: T0 + 30, durationMs: null },
    ]);
    assert.equal(connection.connectLatencyMs, 20);
    assert.equal(snapshot.totals.connectionsOpened, 1);
  });

  test('an opening event stamped after the first sighting leaves the connection preexisting', () => {
    const model = new ConnectionModel();
    model.ingest(
      sampleRecord({
        cookie: 13,
        atMs: T0,
        state: TcpState.SYN_SENT,
        counters: counters({ bytesAcked: 0, bytesReceived: 0 }),
      }),
    );
    model.ingest(
      stateRecord({ cookie: 13, atMs: T0 + 30, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED }),
    );
    const snapshot = model.tick(T0 + 1000);
    const connection = connectionOf(snapshot, 13);
    assert.equal(connection.preexisting, true);
    assert.equal(connection.connectLatencyMs, null);
    assert.equal(snapshot.totals.connectionsOpened, 0);
  });

  test('cumulative counters keep their maximum when records arrive out of order', () => {
    const model = new ConnectionModel();
    for (const record of clientHandshake(14, T0, 5)) model.ingest(record);
    model.ingest(
      sampleRecord({
        cookie: 14,
        atMs: T0 + 900,
        counters: counters({ bytesAcked: 8000, bytesReceived: 3000, segsOut: 9 }),
      }),
    );
    model.ingest(
      retransmitRecord({
        cookie: 14,
        atMs: T0 + 800,
        counters: counters({ bytesAcked: 6000, bytesReceived: 2500, segsOut: 7, totalRetrans: 1 }),
      }),
    );
    const connection = connectionOf(model.tick(T0 + 1000), 14);
    assert.equal(connection.bytesSent, 8000);
    assert.equal(connection.bytesReceived, 3000);
    assert.equal(connection.segmentsSent, 9);
  });

  test('rates are the bytes moved since the previous tick over its length', () => {
    const model = new ConnectionModel();
    for (const record of clientHandshake(15, T0, 5)) model.ingest(record);
    model.tick(T0 + 1000);
    model.ingest(
      sampleRecord({
        cookie: 15,
        atMs: T0 + 1900,
        counters: counters({ bytesAcked: 1_000_000, bytesReceived: 250_000 }),
      }),
    );
    const first = model.tick(T0 + 2000);
    assert.equal(connectionOf(first, 15).sendRate, 1_000_000);
    assert.equal(connectionOf(first, 15).receiveRate, 250_000);

    model.ingest(
      sampleRecord({
        cookie: 15,
        atMs: T0 + 3900,
        counters: counters({ bytesAcked: 2_000_000, bytesReceived: 250_000 }),
      }),
    );
    const second = model.tick(T0 + 4000);
    assert.equal(connectionOf(second, 15).sendRate, 500_000);
    assert.equal(connectionOf(second, 15).receiveRate, 0);

    const idle = model.tick(T0 + 5000);
    assert.equal(connectionOf(idle, 15).sendRate, 0);
    assert.deepEqual(
      idle.rateHistory.map((point) => [point.atMs, point.sendRate, point.receiveRate]),
      [
        [T0 + 1000, 0, 0],
        [T0 + 2000, 1_000_000, 250_000],
        [T0 + 4000, 500_000, 0],
        [T0 + 5000, 0, 0],
      ],
    );
    assert.equal(idle.processes[0]?.sendRate, 0);
  });

  test('retransmits are the kernel count or the retransmit records seen, whichever is higher', () => {
    const model = new ConnectionModel();
    model.ingest(sampleRecord({ cookie: 16, atMs: T0, counters: counters({ totalRetrans: 4 }) }));
    for (const atMs of [T0 + 100, T0 + 200, T0 + 300]) {
      model.ingest(retransmitRecord({ cookie: 16, atMs, counters: counters({ totalRetrans: 5 }) }));
    }
    const fromRecords = model.tick(T0 + 1000);
    assert.equal(connectionOf(fromRecords, 16).retransmits, 3);
    assert.equal(fromRecords.totals.retransmits, 3);

    model.ingest(sampleRecord({ cookie: 16, atMs: T0 + 1500, counters: counters({ totalRetrans: 14 }) }));
    const fromKernel = model.tick(T0 + 2000);
    assert.equal(connectionOf(fromKernel, 16).retransmits, 10);
    assert.equal(fromKernel.totals.retransmits, 10);
    assert.equal(fromKernel.rateHistory.at(-1)?.retransmitsPerSecond, 7);
  });

  test('smoothed RTT is the latest measurement, null until measured', () => {
    const model = new ConnectionModel();
    model.ingest(sampleRecord({ cookie: 17, atMs: T0, counters: counters({ srttUs: 0 }) }));
    assert.equal(connectionOf(model.tick(T0 + 100), 17).srttMs, null);
    model.ingest(sampleRecord({ cookie: 17, atMs: T0 + 1000, counters: counters({ srttUs: 2500 }) }));
    model.ingest(retransmitRecord({ cookie: 17, atMs: T0 + 500, counters: counters({ srttUs: 9000 }) }));
    assert.equal(connectionOf(model.tick(T0 + 1100), 17).srttMs, 2.5);
  });
});
