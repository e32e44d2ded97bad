import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ContainerRecord, FlowLimitCounters, TcpStateNumber } from '../../src/model/records.js';
import { FlightChunks } from '../../src/recording/flight-chunks.js';
import { ChunkDecoder, ChunkEncoder, entryBound, type FlightEntry } from '../../src/recording/flight-codec.js';
import { counters, dropRecord, endpoints, lostRecord, ownerRecord, resetRecord, retransmitRecord, sampleRecord, stateRecord, sweepRecord, taskOwner, udpFlowRecord, udpSocketRecord } from '../model/record-builders.js';

const T0 = 1_795_576_201_000.123;
const NEAR_2_53 = Number.MAX_SAFE_INTEGER;

/** Every entry encoded into one chunk (each within its bound), then decoded from the chunk's start. */
function roundTrip(entries: FlightEntry[]): FlightEntry[] {
  const bytes = Buffer.alloc(entries.reduce((sum, entry) => sum + entryBound(entry), 0));
  const encoder = new ChunkEncoder();
  let used = 0;
  for (const entry of entries) {
    const end = encoder.encode(entry, bytes, used);
    assert.ok(end - used <= entryBound(entry), `${entry.kind}: ${end - used} bytes, bound ${entryBound(entry)}`);
    used = end;
  }
  const decoder = new ChunkDecoder();
  const decoded: FlightEntry[] = [];
  while (decoder.offset < used) decoded.push(decoder.next(bytes));
  return decoded;
}

const container: ContainerRecord = {
  kind: 'container',
  atMs: T0 + 5,
  cgroupId: 4242,
  pid: null,
  container: { id: 'a'.repeat(64), name: 'wéb-😀', runtime: 'docker', image: 'nginx:1', pod: null, namespace: 'default', podUid: null },
  problem: null,
};

