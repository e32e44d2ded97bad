import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TupleIndex, tupleHash } from '../../src/model/tuple-index.js';

const tuple = { saddr: '10.0.0.1', sport: 40000, daddr: '10.0.0.2', dport: 443 };

describe('TupleIndex', () => {
  const closedHere = { ...tuple, cookie: 1, netns: 7, isOpen: false };
  const openElsewhere = { ...tuple, cookie: 2, netns: 8, isOpen: true };
  const openElsewhereNewer = { ...tuple, cookie: 3, netns: 8, isOpen: true };
  const closedElsewhereNewest = { ...tuple, cookie: 4, netns: 8, isOpen: false };
  const all = [closedHere, openElsewhere, openElsewhereNewer, closedElsewhereNewest];
  type Indexed = (typeof all)[number];
  const find = (index: TupleIndex<Indexed>, netns: number) => index.find('10.0.0.1', 40000, '10.0.0.2', 443, netns);

  test('prefers the packet namespace, then an open socket, then the newest', () => {
    const index = new TupleIndex<Indexed>();
    for (const connection of all) index.add(connection);
    assert.equal(find(index, 7), closedHere);
    assert.equal(find(index, 8), openElsewhereNewer);
    assert.equal(find(index, 0), openElsewhereNewer);
    assert.equal(index.find('10.0.0.2', 443, '10.0.0.1', 40000, 0), undefined);
  });

  test('a socket without its local port is not indexed, and removing it touches nothing', () => {
    const index = new TupleIndex<Indexed>();
    const connecting = { ...openElsewhere, sport: 0 };
    index.add(closedHere);
    index.add(connecting);
    index.remove(connecting);
    assert.equal(find(index, 8), closedHere);
    assert.equal(index.find('10.0.0.1', 0, '10.0.0.2', 443, 8), undefined);
  });

  test('forgets removed sockets', () => {
    const index = new TupleIndex<Indexed>();
    for (const connection of all) index.add(connection);
    index.remove(openElsewhereNewer);
    assert.equal(find(index, 0), openElsewhere);
    for (const connection of all) index.remove(connection);
    assert.equal(find(index, 7), undefined);
    assert.equal(find(index, 8), undefined);
  });

  test('tuples whose hashes collide are told apart by the tuple itself', () => {
    const index = new TupleIndex<Indexed>(() => 7);
    const other = { saddr: '10.0.0.9', sport: 40001, daddr: '10.0.0.2', dport: 443, cookie: 5, netns: 7, isOpen: true };
    const alone = { ...other, saddr: '10.0.0.8', cookie: 6 };
    index.add(closedHere);
    index.add(other);
    index.add(alone);
    assert.equal(find(index, 0), closedHere);
    assert.equal(index.find('10.0.0.9', 40001, '10.0.0.2', 443, 0), other);
    index.remove(other);
    index.remove(alone);
    assert.equal(index.find('10.0.0.9', 40001, '10.0.0.2', 443, 0), undefined, 'gone with its hash still holding another');
    assert.equal(find(index, 0), closedHere);
    assert.equal(index.find('10.0.0.7', 40001, '10.0.0.2', 443, 0), undefined);
  });

  test('the hash is a small integer that tells a host\'s loopback peers apart', () => {
    const hashes = new Set<number>();
    for (let port = 32768; port < 32768 + 20_000; port++) {
      for (const [local, remote] of [['127.0.0.1', 8080], ['::1', 8080]] as const) {
        const hash = tupleHash(local, port, local, remote);
        assert.ok(Number.isInteger(hash) && hash >= 0 && hash < 2 ** 30, `${hash}`);
        hashes.add(hash);
      }
    }
    assert.ok(hashes.size > 0.999 * 40_000, `${40_000 - hashes.size} of 40,000 collided`);
  });
});
