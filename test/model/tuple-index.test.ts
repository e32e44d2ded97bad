import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TupleIndex, tupleKey } from '../../src/model/tuple-index.js';

describe('TupleIndex', () => {
  const key = tupleKey('10.0.0.1', 40000, '10.0.0.2', 443);
  const closedHere = { cookie: 1, netns: 7, isOpen: false };
  const openElsewhere = { cookie: 2, netns: 8, isOpen: true };
  const openElsewhereNewer = { cookie: 3, netns: 8, isOpen: true };
  const closedElsewhereNewest = { cookie: 4, netns: 8, isOpen: false };
  const all = [closedHere, openElsewhere, openElsewhereNewer, closedElsewhereNewest];

  test('prefers the packet namespace, then an open socket, then the newest', () => {
    const index = new TupleIndex<(typeof all)[number]>();
    for (const connection of all) index.add(key, connection);
    assert.equal(index.find(key, 7), closedHere);
    assert.equal(index.find(key, 8), openElsewhereNewer);
    assert.equal(index.find(key, 0), openElsewhereNewer);
    assert.equal(index.find(tupleKey('10.0.0.2', 443, '10.0.0.1', 40000), 0), undefined);
  });

  test('a socket without a key (no local port yet) is not indexed, and removing it touches nothing', () => {
    const index = new TupleIndex<(typeof all)[number]>();
    index.add(key, closedHere);
    index.add(null, openElsewhere);
    index.remove(null, openElsewhere);
    assert.equal(index.find(key, 8), closedHere);
    assert.equal(index.find(tupleKey('10.0.0.1', 0, '10.0.0.2', 443), 8), undefined);
  });

  test('forgets removed sockets', () => {
    const index = new TupleIndex<(typeof all)[number]>();
    for (const connection of all) index.add(key, connection);
    index.remove(key, openElsewhereNewer);
    assert.equal(index.find(key, 0), openElsewhere);
    for (const connection of all) index.remove(key, connection);
    assert.equal(index.find(key, 7), undefined);
    assert.equal(index.find(key, 8), undefined);
  });
});