describe('the flight recorder encoding', () => {
  test('gives back samples exactly whatever changes between them: counters, identity, queues, drops and limit counters, each present, null or absent', () => {
    // A seeded walk, so a failure reproduces: a few sockets sampled over and over, each field
    // moving, staying, or turning null or absent at random, with state changes among them.
    let seed = 12345;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      // The high bits: an LCG's low bits repeat within a few dozen steps.
      return Math.floor((seed / 2 ** 31) * below);
    };
    const sockets = [1, 2, 3, 4, 5].map((cookie) => ({
      cookie,
      endpoints: endpoints({ sport: 40000 + cookie }),
      counters: counters({ bytesAcked: cookie * 1000, segsOut: cookie }),
      limits: {
        busyUs: 2 ** 40 + cookie, rwndLimitedUs: 0, sndbufLimitedUs: 0, deliveryRate: 125_000, appLimited: true, notsentBytes: 0,
        sndCwnd: 10, sndSsthresh: 2 ** 31 - 1, sndWnd: 65_536, rcvWnd: null, probes: 0, probeTimerArmed: false,
      } as FlowLimitCounters,
      inode: 9000 + cookie,
      state: 1 as TcpStateNumber,
    }));
    const entries: FlightEntry[] = [];
    let atMs = T0;
    for (let step = 0; step < 3000; step++) {
      atMs += random(3) === 0 ? 0.5 : 1000;
      const socket = sockets[random(sockets.length)]!;
      // One field at a time, so that each comparison the encoder makes is what tells a change.
      const counterField = (['bytesAcked', 'bytesReceived', 'segsOut', 'segsIn', 'totalRetrans', 'srttUs'] as const)[random(12)];
      if (counterField !== undefined) socket.counters = { ...socket.counters, [counterField]: socket.counters[counterField] + (random(2) === 0 ? 0.5 : 1) };
      if (random(10) === 0) socket.inode = 9000 + random(3);
      if (random(12) === 0) socket.state = (1 + random(11)) as TcpStateNumber;
      const limits = socket.limits;
      switch (random(20)) {
        case 0: socket.limits = { ...limits, sndWnd: limits.sndWnd === null ? 4096 : null }; break;
        case 1: socket.limits = { ...limits, rcvWnd: limits.rcvWnd === null ? 65_536 : null }; break;
        case 2: socket.limits = { ...limits, sndWnd: (limits.sndWnd ?? 0) + 1 }; break;
        case 3: socket.limits = { ...limits, appLimited: !limits.appLimited }; break;
        case 4: socket.limits = { ...limits, probeTimerArmed: !limits.probeTimerArmed }; break;
        case 5: socket.limits = { ...limits, busyUs: limits.busyUs + 4000 }; break;
        case 6: socket.limits = { ...limits, probes: limits.probes + 1 }; break;
        case 7: socket.limits = { ...limits, sndCwnd: limits.sndCwnd + 1 }; break;
      }
      if (random(8) === 0) {
        entries.push(stateRecord({ atMs, cookie: socket.cookie, endpoints: socket.endpoints, oldState: socket.state, newState: socket.state, owner: null, counters: socket.counters }));
        continue;
      }
      const sample = sampleRecord({
        atMs,
        cookie: socket.cookie,
        endpoints: socket.endpoints,
        state: socket.state,
        inode: socket.inode,
        counters: random(15) === 0 ? null : socket.counters,
        receiveQueue: random(6) === 0 ? random(100) : 0,
      });
      const drops = random(4);
      if (drops !== 0) sample.drops = drops === 1 ? random(3) : 0;
      const limitsKind = random(12);
      if (limitsKind === 0) sample.limits = null;
      else if (limitsKind !== 1) sample.limits = socket.limits;
      entries.push(sample);
    }
    assert.deepEqual(roundTrip(entries), entries);
  });

  test("gives back a socket's endpoints as each record had them when any one of them changes within a chunk", () => {
    const first = endpoints({ family: 'ipv4', saddr: '10.0.0.1', sport: 0, daddr: '10.0.0.2', dport: 443, netns: 4026531840 });
    const changes: Partial<Parameters<typeof endpoints>[0]>[] = [{ sport: 40001 }, { saddr: '10.0.0.3' }, { daddr: '10.0.0.4' }, { dport: 8443 }, { netns: 4026532000 }, { family: 'ipv6', saddr: '::1', daddr: '::1' }];
    let current = first;
    const entries: FlightEntry[] = [retransmitRecord({ atMs: T0, cookie: 9, endpoints: first, state: 2, counters: counters() })];
    changes.forEach((change, index) => {
      current = { ...current, ...change };
      entries.push(retransmitRecord({ atMs: T0 + index + 1, cookie: 9, endpoints: current, state: 2, counters: counters() }));
      entries.push(retransmitRecord({ atMs: T0 + index + 1.5, cookie: 9, endpoints: { ...current }, state: 2, counters: counters() }));
    });
    assert.deepEqual(roundTrip(entries), entries);
  });

  test('gives back every record kind and tick marker exactly, however often a socket recurs', () => {
    const socket = endpoints({ saddr: '10.0.0.1', sport: 40000, daddr: '10.0.0.2', dport: 443 });
    const entries: FlightEntry[] = [
      stateRecord({ atMs: T0, cookie: 7, endpoints: socket, oldState: 7, newState: 2, owner: taskOwner({ pid: 1234, comm: 'curl' }), counters: counters() }),
      stateRecord({ atMs: T0 + 0.25, cookie: 7, endpoints: socket, oldState: 2, newState: 1, owner: null, counters: counters({ segsOut: 2, srttUs: 120 }) }),
      retransmitRecord({ atMs: T0 + 0.5, cookie: 7, endpoints: socket, state: 1, counters: counters({ segsOut: 3, srttUs: 120, totalRetrans: 1 }) }),
      sampleRecord({ atMs: T0 + 1000, cookie: 7, endpoints: socket, inode: 99, uid: 1000, counters: counters({ segsOut: 3, srttUs: 120, totalRetrans: 1 }) }),
      sampleRecord({ atMs: T0 + 2000, cookie: 7, endpoints: socket, inode: 99, uid: 1000, counters: null, receiveQueue: 5, sendQueue: 6 }),
      resetRecord({ atMs: T0 + 2001, cookie: 7, direction: 'sent', endpoints: socket, reason: 'NOT_SPECIFIED', counters: null }),
      resetRecord({ atMs: T0 + 2002, cookie: 0, direction: 'received', endpoints: endpoints({ saddr: '::1', family: 'ipv6', daddr: '::1' }), reason: 'RECEIVED', counters: counters({ bytesAcked: 1 }) }),
      dropRecord({ atMs: T0 + 2003, cookie: 7, packet: endpoints({ saddr: '10.0.0.2', daddr: '10.0.0.1', sport: 443, dport: 40000 }), reason: 'NETFILTER_DROP' }),
      stateRecord({ atMs: T0 + 2004, cookie: 8, endpoints: socket, oldState: 1, newState: 4, owner: taskOwner({ pid: 1234, comm: 'curl' }), counters: counters() }),
      ownerRecord({ atMs: T0 + 3, cookie: 0, pid: 1234, comm: 'curl', cmdline: 'curl --user *** https://例え.jp/', uid: 1000, user: 'ünïcode' }),
      container,
      { ...container, pid: 77, container: null, problem: 'notFound' },
      sweepRecord({ atMs: T0 + 4000, sinceMs: T0 + 3000.5, netns: [4026531840, 4026532001, 12] }),
      lostRecord(T0 + 4001, 3),
      { kind: 'tick', atMs: T0 + 4002 },
    ];
    assert.deepEqual(roundTrip(entries), entries);
  });

  test("gives back UDP records exactly: an unconnected socket's flows share its cookie, each with its own peer", () => {
    const entries: FlightEntry[] = [
      udpSocketRecord({ atMs: T0, cookie: 40, listening: true, drops: null }),
      udpSocketRecord({ atMs: T0 + 1, cookie: 40, receiveQueue: 2048, drops: 3 }),
      udpFlowRecord({ atMs: T0 + 2, cookie: 40, connected: false, owner: null, endpoints: endpoints({ daddr: '10.0.0.7', dport: 1 }) }),
      udpFlowRecord({
        atMs: T0 + 3,
        cookie: 40,
        connected: false,
        owner: taskOwner({ pid: 77, comm: 'dns' }),
        endpoints: endpoints({ family: 'ipv6', saddr: '::1', daddr: 'fe80::1', dport: 2 }),
        counters: { bytesSent: NEAR_2_53, packetsSent: 2 ** 40, firstPacketAtMs: T0 - 0.000001, lastPacketAtMs: T0 + 2.5 },
      }),
      udpFlowRecord({ atMs: T0 + 4, cookie: 41, socketClosed: true }),
      { kind: 'udpRefused', atMs: T0 + 5, total: 9 },
      { kind: 'tick', atMs: T0 + 6 },
    ];
    assert.deepEqual(roundTrip(entries), entries);
  });

  test('gives back name records from DNS (with a TTL), hosts files (without) and PTR lookups', () => {
    const entries: FlightEntry[] = [
      { kind: 'name', atMs: T0, netns: 4026531840, address: '10.96.14.7', name: 'orders-db.prod.svc.cluster.local', source: 'dns', ttlSeconds: 30, cgroupId: 77 },
      { kind: 'name', atMs: T0 + 1, netns: 4026532001, address: '2001:db8::7', name: '\\x1bévil…', source: 'dns', ttlSeconds: 0, cgroupId: 0 },
      { kind: 'name', atMs: T0 + 2, netns: 4026532001, address: '10.0.0.9', name: 'static.names.test', source: 'hosts', ttlSeconds: null, cgroupId: 0 },
      { kind: 'name', atMs: T0 + 3, netns: 4026532001, address: '10.0.0.10', name: 'host-10.reverse.test', source: 'ptr', ttlSeconds: 600, cgroupId: 0 },
    ];
    assert.deepEqual(roundTrip(entries), entries);
  });

  test('numbers no varint carries come back as they were: near 2^53, negative, fractional, not finite, times before 2004', () => {
    const entries: FlightEntry[] = [
      stateRecord({
        atMs: Date.UTC(2000, 0, 1) + 0.1,
        cookie: NEAR_2_53,
        endpoints: endpoints({ netns: NEAR_2_53, sport: 65535 }),
        oldState: 12,
        newState: 10,
        owner: taskOwner({ pid: 2 ** 32, uid: 4294967295, cgroupId: NEAR_2_53 }),
        counters: counters({ bytesAcked: NEAR_2_53, bytesReceived: NEAR_2_53 - 1, segsOut: -1, segsIn: 0.5, totalRetrans: Number.NaN, srttUs: Infinity }),
      }),
      stateRecord({ atMs: T0, cookie: 1, endpoints: endpoints(), oldState: 0 as never, newState: 99 as never, owner: null, counters: counters({ bytesAcked: 2 ** 60, segsOut: -(2 ** 52) }) }),
      retransmitRecord({ atMs: T0 - 1e-9, cookie: 2, endpoints: endpoints(), state: 1, counters: counters({ bytesAcked: 0, srttUs: NEAR_2_53 }) }),
      lostRecord(2 ** 41 + 0.5, -5),
      sweepRecord({ atMs: T0, sinceMs: -0.5, netns: [NEAR_2_53, 0, -3] }),
    ];
    assert.deepEqual(roundTrip(entries), entries);
  });

  test('strings UTF-8 cannot carry (a lone surrogate) come back as they were', () => {
    const entries: FlightEntry[] = [ownerRecord({ atMs: T0, cookie: 3, pid: 1, comm: 'a\uD800b', cmdline: '\uDC00', uid: 0, user: '' })];
    assert.deepEqual(roundTrip(entries), entries);
  });

  test('a socket seen again costs a few bytes: endpoints, owner and strings once, counters as differences', () => {
    const socket = endpoints({ saddr: '192.168.100.200', daddr: '192.168.100.201' });
    const first = sampleRecord({ atMs: T0, cookie: 123456, endpoints: socket, inode: 987654, uid: 1000, counters: counters({ bytesAcked: 10_000_000, segsOut: 5000, srttUs: 3000 }) });
    const again = { ...first, atMs: T0 + 1000, counters: counters({ bytesAcked: 10_000_100, segsOut: 5001, srttUs: 3000 }) };
    const bytes = Buffer.alloc(1000);
    const encoder = new ChunkEncoder();
    const firstEnd = encoder.encode(first, bytes, 0);
    const againEnd = encoder.encode(again, bytes, firstEnd);
    // Header 1, a second later 4, cookie 1, state 1, counters 7, queues 2, the listener drop count 1.
    assert.equal(againEnd - firstEnd, 17);
    assert.ok(firstEnd > 50, `${firstEnd} bytes the first time`);
  });
});

