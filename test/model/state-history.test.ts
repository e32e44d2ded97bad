import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TcpState } from '../../src/model/records.js';
import { StateHistory } from '../../src/model/state-history.js';

describe('StateHistory', () => {
  test('inserts a late state at its time and ends the stay before it there', () => {
    const history = new StateHistory(32);
    history.record(TcpState.SYN_SENT, 0);
    history.record(TcpState.FIN_WAIT1, 100);
    assert.equal(history.record(TcpState.ESTABLISHED, 10), true);
    assert.deepEqual(history.toStays(), [
      { state: 'SYN_SENT', atMs: 0, durationMs: 10 },
      { state: 'ESTABLISHED', atMs: 10, durationMs: 90 },
      { state: 'FIN_WAIT1', atMs: 100, durationMs: null },
    ]);
    assert.equal(history.current, TcpState.FIN_WAIT1);
    assert.equal(history.handshakeMs(), 10);
  });

  test('reports nothing new for a repeated state', () => {
    const history = new StateHistory(32);
    history.record(TcpState.ESTABLISHED, 0);
    assert.equal(history.record(TcpState.ESTABLISHED, 5), false);
    assert.deepEqual(history.toStays(), [{ state: 'ESTABLISHED', atMs: 0, durationMs: null }]);
    assert.equal(history.handshakeMs(), null);
  });
});
