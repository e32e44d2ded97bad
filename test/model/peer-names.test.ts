import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { PeerNameTable } from '../../src/model/peer-names.js';
import type { PeerNameRecord } from '../../src/model/records.js';
import { HOST_NETNS, T0, clientHandshake, connectionOf, endpoints, taskOwner } from './record-builders.js';

function nameRecord(fields: Partial<PeerNameRecord> = {}): PeerNameRecord {
  return { kind: 'name', atMs: T0, netns: HOST_NETNS, address: '93.184.216.34', name: 'example.test', source: 'dns', ttlSeconds: 60, cgroupId: 77, ...fields };
}

describe('the peer name table', () => {
  test('its own cgroup\'s answer wins over a more recent one from another', () => {
    const table = new PeerNameTable();
    table.add(nameRecord({ name: 'mine.test', cgroupId: 77 }));
    table.add(nameRecord({ name: 'theirs.test', cgroupId: 88, atMs: T0 + 5 }));
    assert.equal(table.lookup(HOST_NETNS, '93.184.216.34', 77, T0 + 10)?.name, 'mine.test');
    assert.equal(table.lookup(HOST_NETNS, '93.184.216.34', 99, T0 + 10)?.name, 'theirs.test');
    assert.equal(table.lookup(HOST_NETNS, '93.184.216.34', null, T0 + 10)?.name, 'theirs.test');
  });

  test('names are per network namespace', () => {
    const table = new PeerNameTable();
    table.add(nameRecord({ netns: 1 }));
    assert.equal(table.lookup(2, '93.184.216.34', 77, T0), null);
  });

  test('an answer names its address for its TTL plus the grace; a hosts line forever', () => {
    const table = new PeerNameTable({ expiredGraceMs: 1000 });
    table.add(nameRecord({ ttlSeconds: 10 }));
    table.add(nameRecord({ address: '10.0.0.1', source: 'hosts', ttlSeconds: null, cgroupId: 0 }));
    assert.equal(table.lookup(HOST_NETNS, '93.184.216.34', 77, T0 + 11_000)?.name, 'example.test');
    assert.equal(table.lookup(HOST_NETNS, '93.184.216.34', 77, T0 + 11_001), null);
    assert.equal(table.lookup(HOST_NETNS, '10.0.0.1', 77, T0 + 1e12)?.source, 'hosts');
  });

  test('past its bound the oldest insertion goes, counted; an answer seen again is new', () => {
    const table = new PeerNameTable({ maxEntries: 2 });
    table.add(nameRecord({ address: '10.0.0.1' }));
    table.add(nameRecord({ address: '10.0.0.2' }));
    table.add(nameRecord({ address: '10.0.0.1', atMs: T0 + 1 }));
    table.add(nameRecord({ address: '10.0.0.3' }));
    assert.equal(table.size, 2);
    assert.equal(table.evictions, 1);
    assert.equal(table.lookup(HOST_NETNS, '10.0.0.2', 77, T0), null);
    assert.notEqual(table.lookup(HOST_NETNS, '10.0.0.1', 77, T0 + 1), null);
  });

  test('a hosts name outlives any number of DNS answers: its file is read only once', () => {
    const table = new PeerNameTable({ maxEntries: 2 });
    table.add(nameRecord({ address: '10.0.0.9', name: 'db.internal', source: 'hosts', ttlSeconds: null, cgroupId: 0 }));
    for (let last = 1; last <= 5; last++) table.add(nameRecord({ address: `10.0.1.${last}` }));
    assert.equal(table.lookup(HOST_NETNS, '10.0.0.9', 77, T0 + 1e12)?.name, 'db.internal');
    assert.equal(table.evictions, 3);
    assert.equal(table.size, 3);
  });

  test("a dual-stack socket's IPv4 peer (::ffff:a.b.c.d) takes the IPv4 address's name", () => {
    const table = new PeerNameTable();
    table.add(nameRecord({ address: '10.0.0.7', name: 'api.test' }));
    assert.equal(table.lookup(HOST_NETNS, '::ffff:10.0.0.7', 77, T0)?.name, 'api.test');
  });
});

describe('connections carry their peer\'s name', () => {
  test('a connection and its peer take the name its own cgroup resolved, and keep it once the table forgets it', () => {
    const model = new ConnectionModel();
    model.ingest(nameRecord({ name: 'theirs.test', cgroupId: 88, atMs: T0 - 500 }));
    model.ingest(nameRecord({ name: 'mine.test', cgroupId: 77, atMs: T0 - 1000, ttlSeconds: 0 }));
    for (const record of clientHandshake(1, T0, 3, taskOwner({ cgroupId: 77 }))) model.ingest(record);
    let snapshot = model.tick(T0 + 1000);
    assert.deepEqual(connectionOf(snapshot, 1).peerName, { name: 'mine.test', source: 'dns', atMs: T0 - 1000 });
    assert.equal(snapshot.peers[0]?.peerName?.name, 'mine.test');
    model.ingest(nameRecord({ address: '10.9.9.9', atMs: T0 + 2000 }));
    snapshot = model.tick(T0 + 3_600_000);
    assert.equal(connectionOf(snapshot, 1).peerName?.name, 'mine.test');
  });

  test('a connection without a name has null', () => {
    const model = new ConnectionModel();
    for (const record of clientHandshake(1, T0, 3)) model.ingest(record);
    const snapshot = model.tick(T0 + 1000);
    assert.equal(connectionOf(snapshot, 1).peerName, null);
    assert.equal(snapshot.peers[0]?.peerName, null);
    assert.equal(endpoints().daddr, snapshot.peers[0]?.address);
  });
});
