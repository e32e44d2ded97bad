import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import { OwnerResolver, type ResolveOptions } from '../../src/enrich/owner-resolver.js';
import type { ProcessDescription } from '../../src/enrich/proc-process.js';
import { TcpState, type SocketSampleRecord, type StateChangeRecord, type TcpStateNumber, type UdpSocketRecord } from '../../src/model/records.js';
import { hostPaths } from '../../src/probes/host-paths.js';

const LIVE: ResolveOptions = { eventsNameOwners: true };
const PROCFS: ResolveOptions = { eventsNameOwners: false };
const NETNS = 4026531840;
const LISTEN_PORT = 8080;

const workDir = mkdtempSync(join(tmpdir(), 'nstest-owner-resolver-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

/** A /proc with only fd tables: `<pid>/fd/<n>` → `socket:[inode]`. */
class FakeProc {
  readonly paths = hostPaths(join(workDir, String(Math.random()).slice(2)));
  private nextFd = new Map<number, number>();

  hold(pid: number, inode: number): void {
    const fdDir = join(this.paths.proc, String(pid), 'fd');
    mkdirSync(fdDir, { recursive: true });
    const fd = this.nextFd.get(pid) ?? 3;
    this.nextFd.set(pid, fd + 1);
    symlinkSync(`socket:[${inode}]`, join(fdDir, String(fd)));
  }

  /** Describes the pids that have a directory, and counts how often each was read. */
  readonly describer = {
    reads: 0,
    describe: (pid: number): ProcessDescription | null => {
      this.describer.reads++;
      if (!existsSync(join(this.paths.proc, String(pid)))) return null;
      return { pid, comm: `p${pid}`, cmdline: `p${pid}`, uid: 0, user: 'root', cgroupId: 0, startTimeTicks: 1 };
    },
  };
}

function sample(cookie: number, inode: number, state: TcpStateNumber, sport: number): SocketSampleRecord {
  return {
    kind: 'sample',
    atMs: 1000,
    cookie,
    endpoints: { family: 'ipv4', saddr: '127.0.0.1', sport, daddr: '127.0.0.1', dport: state === TcpState.LISTEN ? 0 : 40000 + cookie, netns: NETNS },
    state,
    inode,
    uid: 0,
    counters: null,
    receiveQueue: 0,
    sendQueue: 0,
  };
}

function listenEvent(cookie: number, pid: number): StateChangeRecord {
  return {
    kind: 'state',
    atMs: 900,
    cookie,
    endpoints: { family: 'ipv4', saddr: '127.0.0.1', sport: LISTEN_PORT, daddr: '0.0.0.0', dport: 0, netns: NETNS },
    oldState: TcpState.CLOSE,
    newState: TcpState.LISTEN,
    owner: { pid, comm: `p${pid}`, uid: 0, cgroupId: 0 },
    counters: { bytesAcked: 0, bytesReceived: 0, segsOut: 0, segsIn: 0, totalRetrans: 0, srttUs: 0 },
  };
}

function connectEvent(cookie: number, pid: number): StateChangeRecord {
  return { ...listenEvent(cookie, pid), endpoints: { family: 'ipv4', saddr: '127.0.0.1', sport: 5000 + cookie, daddr: '127.0.0.1', dport: 40000 + cookie, netns: NETNS }, newState: TcpState.SYN_SENT };
}

function ownersOf(records: ReturnType<OwnerResolver['resolve']>): Map<number, number> {
  return new Map(records.filter((record) => record.cookie !== 0).map((record) => [record.cookie, record.pid]));
}

describe('OwnerResolver', () => {
  let proc: FakeProc;
  let resolver: OwnerResolver;
  beforeEach(() => {
    proc = new FakeProc();
    resolver = new OwnerResolver(proc.paths, proc.describer);
  });

  test('a process that exited before /proc was read keeps the name and user its event gave: comm, [comm], the uid\'s name', () => {
    mkdirSync(proc.paths.etc, { recursive: true });
    writeFileSync(join(proc.paths.etc, 'passwd'), 'root:x:0:0::/root:/bin/sh\nsvc-exited:x:1234:1234::/:/bin/false\n');
    // No /proc/900: it has gone by the time the tick describes it.
    resolver.note({ ...listenEvent(5, 900), owner: { pid: 900, comm: 'short-lived', uid: 1234, cgroupId: 0 } });
    const described = resolver.resolve([], 1000, LIVE).filter((record) => record.pid === 900);
    assert.deepEqual(
      described.map(({ comm, cmdline, uid, user }) => ({ comm, cmdline, uid, user })),
      [{ comm: 'short-lived', cmdline: '[short-lived]', uid: 1234, user: 'svc-exited' }],
    );
    assert.deepEqual(resolver.resolve([], 2000, LIVE).filter((record) => record.pid === 900), [], 'described once');
  });

  test('resolves the sockets of the first pass at once, listeners included', () => {
    proc.hold(300, 11);
    proc.hold(300, 12);
    const owners = ownersOf(resolver.resolve([sample(1, 11, TcpState.LISTEN, LISTEN_PORT), sample(2, 12, TcpState.ESTABLISHED, 5000)], 1000, LIVE));
    assert.deepEqual([...owners], [[1, 300], [2, 300]]);
  });

  test("finds an accepted socket among its listener's holders in the pass it first shows", () => {
    // A lower pid also holds the socket: a scan of all of /proc would name it, the listener's holder is asked first.
    proc.hold(300, 11);
    proc.hold(300, 21);
    proc.hold(100, 21);
    resolver.note(listenEvent(1, 300));
    resolver.resolve([sample(1, 11, TcpState.LISTEN, LISTEN_PORT)], 1000, LIVE);
    const owners = ownersOf(resolver.resolve([sample(1, 11, TcpState.LISTEN, LISTEN_PORT), sample(2, 21, TcpState.ESTABLISHED, LISTEN_PORT)], 2000, LIVE));
    assert.deepEqual([...owners], [[2, 300]]);
  });

  test('with events, a socket no listener accounts for waits one pass for its event before /proc is read', () => {
    proc.hold(300, 31);
    proc.hold(300, 32);
    resolver.resolve([], 1000, LIVE);
    const firstSeen = ownersOf(resolver.resolve([sample(3, 31, TcpState.ESTABLISHED, 5001), sample(4, 32, TcpState.ESTABLISHED, 5002)], 2000, LIVE));
    assert.equal(firstSeen.size, 0, 'not looked up in the pass it first shows');
    resolver.note({ ...listenEvent(3, 300), newState: TcpState.ESTABLISHED, oldState: TcpState.SYN_SENT });
    const secondPass = ownersOf(resolver.resolve([sample(3, 31, TcpState.ESTABLISHED, 5001), sample(4, 32, TcpState.ESTABLISHED, 5002)], 3000, LIVE));
    assert.deepEqual([...secondPass], [[4, 300]], 'the one its event named is not looked up; the other is, a pass later');
  });

  test('without events (the procfs fallback), every new socket is resolved in the pass it first shows', () => {
    proc.hold(300, 41);
    resolver.resolve([], 1000, PROCFS);
    const owners = ownersOf(resolver.resolve([sample(5, 41, TcpState.ESTABLISHED, 5003)], 2000, PROCFS));
    assert.deepEqual([...owners], [[5, 300]]);
  });

  test("learns every worker of a pre-forking server from one scan of /proc, then finds what any of them accepts among them", () => {
    // The master (200) listens; the workers (250, 260) inherited the listener and hold what they accept.
    proc.hold(200, 11);
    proc.hold(250, 11);
    proc.hold(260, 11);
    proc.hold(250, 51);
    resolver.note(listenEvent(1, 200));
    const listener = sample(1, 11, TcpState.LISTEN, LISTEN_PORT);
    resolver.resolve([listener], 1000, LIVE);
    const first = sample(6, 51, TcpState.ESTABLISHED, LISTEN_PORT);
    assert.equal(ownersOf(resolver.resolve([listener, first], 2000, LIVE)).size, 0, 'its event may name it first');
    assert.deepEqual([...ownersOf(resolver.resolve([listener, first], 3000, LIVE))], [[6, 250]]);
    // A lower pid holds the next one too: a scan of all of /proc would name it; the learned worker is asked first.
    proc.hold(260, 52);
    proc.hold(100, 52);
    assert.deepEqual([...ownersOf(resolver.resolve([listener, sample(7, 52, TcpState.ESTABLISHED, LISTEN_PORT)], 4000, LIVE))], [[7, 260]]);
  });

  test("finds what Node's cluster primary accepts and passes to a worker by a scan of /proc, a pass later, then among the workers found", () => {
    // The primary (200) holds the listener; the workers (250, 260) only what it hands them.
    proc.hold(200, 11);
    resolver.note(listenEvent(1, 200));
    const listener = sample(1, 11, TcpState.LISTEN, LISTEN_PORT);
    resolver.resolve([listener], 1000, LIVE);
    proc.hold(250, 61);
    const first = sample(6, 61, TcpState.ESTABLISHED, LISTEN_PORT);
    assert.equal(ownersOf(resolver.resolve([listener, first], 2000, LIVE)).size, 0, 'its event may name it first');
    assert.deepEqual([...ownersOf(resolver.resolve([listener, first], 3000, LIVE))], [[6, 250]]);
    // A lower pid holds the next one too: a scan of all of /proc would name it; the worker found before is asked first.
    proc.hold(250, 63);
    proc.hold(100, 63);
    assert.deepEqual([...ownersOf(resolver.resolve([listener, sample(8, 63, TcpState.ESTABLISHED, LISTEN_PORT)], 4000, LIVE))], [[8, 250]]);
  });

  test('keeps every holder a scan of /proc learns, past the 64 it keeps of those found one by one', () => {
    // php-fpm with 100 children, each holding the listener the master (1000) opened.
    for (let pid = 1000; pid < 1100; pid++) proc.hold(pid, 11);
    resolver.note(listenEvent(1, 1000));
    const listener = sample(1, 11, TcpState.LISTEN, LISTEN_PORT);
    resolver.resolve([listener], 1000, LIVE);
    proc.hold(1050, 71);
    const first = sample(6, 71, TcpState.ESTABLISHED, LISTEN_PORT);
    resolver.resolve([listener, first], 2000, LIVE);
    assert.deepEqual([...ownersOf(resolver.resolve([listener, first], 3000, LIVE))], [[6, 1050]]);
    proc.hold(1099, 72);
    proc.hold(100, 72);
    assert.deepEqual([...ownersOf(resolver.resolve([listener, sample(7, 72, TcpState.ESTABLISHED, LISTEN_PORT)], 4000, LIVE))], [[7, 1099]]);
  });

  test("after a scan of /proc missed an accepted socket, reads it again for that listener ten passes later: the model shows the listener's owner meanwhile", () => {
    proc.hold(300, 11);
    resolver.note(listenEvent(1, 300));
    const listener = sample(1, 11, TcpState.LISTEN, LISTEN_PORT);
    resolver.resolve([listener], 1000, LIVE);
    // Held by no process netscope can see; later by one it can, which is not the listener's.
    const passed = sample(9, 81, TcpState.ESTABLISHED, LISTEN_PORT);
    assert.equal(ownersOf(resolver.resolve([listener, passed], 2000, LIVE)).size, 0, 'pass 1: waits for an event');
    assert.equal(ownersOf(resolver.resolve([listener, passed], 3000, LIVE)).size, 0, 'pass 2: scanned, missed');
    proc.hold(400, 81);
    for (let pass = 3; pass <= 11; pass++) {
      assert.equal(ownersOf(resolver.resolve([listener, passed], 1000 * (pass + 1), LIVE)).size, 0, `pass ${pass}: only the listener's holders were read`);
    }
    assert.deepEqual([...ownersOf(resolver.resolve([listener, passed], 13_000, LIVE))], [[9, 400]], 'pass 12: /proc again');
  });

  test('gives up on an accepted socket three scans of /proc missed', () => {
    proc.hold(300, 11);
    resolver.note(listenEvent(1, 300));
    const listener = sample(1, 11, TcpState.LISTEN, LISTEN_PORT);
    resolver.resolve([listener], 1000, LIVE);
    const hidden = sample(9, 82, TcpState.ESTABLISHED, LISTEN_PORT);
    // Scans at passes 2, 12 and 22 miss it.
    for (let pass = 1; pass <= 22; pass++) resolver.resolve([listener, hidden], 1000 * (pass + 1), LIVE);
    proc.hold(400, 82);
    for (let pass = 23; pass <= 40; pass++) assert.equal(ownersOf(resolver.resolve([listener, hidden], 1000 * (pass + 1), LIVE)).size, 0, `pass ${pass}`);
  });

  test('an accepted socket its owner closed between the samples and the lookup costs no scan of /proc', () => {
    proc.hold(300, 11);
    resolver.note(listenEvent(1, 300));
    const listener = sample(1, 11, TcpState.LISTEN, LISTEN_PORT);
    resolver.resolve([listener], 1000, LIVE);
    const shortRequest = sample(5, 85, TcpState.ESTABLISHED, LISTEN_PORT);
    resolver.resolve([listener, shortRequest], 2000, LIVE);
    // Sampled again, then closed by the server, whose event is drained before the lookup.
    const pass = resolver.beginPass();
    pass.see(listener);
    pass.see(shortRequest);
    resolver.note({ ...listenEvent(5, 300), endpoints: shortRequest.endpoints, oldState: TcpState.ESTABLISHED, newState: TcpState.FIN_WAIT1 });
    assert.equal(ownersOf(resolver.resolvePass(pass, 3000, LIVE)).size, 0);
    // Had that pass scanned /proc and missed, this one's scan would wait ten passes.
    proc.hold(400, 86);
    const passedOn = sample(6, 86, TcpState.ESTABLISHED, LISTEN_PORT);
    resolver.resolve([listener, passedOn], 4000, LIVE);
    assert.deepEqual([...ownersOf(resolver.resolve([listener, passedOn], 5000, LIVE))], [[6, 400]]);
  });

  test('reads each process once per pass however many of its sockets it resolves', () => {
    for (let inode = 61; inode <= 70; inode++) proc.hold(300, inode);
    const samples = Array.from({ length: 10 }, (_, index) => sample(10 + index, 61 + index, TcpState.ESTABLISHED, 6000 + index));
    assert.equal(ownersOf(resolver.resolve(samples, 1000, PROCFS)).size, 10);
    assert.equal(proc.describer.reads, 1);
  });

  test("keeps an event's owner while the socket is sampled, and through the first pass that has not sampled it yet", () => {
    resolver.resolve([], 1000, PROCFS);
    proc.hold(300, 91);
    resolver.note(connectEvent(9, 300));
    assert.equal(ownersOf(resolver.resolve([], 2000, PROCFS)).size, 0);
    for (let pass = 0; pass < 3; pass++) {
      assert.equal(ownersOf(resolver.resolve([sample(9, 91, TcpState.ESTABLISHED, 5009)], 3000 + pass, PROCFS)).size, 0, 'owned: not looked for');
    }
  });

  test('forgets the owner of a socket a pass did not sample (its close event lost), and looks for it if it shows again', () => {
    resolver.resolve([], 1000, PROCFS);
    proc.hold(300, 92);
    resolver.note(connectEvent(10, 300));
    resolver.resolve([sample(10, 92, TcpState.ESTABLISHED, 5010)], 2000, PROCFS);
    resolver.resolve([], 3000, PROCFS);
    assert.deepEqual(ownersOf(resolver.resolve([sample(10, 92, TcpState.ESTABLISHED, 5010)], 4000, PROCFS)), new Map([[10, 300]]));
  });

  test('looks once for a listener or a UDP socket no process holds: no accept queue hides it, so its holder is out of sight', () => {
    const udp: UdpSocketRecord = {
      kind: 'udpSocket',
      atMs: 1000,
      cookie: 9,
      endpoints: { family: 'ipv4', saddr: '0.0.0.0', sport: 5353, daddr: '0.0.0.0', dport: 0, netns: NETNS },
      connected: false,
      listening: true,
      inode: 93,
      uid: 0,
      receiveQueue: 0,
      drops: null,
    };
    resolver.resolve([sample(7, 71, TcpState.LISTEN, 2024), udp], 1000, LIVE);
    proc.hold(300, 71);
    proc.hold(300, 93);
    for (let pass = 0; pass < 3; pass++) {
      assert.equal(ownersOf(resolver.resolve([sample(7, 71, TcpState.LISTEN, 2024), { ...udp, atMs: 2000 + pass }], 2000 + pass, LIVE)).size, 0);
    }
  });

  test('gives up on an inode no process holds after three scans', () => {
    resolver.resolve([], 1000, PROCFS);
    for (let pass = 0; pass < 3; pass++) resolver.resolve([sample(8, 81, TcpState.ESTABLISHED, 5004)], 2000 + pass, PROCFS);
    proc.hold(300, 81);
    assert.equal(ownersOf(resolver.resolve([sample(8, 81, TcpState.ESTABLISHED, 5004)], 9000, PROCFS)).size, 0);
  });
});