describe('the flight recorder and limit counters', () => {
  const socket = endpoints({ saddr: '192.168.100.200', daddr: '192.168.100.201' });
  const limits: FlowLimitCounters = {
    busyUs: 3_600_004_000,
    rwndLimitedUs: 1_000_000,
    sndbufLimitedUs: 4000,
    deliveryRate: 125_000_000,
    appLimited: true,
    notsentBytes: 65_160,
    sndCwnd: 10,
    sndSsthresh: 2147483647,
    sndWnd: 0,
    rcvWnd: null,
    probes: 3,
    probeTimerArmed: true,
  };

  test('a sample gives back its limit counters exactly, null and absent ones too', () => {
    const entries: FlightEntry[] = [
      sampleRecord({ atMs: T0, cookie: 5, endpoints: socket, limits }),
      sampleRecord({ atMs: T0 + 1000, cookie: 5, endpoints: socket, limits: { ...limits, busyUs: limits.busyUs + 8000, rcvWnd: 65536, sndWnd: null, appLimited: false } }),
      sampleRecord({ atMs: T0 + 2000, cookie: 5, endpoints: socket, limits: { ...limits, busyUs: limits.busyUs + 8000, rcvWnd: 65536, sndWnd: null, appLimited: false } }),
      sampleRecord({ atMs: T0 + 3000, cookie: 6, endpoints: socket, limits: null }),
      sampleRecord({ atMs: T0 + 4000, cookie: 7, endpoints: socket }),
      sampleRecord({ atMs: T0 + 5000, cookie: 8, endpoints: socket, state: 99.5 as never, limits: { ...limits, busyUs: -1, sndCwnd: 0.5 } }),
    ];
    const decoded = roundTrip(entries);
    assert.deepEqual(decoded, entries);
    assert.equal('limits' in decoded[4]!, false, 'a sample without them still has none');
  });

  test('limit counters that did not move cost nothing, moved ones their differences', () => {
    const first = sampleRecord({ atMs: T0, cookie: 123456, endpoints: socket, inode: 987654, uid: 1000, limits });
    // A second sample that is no repeat (its send queue moved), then one whose limits moved too.
    const queued = { ...first, atMs: T0 + 1000, sendQueue: first.sendQueue + 1 };
    const moved = { ...queued, atMs: T0 + 2000, limits: { ...limits, busyUs: limits.busyUs + 1_000_000, rwndLimitedUs: limits.rwndLimitedUs + 1_000_000 } };
    const without = sampleRecord({ atMs: T0, cookie: 123456, endpoints: socket, inode: 987654, uid: 1000 });
    const bytes = Buffer.alloc(1000);
    const encoder = new ChunkEncoder();
    const firstEnd = encoder.encode(first, bytes, 0);
    const queuedEnd = encoder.encode(queued, bytes, firstEnd);
    const movedEnd = encoder.encode(moved, bytes, queuedEnd);
    const plain = new ChunkEncoder();
    const plainFirstEnd = plain.encode(without, bytes, 0);
    const plainAgainEnd = plain.encode({ ...without, atMs: T0 + 1000, sendQueue: without.sendQueue + 1 }, bytes, plainFirstEnd);
    assert.equal(queuedEnd - firstEnd, plainAgainEnd - plainFirstEnd);
    // Two differences of a second (3 bytes each), a byte for each of the other eight numbers (rcvWnd is null).
    assert.equal(movedEnd - queuedEnd - (queuedEnd - firstEnd), 14);
  });

  test('a table sampled pass after pass: each unchanged sample is a three-byte repeat, and reads back as the sample it repeats', () => {
    // Past a few thousand sockets, and after sockets that only ever had events: the encoder's
    // rows run over several blocks, and a socket's sample row is not its own row.
    const TABLE = 2_500;
    const eventsOnly: FlightEntry[] = Array.from({ length: 1_500 }, (_, index) =>
      stateRecord({ atMs: T0 - 1, cookie: 1 + index, endpoints: endpoints({ sport: 20000 + index }), oldState: 2, newState: 1, owner: null, counters: counters({ segsOut: index }) }),
    );
    const passOf = (pass: number, changed: number): FlightEntry[] => [
      ...Array.from({ length: TABLE }, (_, index) =>
        sampleRecord({
          atMs: T0 + pass * 1000,
          cookie: 5000 + index,
          endpoints: endpoints({ sport: 30000 + index }),
          inode: 700 + index,
          uid: 1000,
          // One socket's counters move each pass; the rest stay idle.
          counters: counters({ segsOut: index === changed ? pass : 0 }),
          limits: index % 2 === 0 ? { ...limits, busyUs: limits.busyUs + index } : null,
          ...(index % 3 === 0 ? {} : { drops: index % 5 }),
        }),
      ),
      { kind: 'tick', atMs: T0 + pass * 1000 + 1 },
    ];
    const entries = [...eventsOnly, ...passOf(0, 0), ...passOf(1, 7), ...passOf(2, TABLE - 1)];
    assert.deepEqual(roundTrip(entries), entries);
    const bytes = Buffer.alloc(entries.reduce((sum, entry) => sum + entryBound(entry), 0));
    const encoder = new ChunkEncoder();
    const ends = [0];
    for (const entry of entries) ends.push(encoder.encode(entry, bytes, ends.at(-1)!));
    const sizes = ends.slice(1).map((end, index) => end - ends[index]!);
    // The second pass: its first sample carries the new time; the others but the moved one, three bytes each.
    const secondStart = eventsOnly.length + TABLE + 1;
    const second = sizes.slice(secondStart, secondStart + TABLE);
    assert.ok(second[0]! > 3);
    assert.deepEqual(second.slice(1).filter((size, index) => index + 1 !== 7 && size !== 3), []);
    assert.ok(second[7]! > 3, 'the socket whose counters moved is written as a sample');
  });
});

