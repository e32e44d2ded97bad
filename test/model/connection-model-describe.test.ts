import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { TcpState } from '../../src/model/records.js';
import { T0, connectionOf, counters, dropRecord, endpoints, ownerRecord, resetRecord, stateRecord, taskOwner } from './record-builders.js';
import { plainSnapshot } from '../support/plain-snapshot.js';

describe('describing one connection between ticks', () => {
  test('gives the local side, the owner and the counters as ingested so far — exact at the close', () => {
    const model = new ConnectionModel();
    model.ingest(
      stateRecord({ cookie: 1, atMs: T0, endpoints: endpoints({ saddr: '0.0.0.0', sport: 0 }), oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner() }),
    );
    assert.equal(model.describe(1)?.sport, 0, 'not bound yet');
    model.ingest(stateRecord({ cookie: 1, atMs: T0 + 3, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED }));
    model.ingest(
      stateRecord({
        cookie: 1,
        atMs: T0 + 500,
        oldState: TcpState.FIN_WAIT2,
        newState: TcpState.CLOSE,
        counters: counters({ bytesAcked: 2002, bytesReceived: 1001, segsOut: 9, segsIn: 8, totalRetrans: 1, srttUs: 250 }),
      }),
    );
    assert.deepEqual(model.describe(1), {
      id: 1,
      saddr: '10.0.0.1',
      sport: 40000,
      owner: { pid: 1234, comm: 'curl', cmdline: null, uid: 1000, user: null, cgroupId: 77, container: null, provisional: false },
      preexisting: false,
      openedAtMs: T0,
      closedAtMs: T0 + 500,
      bytesSent: 2002,
      bytesReceived: 1001,
      segmentsSent: 9,
      segmentsReceived: 8,
      retransmits: 1,
      srttMs: 0.25,
      nat: null,
      limit: null,
      peerName: null,
    });
  });

  test('sees an owner resolved from /proc without waiting for a tick', () => {
    const model = new ConnectionModel();
    model.ingest(stateRecord({ cookie: 2, atMs: T0, oldState: TcpState.LISTEN, newState: TcpState.SYN_RECV }));
    assert.equal(model.describe(2)?.owner.pid, null);
    model.ingest(ownerRecord({ cookie: 2, atMs: T0 + 10, pid: 4242, comm: 'nginx', cmdline: 'nginx: worker' }));
    assert.deepEqual([model.describe(2)?.owner.pid, model.describe(2)?.owner.comm, model.describe(2)?.owner.cmdline], [4242, 'nginx', 'nginx: worker']);
  });

  test('is null for what is not a connection in the table', () => {
    const model = new ConnectionModel();
    model.ingest(stateRecord({ cookie: 3, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.LISTEN, owner: taskOwner() }));
    assert.equal(model.describe(3), null, 'a listener');
    assert.equal(model.describe(0), null);
    assert.equal(model.describe(99), null);
  });

  test('names the connection a cookie-less reset or drop counts toward, by its tuple', () => {
    const model = new ConnectionModel();
    const local = endpoints({ saddr: '127.0.0.1', sport: 5432, daddr: '127.0.0.1', dport: 51000 });
    model.ingest(stateRecord({ cookie: 5, atMs: T0, endpoints: local, oldState: TcpState.LISTEN, newState: TcpState.SYN_RECV }));
    const incoming = endpoints({ saddr: '127.0.0.1', sport: 51000, daddr: '127.0.0.1', dport: 5432, netns: 0 });
    assert.equal(model.connectionCookieOf(dropRecord({ cookie: 0, atMs: T0, packet: incoming })), 5, 'a packet arriving at it');
    assert.equal(model.connectionCookieOf(resetRecord({ cookie: 0, atMs: T0, direction: 'sent', endpoints: local })), 5, 'a reset, local side first');
    assert.equal(model.connectionCookieOf(resetRecord({ cookie: 0, atMs: T0, direction: 'sent', endpoints: incoming })), 0, 'not reversed');
    assert.equal(model.connectionCookieOf(dropRecord({ cookie: 9, atMs: T0, packet: incoming })), 9, 'its own cookie first');
    assert.equal(model.connectionCookieOf(dropRecord({ cookie: 0, atMs: T0, packet: endpoints({ sport: 1, dport: 2 }) })), 0);
  });

  test('reads only: describing changes nothing the next tick publishes', () => {
    const described = new ConnectionModel();
    const untouched = new ConnectionModel();
    for (const model of [described, untouched]) {
      model.ingest(stateRecord({ cookie: 4, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner() }));
      model.tick(T0 + 1000);
      model.ingest(stateRecord({ cookie: 4, atMs: T0 + 1500, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED, counters: counters({ bytesAcked: 1 }) }));
    }
    described.describe(4);
    described.connectionCookieOf(dropRecord({ cookie: 0, atMs: T0, packet: endpoints({ saddr: '93.184.216.34', sport: 443, daddr: '10.0.0.1', dport: 40000 }) }));
    const first = described.tick(T0 + 2000);
    assert.deepEqual(plainSnapshot(first), plainSnapshot(untouched.tick(T0 + 2000)));
    assert.equal(described.tick(T0 + 3000).connections[0]?.stateHistory, connectionOf(first, 4).stateHistory, 'unchanged parts are still reused');
  });
});
