import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TcpState } from '../../src/model/records.js';
import type { TcpStateNumber } from '../../src/model/records.js';
import type { StateStay } from '../../src/model/snapshot-types.js';
import {
  NO_STAYS,
  currentState,
  currentStateSinceMs,
  handshakeMs,
  publishedStays,
  recordStay,
  reviseLatestStay,
  type HistoryHolder,
} from '../../src/model/state-history.js';

/** One history held as a connection holds it, with the history's functions as methods. */
class StateHistory implements HistoryHolder {
  stays: readonly StateStay[] = NO_STAYS;
  historyBits = 0;

  constructor(private readonly maxStays: number) {}

  record(state: TcpStateNumber, atMs: number): boolean {
    return recordStay(this, state, atMs, this.maxStays);
  }

  reviseLatest(state: TcpStateNumber): boolean {
    return reviseLatestStay(this, state);
  }

  toStays(): readonly StateStay[] {
    return publishedStays(this);
  }

  handshakeMs(): number | null {
    return handshakeMs(this);
  }

  get current(): TcpStateNumber {
    return currentState(this);
  }

  get currentSinceMs(): number {
    return currentStateSinceMs(this);
  }
}

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

describe('StateHistory as published', () => {
  test('the same array until a change; a change never touches the array published before it', () => {
    const history = new StateHistory(3);
    history.record(TcpState.SYN_SENT, 0);
    const published = history.toStays();
    assert.equal(history.record(TcpState.SYN_SENT, 1), false);
    assert.equal(history.toStays(), published);

    history.record(TcpState.ESTABLISHED, 10);
    history.record(TcpState.FIN_WAIT1, 50);
    history.record(TcpState.CLOSE, 60);
    assert.deepEqual(published, [{ state: 'SYN_SENT', atMs: 0, durationMs: null }]);
    assert.deepEqual(history.toStays(), [
      { state: 'SYN_SENT', atMs: 0, durationMs: 10 },
      { state: 'FIN_WAIT1', atMs: 50, durationMs: 10 },
      { state: 'CLOSE', atMs: 60, durationMs: null },
    ]);
    assert.equal(history.current, TcpState.CLOSE);
  });

  test('histories of one open stay, begun in the same state at the same time, publish one array; a change to one leaves the others as published', () => {
    const histories = Array.from({ length: 3 }, () => new StateHistory(8));
    for (const history of histories) history.record(TcpState.ESTABLISHED, 1000);
    const [first, second, third] = histories.map((history) => history.toStays());
    assert.equal(second, first);
    assert.equal(third, first);
    const other = new StateHistory(8);
    other.record(TcpState.ESTABLISHED, 1001);
    assert.notEqual(other.toStays(), first, 'another start: its own array');

    histories[0]!.record(TcpState.FIN_WAIT1, 2000);
    histories[1]!.reviseLatest(TcpState.CLOSE_WAIT);
    assert.deepEqual(histories[0]!.toStays(), [
      { state: 'ESTABLISHED', atMs: 1000, durationMs: 1000 },
      { state: 'FIN_WAIT1', atMs: 2000, durationMs: null },
    ]);
    assert.deepEqual(histories[1]!.toStays(), [{ state: 'CLOSE_WAIT', atMs: 1000, durationMs: null }]);
    assert.deepEqual(first, [{ state: 'ESTABLISHED', atMs: 1000, durationMs: null }], 'the shared array as it was published');
    assert.equal(histories[2]!.toStays(), first);
  });

  test('an earlier sighting of the current stay moves its start and keeps it current', () => {
    const history = new StateHistory(32);
    history.record(TcpState.SYN_SENT, 0);
    history.record(TcpState.ESTABLISHED, 20);
    assert.equal(history.record(TcpState.ESTABLISHED, 12), true);
    assert.deepEqual(history.toStays(), [
      { state: 'SYN_SENT', atMs: 0, durationMs: 12 },
      { state: 'ESTABLISHED', atMs: 12, durationMs: null },
    ]);
    assert.equal(history.current, TcpState.ESTABLISHED);
    assert.equal(history.currentSinceMs, 12);
    assert.equal(history.handshakeMs(), 12);
  });

  test('changes between snapshots, in place or not, never reach a stay a snapshot holds', () => {
    const history = new StateHistory(4);
    const published: { stays: readonly unknown[]; asPublished: unknown }[] = [];
    const publish = () => {
      const stays = history.toStays();
      published.push({ stays, asPublished: structuredClone(stays) });
    };
    history.record(TcpState.SYN_SENT, 0);
    history.record(TcpState.ESTABLISHED, 10);
    publish();
    history.record(TcpState.FIN_WAIT1, 50);
    history.record(TcpState.FIN_WAIT2, 55);
    publish();
    history.record(TcpState.CLOSE_WAIT, 52);
    history.record(TcpState.TIME_WAIT, 60);
    history.record(TcpState.CLOSE, 70);
    publish();
    history.reviseLatest(TcpState.TIME_WAIT);
    history.record(TcpState.LAST_ACK, 65);
    publish();
    for (const { stays, asPublished } of published) assert.deepEqual(stays, asPublished);
    assert.deepEqual(history.toStays(), [
      { state: 'SYN_SENT', atMs: 0, durationMs: 10 },
      { state: 'FIN_WAIT2', atMs: 55, durationMs: 5 },
      { state: 'TIME_WAIT', atMs: 60, durationMs: 5 },
      { state: 'LAST_ACK', atMs: 65, durationMs: null },
    ]);
  });
});