describe('the flight recorder chunks', () => {
  const tickOf = (tick: number): FlightEntry[] => [
    ...Array.from({ length: 20 }, (_, index) => retransmitRecord({ atMs: T0 + tick * 1000 + index, cookie: 1 + index, endpoints: endpoints({ sport: 1000 + index }), state: 1, counters: counters({ segsOut: tick }) })),
    { kind: 'tick', atMs: T0 + tick * 1000 + 999 },
  ];

  test('slide a tick at a time, and a chunk goes once the window has left it; every kept entry reads back', () => {
    const chunks = new FlightChunks(1024);
    const written = Array.from({ length: 30 }, (_, tick) => tickOf(tick));
    for (const tick of written) for (const entry of tick) chunks.append(entry);
    const allBytes = chunks.bytes;
    assert.ok(allBytes > 3 * 1024, `${allBytes} bytes`);
    const letGo: FlightEntry[] = [];
    for (let tick = 0; tick < 20; tick++) chunks.dropOldestTick((entry) => letGo.push(entry));
    assert.deepEqual(letGo, written.slice(0, 20).flat(), 'the ticks let go, in order');
    assert.deepEqual([...chunks.entries()], written.slice(20).flat(), 'the window reads back from where it starts, mid-chunk');
    assert.ok(chunks.bytes < allBytes / 2, `${chunks.bytes} of ${allBytes} bytes still held`);
    assert.ok(chunks.bytes >= allBytes / 3 - 1024, 'whole chunks go: at most the front one holds ticks let go');
  });

  test('count the bytes written, not the room allocated; an entry larger than the chunk size gets a chunk of its own', () => {
    const chunks = new FlightChunks(4096);
    const small = lostRecord(T0, 1);
    chunks.append(small);
    const encoder = new ChunkEncoder();
    const smallSize = encoder.encode(small, Buffer.alloc(entryBound(small)), 0);
    assert.equal(chunks.bytes, smallSize, 'the first entry\'s bytes, not the chunk\'s 4 KiB');
    const huge = ownerRecord({ atMs: T0 + 1, cookie: 5, pid: 1, comm: 'x', cmdline: 'y'.repeat(10_000), uid: 0, user: 'root' });
    chunks.append(huge);
    assert.ok(chunks.bytes > 10_000 + smallSize, `${chunks.bytes} bytes`);
    chunks.append({ kind: 'tick', atMs: T0 + 2 });
    assert.deepEqual([...chunks.entries()], [lostRecord(T0, 1), huge, { kind: 'tick', atMs: T0 + 2 }]);
    chunks.clear();
    assert.equal(chunks.bytes, 0);
    assert.deepEqual([...chunks.entries()], []);
  });
});
