import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { completeLine, droppedLine, eventLine, isConnectionBirth, type EventLine } from '../../src/export/event-lines.js';
import { ConnectionModel } from '../../src/model/connection-model.js';
import type { ModelRecord } from '../../src/model/records.js';
import { TcpState } from '../../src/model/records.js';
import {
  HOST_NETNS,
  T0,
  counters,
  dropRecord,
  endpoints,
  flowLimits,
  lostRecord,
  ownerRecord,
  resetRecord,
  retransmitRecord,
  sampleRecord,
  stateRecord,
  taskOwner,
  sweepRecord,
} from '../model/record-builders.js';
import { containerIdentity } from '../ui/view-model/snapshot-builder.js';

const web = containerIdentity({ id: 'a'.repeat(64) });

/** Feeds the model as the capture does, and returns the line of the last record. */
function lineAfter(model: ConnectionModel, ...records: ModelRecord[]): EventLine | null {
  for (const record of records) model.ingest(record);
  const last = records.at(-1) as ModelRecord;
  return eventLine(last, 'cookie' in last && last.cookie !== 0 ? model.describe(last.cookie) : null);
}

const client = endpoints({ saddr: '127.0.0.1', sport: 50000, daddr: '127.0.0.1', dport: 8080 });
const server = endpoints({ saddr: '127.0.0.1', sport: 8080, daddr: '127.0.0.1', dport: 50000 });

