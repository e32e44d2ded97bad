import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { PtrLookups, type PtrLookupOptions } from '../../src/sources/ptr-lookups.js';
import type { PeerNameRecord } from '../../src/model/records.js';
import { answerFromZone, type ReceivedQuery, type Zone } from '../support/dns-zone-server.js';
import { connection, snapshot } from '../ui/view-model/snapshot-builder.js';

/** An escape sequence and 60 BEL bytes: 176 bytes on the wire, far past 253 characters once escaped. */
const HOSTILE = `\x1b[2J${'a'.repeat(50)}.${'\x07'.repeat(60)}.${'b'.repeat(60)}.evil.test`;
const zone: Zone = {
  '16.0.0.127.in-addr.arpa': [{ type: 'PTR', name: '16.0.0.127.in-addr.arpa', ttl: 60, data: 'db-7.reverse.test' }],
  '17.0.0.127.in-addr.arpa': [{ type: 'PTR', name: '17.0.0.127.in-addr.arpa', ttl: 60, data: HOSTILE }],
  '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa': [
    { type: 'PTR', name: '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', ttl: 60, data: 'v6.reverse.test' },
  ],
};

/** A DNS server on loopback answering from `zone`, and one that never answers. */
async function startServer(answering: boolean): Promise<{ port: number; queries: ReceivedQuery[]; close(): void }> {
  const socket = dgram.createSocket('udp4');
  const queries: ReceivedQuery[] = [];
  if (answering) answerFromZone(socket, zone, (query) => queries.push(query));
  else socket.on('message', () => queries.push({ name: '?', type: '?' }));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, queries, close: () => socket.close() };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await sleep(10);
  }
}

describe('PTR lookups (--resolve)', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let silent: Awaited<ReturnType<typeof startServer>>;
  before(async () => {
    server = await startServer(true);
    silent = await startServer(false);
  });
  after(() => {
    server.close();
    silent.close();
  });

  function lookups(options: Partial<PtrLookupOptions> = {}, now: () => number = Date.now) {
    const records: PeerNameRecord[] = [];
    const ptr = new PtrLookups({ server: { host: '127.0.0.1', port: server.port }, ...options }, (record) => records.push(record), now);
    return { ptr, records };
  }

  test('names an unnamed connection\'s peer with its PTR name, source ptr, off the tick', async () => {
    const { ptr, records } = lookups();
    const before = server.queries.length;
    const named = connection({ id: 1, daddr: '127.0.0.9', peerName: { name: 'known.test', source: 'dns', atMs: 0 } });
    ptr.tick(snapshot({ connections: [connection({ id: 2, daddr: '127.0.0.16', netns: 4026531840 }), named] }));
    assert.equal(records.length, 0, 'nothing before the answer: the tick only asks');
    await until(() => records.length === 1, 'a name record');
    assert.deepEqual(server.queries.slice(before), [{ name: '16.0.0.127.in-addr.arpa', type: 'PTR' }], 'a named peer is not looked up');
    const record = records[0] as PeerNameRecord | undefined;
    assert.equal(record?.kind, 'name');
    assert.equal(record?.source, 'ptr');
    assert.equal(record?.name, 'db-7.reverse.test');
    assert.equal(record?.address, '127.0.0.16');
    assert.equal(record?.netns, 4026531840);
    assert.equal(record?.ttlSeconds, 600);
    ptr.close();
  });

  test('IPv6 addresses are looked up under ip6.arpa', async () => {
    const { ptr, records } = lookups();
    ptr.want(1, '2001:db8::1');
    await until(() => records.length === 1, 'the IPv6 name');
    assert.equal(records[0]?.name, 'v6.reverse.test');
    ptr.close();
  });

  test('a hostile PTR name arrives sanitised and capped like every peer name', async () => {
    const { ptr, records } = lookups();
    ptr.want(1, '127.0.0.17');
    await until(() => records.length === 1, 'the hostile name');
    const name = records[0]?.name ?? '';
    assert.ok(!/[\x00-\x1f\x7f]/u.test(name), JSON.stringify(name));
    // The resolver library writes unprintable bytes as \DDD; what is left passes the sanitiser and the cap.
    assert.ok(name.startsWith('\\027[2Jaaa'), name);
    const length = [...name].length;
    assert.ok(length <= 253 && length >= 247, `capped near 253 characters (${length}), never through an escape`);
    assert.ok(name.endsWith('…'), name);
    ptr.close();
  });

  test('each address is asked once while cached; another namespace gets the cached name without a query', async () => {
    const { ptr, records } = lookups();
    const before = server.queries.length;
    ptr.want(1, '127.0.0.16');
    ptr.want(1, '127.0.0.16');
    await until(() => records.length === 1, 'the first answer');
    ptr.want(1, '127.0.0.16');
    ptr.want(2, '127.0.0.16');
    assert.equal(server.queries.length - before, 1, 'one query');
    assert.deepEqual(records.map((record) => record.netns), [1, 2]);
    ptr.close();
  });

  test('an address without a name is not asked again until the negative cache ends', async () => {
    let nowMs = Date.UTC(2026, 0, 1);
    const { ptr, records } = lookups({ negativeCacheMs: 60_000 }, () => nowMs);
    const before = server.queries.length;
    ptr.want(1, '127.0.0.99');
    await until(() => server.queries.length - before === 1, 'the first query');
    await sleep(50);
    ptr.want(1, '127.0.0.99');
    nowMs += 59_000;
    ptr.want(1, '127.0.0.99');
    assert.equal(server.queries.length - before, 1, 'negatively cached');
    nowMs += 2_000;
    ptr.want(1, '127.0.0.99');
    await until(() => server.queries.length - before === 2, 'asked again after the negative cache');
    assert.deepEqual(records, []);
    ptr.close();
  });

  test('at most maxInFlight lookups at once; a lookup that is never answered gives up at its timeout', async () => {
    const records: PeerNameRecord[] = [];
    const ptr = new PtrLookups({ server: { host: '127.0.0.1', port: silent.port }, maxInFlight: 2, timeoutMs: 200 }, (record) => records.push(record));
    const before = silent.queries.length;
    for (let last = 20; last < 25; last++) ptr.want(1, `127.0.0.${last}`);
    await until(() => silent.queries.length - before >= 2, 'two queries');
    await sleep(50);
    assert.equal(silent.queries.length - before, 2, 'no more than two at once');
    assert.equal(ptr.sent, 2);
    await sleep(400);
    ptr.want(1, '127.0.0.30');
    await until(() => silent.queries.length - before === 3, 'a third once the first two timed out');
    assert.deepEqual(records, []);
    ptr.close();
  });

  test('after close, a lookup still running hands nothing on', async () => {
    const records: PeerNameRecord[] = [];
    const ptr = new PtrLookups({ server: { host: '127.0.0.1', port: silent.port }, timeoutMs: 5000 }, (record) => records.push(record));
    ptr.want(1, '127.0.0.40');
    ptr.close();
    ptr.want(1, '127.0.0.41');
    await sleep(100);
    assert.equal(ptr.sent, 1);
    assert.deepEqual(records, []);
  });
});
