import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { TcpState } from '../../src/model/records.js';
import { T0, dropRecord, endpoints, resetRecord, stateRecord, taskOwner } from './record-builders.js';

describe('event log', () => {
  test('lists the latest events newest first, with the owner the table knows, bounded by its length', () => {
    const model = new ConnectionModel({ eventLogLength: 3 });
    model.ingest(stateRecord({ cookie: 5, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner({ pid: 77, comm: 'curl' }) }));
    model.ingest(stateRecord({ cookie: 5, atMs: T0 + 1, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED }));
    model.ingest(resetRecord({ cookie: 5, atMs: T0 + 2, direction: 'received', reason: 'RECEIVED' }));
    model.ingest(dropRecord({ cookie: 0, atMs: T0 + 3, packet: endpoints({ sport: 1, dport: 2 }), reason: 'NETFILTER_DROP' }));
    const events = model.tick(T0 + 1000).events;

    assert.deepEqual(
      events.map((event) => [event.kind, event.toState, event.reason, event.pid, event.comm, event.connectionId]),
      [
        ['drop', null, 'NETFILTER_DROP', null, null, null],
        ['reset', null, 'RECEIVED', 77, 'curl', 5],
        ['state', 'ESTABLISHED', null, 77, 'curl', 5],
      ],
    );
    assert.equal(events[2]?.fromState, 'SYN_SENT');
  });

  test('publishes the same array while nothing new happened', () => {
    const model = new ConnectionModel();
    model.ingest(stateRecord({ cookie: 1, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT }));
    const first = model.tick(T0 + 1000).events;
    assert.equal(model.tick(T0 + 2000).events, first);
  });
});