describe('event lines', () => {
  test('connect: a client entering SYN_SENT, with its owner, the snapshot document’s names and encodings', () => {
    const model = new ConnectionModel();
    const line = lineAfter(
      model,
      stateRecord({ cookie: 2 ** 40, atMs: T0 + 1.5, endpoints: client, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner() }),
    );
    assert.deepEqual(line, {
      type: 'connect',
      time: '2025-01-01T00:00:00.001Z',
      connectionId: '1099511627776',
      family: 'ipv4',
      saddr: '127.0.0.1',
      sport: 50000,
      daddr: '127.0.0.1',
      dport: 8080,
      netns: String(HOST_NETNS),
      pid: 1234,
      comm: 'curl',
      ownerProvisional: false,
      container: null,
      nat: null,
      protocol: 'tcp',
      peerName: null,
      fromState: 'CLOSE',
      toState: 'SYN_SENT',
    });
    assert.deepEqual(Object.keys(line ?? {}).slice(0, 3), ['type', 'time', 'connectionId'], 'type and time lead the line');
  });

  test('accept: SYN_RECV (or NEW_SYN_RECV) → ESTABLISHED; the owner is null until resolved, never 0', () => {
    const model = new ConnectionModel();
    model.ingest(stateRecord({ cookie: 5, atMs: T0, endpoints: server, oldState: TcpState.LISTEN, newState: TcpState.SYN_RECV }));
    const accepted = lineAfter(model, stateRecord({ cookie: 5, atMs: T0 + 1, endpoints: server, oldState: TcpState.SYN_RECV, newState: TcpState.ESTABLISHED }));
    assert.equal(accepted?.type, 'accept');
    assert.equal(accepted?.pid, null);
    assert.equal(accepted?.comm, null);
    const fromNewSynRecv = eventLine(
      stateRecord({ cookie: 6, atMs: T0, endpoints: server, oldState: TcpState.NEW_SYN_RECV, newState: TcpState.ESTABLISHED }),
      null,
    );
    assert.equal(fromNewSynRecv?.type, 'accept');
  });

  test('state: any other change, with fromState and toState; the listener’s clone of a child is one too', () => {
    const model = new ConnectionModel();
    const cloned = lineAfter(model, stateRecord({ cookie: 5, atMs: T0, endpoints: server, oldState: TcpState.LISTEN, newState: TcpState.SYN_RECV }));
    assert.equal(cloned?.type, 'state');
    const established = eventLine(stateRecord({ cookie: 7, atMs: T0, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED }), null);
    assert.ok(established?.type === 'state');
    assert.deepEqual([established.fromState, established.toState], ['SYN_SENT', 'ESTABLISHED']);
    const finWait = eventLine(stateRecord({ cookie: 7, atMs: T0, oldState: TcpState.ESTABLISHED, newState: TcpState.FIN_WAIT1 }), null);
    assert.equal(finWait?.type, 'state');
  });

  test('close: reaching CLOSE carries the connection’s final counters and its duration', () => {
    const model = new ConnectionModel();
    model.ingest(stateRecord({ cookie: 9, atMs: T0, endpoints: client, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner() }));
    model.ingest(stateRecord({ cookie: 9, atMs: T0 + 2, endpoints: client, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED }));
    model.ingest(retransmitRecord({ cookie: 9, atMs: T0 + 500, endpoints: client, counters: counters({ totalRetrans: 1 }) }));
    const closed = lineAfter(
      model,
      stateRecord({
        cookie: 9,
        atMs: T0 + 1234.5678,
        endpoints: client,
        oldState: TcpState.LAST_ACK,
        newState: TcpState.CLOSE,
        counters: counters({ bytesAcked: 1_000_002, bytesReceived: 500_001, segsOut: 40, segsIn: 30, totalRetrans: 3, srttUs: 1234 }),
      }),
    );
    assert.ok(closed?.type === 'close');
    assert.deepEqual(
      {
        fromState: closed.fromState,
        toState: closed.toState,
        bytesSent: closed.bytesSent,
        bytesReceived: closed.bytesReceived,
        segmentsSent: closed.segmentsSent,
        segmentsReceived: closed.segmentsReceived,
        retransmits: closed.retransmits,
        srttMs: closed.srttMs,
        durationMs: closed.durationMs,
        preexisting: closed.preexisting,
      },
      {
        fromState: 'LAST_ACK',
        toState: 'CLOSE',
        bytesSent: 1_000_002,
        bytesReceived: 500_001,
        segmentsSent: 40,
        segmentsReceived: 30,
        retransmits: 3,
        srttMs: 1.234,
        durationMs: 1234.568,
        preexisting: false,
      },
    );
    assert.equal(closed.pid, 1234);
  });

  test('close of a connection older than the capture says so: its bytes and duration count from its first sighting', () => {
    const model = new ConnectionModel();
    model.ingest(sampleRecord({ cookie: 11, atMs: T0, counters: counters({ bytesAcked: 100 }) }));
    const closed = lineAfter(
      model,
      stateRecord({ cookie: 11, atMs: T0 + 1000, oldState: TcpState.FIN_WAIT2, newState: TcpState.CLOSE, counters: counters({ bytesAcked: 350 }) }),
    );
    assert.ok(closed?.type === 'close');
    assert.equal(closed.preexisting, true);
    assert.equal(closed.bytesSent, 250);
    assert.equal(closed.durationMs, 1000);
    assert.equal(closed.srttMs, null);
  });

  test('close carries the last flow-limit verdict and the seconds spent under each limit', () => {
    const model = new ConnectionModel();
    const limits = (busyUs: number, rwndLimitedUs: number) => flowLimits({ busyUs, rwndLimitedUs, sndWnd: 0, probes: 2, probeTimerArmed: true });
    model.ingest(sampleRecord({ cookie: 12, atMs: T0, endpoints: client, sendQueue: 4096, limits: limits(0, 0) }));
    model.ingest(sampleRecord({ cookie: 12, atMs: T0 + 1000, endpoints: client, sendQueue: 4096, limits: limits(1_000_000, 1_000_000) }));
    model.ingest(sampleRecord({ cookie: 12, atMs: T0 + 2500.0004, endpoints: client, sendQueue: 4096, limits: limits(2_500_000, 2_500_000) }));
    const closed = lineAfter(model, stateRecord({ cookie: 12, atMs: T0 + 3000, endpoints: client, oldState: TcpState.FIN_WAIT1, newState: TcpState.CLOSE }));
    assert.ok(closed?.type === 'close');
    assert.equal(closed.limit, 'receiver');
    assert.deepEqual(closed.limitedSeconds, { receiver: 2.5 });
    const neverJudged = lineAfter(model, stateRecord({ cookie: 13, atMs: T0 + 3000, oldState: TcpState.FIN_WAIT2, newState: TcpState.CLOSE }));
    assert.ok(neverJudged?.type === 'close');
    assert.equal(neverJudged.limit, null);
    assert.deepEqual(neverJudged.limitedSeconds, {});
  });

  test('retransmit carries the socket’s state', () => {
    const line = eventLine(retransmitRecord({ cookie: 3, atMs: T0, state: TcpState.SYN_SENT }), null);
    assert.ok(line?.type === 'retransmit');
    assert.equal(line.state, 'SYN_SENT');
  });

  test('reset carries its direction and the kernel’s reason; a stateless one has no connection id', () => {
    const sent = eventLine(resetRecord({ cookie: 0, atMs: T0, direction: 'sent', reason: 'NO_SOCKET', endpoints: server }), null);
    assert.ok(sent?.type === 'reset');
    assert.deepEqual([sent.direction, sent.reason, sent.connectionId, sent.pid], ['sent', 'NO_SOCKET', null, null]);
    const received = eventLine(resetRecord({ cookie: 4, atMs: T0, direction: 'received', reason: 'RECEIVED' }), null);
    assert.ok(received?.type === 'reset');
    assert.deepEqual([received.direction, received.reason, received.connectionId], ['received', 'RECEIVED', '4']);
  });

  test('drop carries the kernel’s reason and the packet’s own addresses, source first', () => {
    const packet = endpoints({ saddr: '10.0.0.9', sport: 443, daddr: '10.0.0.1', dport: 40000 });
    const model = new ConnectionModel();
    model.ingest(stateRecord({ cookie: 12, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner({ pid: 77, comm: 'wget' }) }));
    const line = lineAfter(model, dropRecord({ cookie: 12, atMs: T0 + 5, packet, reason: 'NETFILTER_DROP' }));
    assert.ok(line?.type === 'drop');
    assert.deepEqual([line.reason, line.saddr, line.sport, line.daddr, line.dport, line.pid, line.comm], [
      'NETFILTER_DROP',
      '10.0.0.9',
      443,
      '10.0.0.1',
      40000,
      77,
      'wget',
    ]);
  });

  test('a drop the kernel had no socket for names the connection on its tuple, and its owner', () => {
    const model = new ConnectionModel();
    model.ingest(stateRecord({ cookie: 17, atMs: T0, endpoints: client, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner() }));
    const arriving = endpoints({ saddr: '127.0.0.1', sport: 8080, daddr: '127.0.0.1', dport: 50000, netns: 0 });
    const drop = dropRecord({ cookie: 0, atMs: T0 + 1, packet: arriving, reason: 'TCP_OLD_DATA' });
    model.ingest(drop);
    const line = eventLine(drop, model.describe(model.connectionCookieOf(drop)));
    assert.deepEqual([line?.connectionId, line?.pid, line?.sport, line?.netns], ['17', 1234, 8080, '0']);
  });

  test('the owner’s container is the snapshot document’s container object', () => {
    const model = new ConnectionModel();
    model.ingest({ kind: 'container', atMs: T0, cgroupId: 77, pid: null, container: web, problem: null });
    const line = lineAfter(model, stateRecord({ cookie: 13, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner({ cgroupId: 77 }) }));
    assert.deepEqual(line?.container, { ...web, workload: null });
  });

  test('samples, owners, sweeps, loss, listeners and cookie-less state changes are not events', () => {
    const listening = endpoints({ saddr: '0.0.0.0', sport: 8080, daddr: '0.0.0.0', dport: 0 });
    for (const record of [
      sampleRecord({ cookie: 1, atMs: T0 }),
      ownerRecord({ cookie: 1, atMs: T0 }),
      sweepRecord({ atMs: T0, sinceMs: T0 }),
      lostRecord(T0, 3),
      stateRecord({ cookie: 20, atMs: T0, endpoints: listening, oldState: TcpState.CLOSE, newState: TcpState.LISTEN }),
      stateRecord({ cookie: 20, atMs: T0, endpoints: listening, oldState: TcpState.LISTEN, newState: TcpState.CLOSE }),
      stateRecord({ cookie: 0, atMs: T0, oldState: TcpState.ESTABLISHED, newState: TcpState.FIN_WAIT1 }),
    ]) {
      assert.equal(eventLine(record, null), null, record.kind);
    }
  });

  test('completing a line fills the owner resolved since and the local side bound after SYN_SENT', () => {
    const model = new ConnectionModel();
    const unbound = endpoints({ saddr: '0.0.0.0', sport: 0, daddr: '127.0.0.1', dport: 8080 });
    const connect = lineAfter(model, stateRecord({ cookie: 14, atMs: T0, endpoints: unbound, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner() }));
    assert.equal(connect?.sport, 0);
    model.ingest(stateRecord({ cookie: 14, atMs: T0 + 1, endpoints: client, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED }));
    const completed = completeLine(connect as EventLine, model.describe(14));
    assert.deepEqual([completed.saddr, completed.sport, completed.daddr, completed.dport], ['127.0.0.1', 50000, '127.0.0.1', 8080]);

    const served = lineAfter(model, stateRecord({ cookie: 15, atMs: T0, endpoints: server, oldState: TcpState.LISTEN, newState: TcpState.SYN_RECV }));
    model.ingest({ kind: 'container', atMs: T0, cgroupId: 88, pid: null, container: web, problem: null });
    model.ingest(ownerRecord({ cookie: 15, atMs: T0 + 900, pid: 4242, comm: 'nginx', cgroupId: 88 }));
    const owned = completeLine(served as EventLine, model.describe(15));
    assert.deepEqual([owned.pid, owned.comm, owned.container?.name], [4242, 'nginx', 'web']);
    assert.equal(completeLine(served as EventLine, null), served, 'an evicted connection leaves the line as it was');
  });

  test('a drop keeps the packet’s addresses when completed', () => {
    const model = new ConnectionModel();
    model.ingest(stateRecord({ cookie: 16, atMs: T0, endpoints: client, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner() }));
    const drop = eventLine(dropRecord({ cookie: 16, atMs: T0, packet: endpoints({ saddr: '127.0.0.1', sport: 0, daddr: '127.0.0.1', dport: 50000 }) }), null);
    assert.equal(completeLine(drop as EventLine, model.describe(16)).sport, 0);
  });

  test('births: a connect, the child a listener clones, an accept — nothing else', () => {
    assert.equal(isConnectionBirth(stateRecord({ cookie: 1, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT })), true);
    assert.equal(isConnectionBirth(stateRecord({ cookie: 1, atMs: T0, oldState: TcpState.LISTEN, newState: TcpState.SYN_RECV })), true);
    assert.equal(isConnectionBirth(stateRecord({ cookie: 1, atMs: T0, oldState: TcpState.SYN_RECV, newState: TcpState.ESTABLISHED })), true);
    assert.equal(isConnectionBirth(stateRecord({ cookie: 1, atMs: T0, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED })), false);
    assert.equal(isConnectionBirth(stateRecord({ cookie: 1, atMs: T0, oldState: TcpState.ESTABLISHED, newState: TcpState.CLOSE })), false);
    assert.equal(isConnectionBirth(retransmitRecord({ cookie: 1, atMs: T0 })), false);
  });

  test('the dropped line: type, count, time', () => {
    assert.deepEqual(droppedLine(42, T0 + 7), { type: 'dropped', count: 42, time: '2025-01-01T00:00:00.007Z' });
  });
});
