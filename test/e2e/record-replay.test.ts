/**
 * Record and replay end to end on the real kernel: `netscope --json --record` on real loopback
 * traffic, then `netscope --replay --json` as nobody, with no capability — the document must be
 * the live one but for `source.kind`. The flight recorder, dumped by SIGUSR1 after the traffic
 * ended, replays to the same connections. Every bad recording is one line and its exit code,
 * and a gzip bomb is one under a memory cgroup that would kill a replay that inflated it.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import type { ConnectionDocument, SnapshotDocument } from '../../src/model/snapshot-document.js';
import { packageRoot } from '../../src/probes/package-paths.js';
import { headerLine, recordLine } from '../../src/recording/recording-format.js';
import { lostRecord } from '../model/record-builders.js';
import { header, T0 } from '../recording/recording-builders.js';
import { createMemoryCgroup } from '../support/memory-cgroup.js';
import { requestFlightDump, runNetscope, startPeer, waitUntilCapturing, type Peer } from '../support/processes.js';
import { freePort } from '../support/free-port.js';
import { assertOneLineError } from '../support/one-line-error.js';

const NOBODY = 65534;
const CLIENT_SENDS = 300_000;
const SERVER_SENDS = 200_000;
const MIB = 1024 * 1024;


/** Runs `netscope ARGS` as nobody, without any capability: a replay needs none. */
function asNobody(args: string[]) {
  return runNetscope(args, { uid: NOBODY, gid: NOBODY }).done;
}

/** Makes a root-written recording readable by nobody, as `sudo chown` would. */
function giveToNobody(file: string): string {
  chownSync(file, NOBODY, NOBODY);
  return file;
}

/** The connections of one loopback pair (either side on `port`), by id. */
function pairOn(document: SnapshotDocument, port: number): Map<string, ConnectionDocument> {
  return new Map(document.connections.filter((entry) => entry.sport === port || entry.dport === port).map((entry) => [entry.id, entry]));
}

/** A connection without its rates: those are of the last tick, which a later snapshot has moved past. */
function withoutRates(connection: ConnectionDocument | undefined): Omit<ConnectionDocument, 'sendRate' | 'receiveRate'> | undefined {
  if (connection === undefined) return undefined;
  const { sendRate: _sent, receiveRate: _received, ...rest } = connection;
  return rest;
}

describe('record and replay on real loopback traffic', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-record-replay-'));
  // Nobody may reach the files inside (each is chown'd to it), not list or write the directory.
  chmodSync(scratch, 0o711);
  const peers: Peer[] = [];
  const recordingPath = path.join(scratch, 'incident.ndjson');
  let port: number;
  let clientPid: number;
  let live: { code: number | null; stdout: string; stderr: string };
  let liveDocument: SnapshotDocument;

  before(async () => {
    port = await freePort();
    const server = startPeer('server', 'rr-server', '127.0.0.1', port, SERVER_SENDS);
    peers.push(server);
    await server.next('listening');
    const netscope = runNetscope(['--json', '--duration', '5', '--interval', '500', '--record', recordingPath]);
    await waitUntilCapturing(netscope.child.pid!);
    const client = startPeer('client', 'rr-client', '127.0.0.1', port, CLIENT_SENDS);
    peers.push(client);
    clientPid = client.pid;
    await client.next('closed');
    live = await netscope.done;
    liveDocument = JSON.parse(live.stdout) as SnapshotDocument;
    giveToNobody(recordingPath);
  });

  after(() => {
    for (const peer of peers) peer.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('records while --json captures: mode 0600, the header, every tick, the end marker', () => {
    assert.equal(live.code, 0, live.stderr);
    assert.equal(live.stderr, '');
    assert.equal(statSync(recordingPath).mode & 0o777, 0o600);
    const lines = readFileSync(recordingPath, 'utf8').trimEnd().split('\n');
    const header = JSON.parse(lines[0] ?? '') as { netscopeRecording: number; source: { kind: string; probes: unknown[] }; host: unknown };
    assert.equal(header.netscopeRecording, 2);
    assert.deepEqual(header.source, { kind: 'ebpf', probes: liveDocument.source.probes });
    assert.deepEqual(header.host, liveDocument.host);
    assert.ok(lines.filter((line) => line.startsWith('{"kind":"tick"')).length >= 8, 'a tick at the start, every 500 ms, and at the end');
    assert.match(lines.at(-1) ?? '', /^\{"kind":"end","atMs":[\d.]+,"reason":"stopped"\}$/);
  });

  it('replays as nobody, with no privilege, to the live document field for field but source.kind', async () => {
    const replayed = await asNobody(['--replay', recordingPath, '--json']);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.equal(replayed.stderr, '');
    const document = JSON.parse(replayed.stdout) as SnapshotDocument;
    assert.equal(document.source.kind, 'replay');
    const client = [...pairOn(document, port).values()].find((entry) => entry.pid === clientPid);
    assert.ok(client, `the client's connection: ${JSON.stringify([...pairOn(document, port).values()])}`);
    assert.equal(client.comm, 'rr-client');
    // It closed first: its side lives on in TIME_WAIT, and the replay shows it so too.
    assert.equal(client.state, 'TIME_WAIT');
    assert.ok(client.bytesSent >= CLIENT_SENDS, `bytesSent ${client.bytesSent}`);
    assert.deepEqual(pairOn(document, port), pairOn(liveDocument, port), 'pid, comm, bytes, state, retransmits, container… of both sides');
    assert.deepEqual({ ...document, source: { ...document.source, kind: 'ebpf' } }, liveDocument);
  });

  it('--at gives the snapshot of an earlier moment, and refuses one outside the recording', async () => {
    const early = await asNobody(['--replay', recordingPath, '--json', '--at', '0.5']);
    assert.equal(early.code, 0, early.stderr);
    const document = JSON.parse(early.stdout) as SnapshotDocument;
    assert.ok(Date.parse(document.generatedAt) < Date.parse(liveDocument.generatedAt), `${document.generatedAt} before ${liveDocument.generatedAt}`);
    const outside = await asNobody(['--replay', recordingPath, '--json', '--at', '3600']);
    assert.equal(outside.code, 2);
    assertOneLineError(outside.stderr, /--at 3600\.0 s .* is outside the recording, which runs from .* — pick a moment in between/);
  });

  it('an interrupted recording (its last line cut) still replays its whole ticks, says what it left out, and exits 65', async () => {
    const bytes = readFileSync(recordingPath);
    const cut = path.join(scratch, 'cut.ndjson');
    const lastTick = bytes.lastIndexOf('{"kind":"tick"');
    writeFileSync(cut, bytes.subarray(0, lastTick + 8), { mode: 0o600 });
    const replayed = await asNobody(['--replay', giveToNobody(cut), '--json']);
    assert.equal(replayed.code, 65, replayed.stderr);
    assertOneLineError(replayed.stderr, /cut\.ndjson line \d+ is cut short \(the recording was interrupted\) — replaying the \d+ whole ticks before it$/);
    assert.equal((JSON.parse(replayed.stdout) as SnapshotDocument).source.kind, 'replay');
  });

  it('a process name and command line edited to hold escape sequences replay escaped, and never reach the terminal raw', async () => {
    const edited = path.join(scratch, 'edited.ndjson');
    const smuggled = String.raw`rr-client\u001b]2;pwned\u0007\u009b2J\u202e`;
    const text = readFileSync(recordingPath, 'utf8').replaceAll('"comm":"rr-client"', `"comm":"${smuggled}"`).replaceAll('"cmdline":"rr-client', `"cmdline":"${smuggled}`);
    writeFileSync(edited, text, { mode: 0o600 });
    const replayed = await asNobody(['--replay', giveToNobody(edited), '--json']);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.doesNotMatch(replayed.stdout, /[\u0080-\u009f\u202e]/, 'no C1 control or bidi override on stdout');
    const client = (JSON.parse(replayed.stdout) as SnapshotDocument).connections.find((entry) => entry.pid === clientPid);
    assert.equal(client?.comm, String.raw`rr-client\x1b]2;pwned\x07\x9b2J\u202e`);
  });

  it('--replay-max-mb: out of range, or without --replay, is a usage error (exit 2), one line', async () => {
    const zero = await asNobody(['--replay', recordingPath, '--json', '--replay-max-mb', '0']);
    assert.equal(zero.code, 2);
    assertOneLineError(zero.stderr, /--replay-max-mb 0 is out of range — use 1 to 65536$/);
    const alone = await asNobody(['--json', '--replay-max-mb', '64']);
    assert.equal(alone.code, 2);
    assertOneLineError(alone.stderr, /--replay-max-mb caps what --replay reads — use it with --replay FILE$/);
  });

  describe('bad recordings: one line, exit 65 (bad data) or 66 (no input)', () => {
    const lines = () => readFileSync(recordingPath, 'utf8').split('\n');
    const startedAtMs = () => Date.parse((JSON.parse(lines()[0] ?? '') as { startedAt: string }).startedAt);
    const cases: { name: string; content: () => string | Buffer; code: number; pattern: RegExp }[] = [
      { name: 'empty.ndjson', content: () => '', code: 65, pattern: /empty\.ndjson is empty — replay a file written by netscope --record FILE/ },
      {
        name: 'corrupt.ndjson',
        content: () => lines().map((line, index) => (index === 16 ? line.slice(0, -1).replace(/"/g, "'") : line)).join('\n'),
        code: 65,
        pattern: /corrupt\.ndjson line 17 is not JSON: .* — the recording is damaged: remove that line/,
      },
      {
        name: 'version.ndjson',
        content: () => [JSON.stringify({ ...(JSON.parse(lines()[0] ?? '') as object), netscopeRecording: 7, netscopeVersion: '9.0.0' }), ...lines().slice(1)].join('\n'),
        code: 65,
        pattern: /version\.ndjson is a version 7 recording \(written by netscope 9\.0\.0\); this netscope reads versions 1 and 2 — replay it with netscope 9\.0\.0/,
      },
      {
        name: 'kind.ndjson',
        content: () => [lines()[0], '{"kind":"teleport","atMs":1}', ...lines().slice(1)].join('\n'),
        code: 65,
        pattern: /kind\.ndjson line 2 is a record of unknown kind "teleport"/,
      },
      {
        name: 'shape.ndjson',
        content: () => [lines()[0], JSON.stringify({ kind: 'sample', atMs: startedAtMs(), cookie: 1, endpoints: { family: 'ipv4', saddr: '127.0.0.1', sport: 'http' } }), ...lines().slice(1)].join('\n'),
        code: 65,
        pattern: /shape\.ndjson line 2 is not a valid "sample" record: endpoints\.sport is not a port \("http"\)/,
      },
      {
        name: 'tick-time.ndjson',
        content: () => lines().map((line) => (line.startsWith('{"kind":"tick"') ? '{"kind":"tick","atMs":8.64e15}' : line)).join('\n'),
        code: 65,
        pattern: /tick-time\.ndjson line \d+ is not a valid tick marker: tick\.atMs is not a time from 2000 to 2199 in ms since the epoch \(8640000000000000\) — the recording is damaged/,
      },
      {
        name: 'backwards.ndjson',
        content: () => {
          const all = lines();
          const ticks = all.flatMap((line, index) => (line.startsWith('{"kind":"tick"') ? [index] : []));
          const firstAtMs = (JSON.parse(all[ticks[0] ?? 0] ?? '') as { atMs: number }).atMs;
          all[ticks[1] ?? 0] = JSON.stringify({ kind: 'tick', atMs: firstAtMs - 1000 });
          return all.join('\n');
        },
        code: 65,
        pattern: /backwards\.ndjson line \d+ is a tick marker at .+, 1\.0 s before the tick on line \d+ — the file was edited or damaged \(or the clock was set back while recording\): cut it before that line/,
      },
      // A compact snapshot of a few connections: a busy host's would pass the line cap before it could be recognised.
      { name: 'snapshot.ndjson', content: () => JSON.stringify({ ...liveDocument, connections: liveDocument.connections.slice(0, 5) }), code: 65, pattern: /is not a netscope recording: line 1 is not a recording header \(it looks like a --json snapshot\)/ },
      {
        name: 'corrupt.ndjson.gz',
        content: () => {
          const zipped = gzipSync(readFileSync(recordingPath));
          zipped[3] = 0xff;
          return zipped;
        },
        code: 65,
        pattern: /corrupt\.ndjson\.gz is not valid gzip \(.+\) — the file is damaged/,
      },
    ];
    for (const { name, content, code, pattern } of cases) {
      it(`${name}: exit ${code}`, async () => {
        const file = path.join(scratch, name);
        writeFileSync(file, content(), { mode: 0o600 });
        const { code: exitCode, stdout, stderr } = await asNobody(['--replay', giveToNobody(file), '--json']);
        assert.equal(exitCode, code, stderr);
        assert.equal(stdout, '');
        assertOneLineError(stderr, pattern);
      });
    }

    it('a missing file: exit 66', async () => {
      const { code, stderr } = await asNobody(['--replay', path.join(scratch, 'missing.ndjson'), '--json']);
      assert.equal(code, 66);
      assertOneLineError(stderr, /cannot read .*missing\.ndjson: no such file — check the path/);
    });

    it('a recording nobody may read (root\'s, mode 0600): exit 66, and how to hand it over', async () => {
      const file = path.join(scratch, 'roots.ndjson');
      writeFileSync(file, readFileSync(recordingPath), { mode: 0o600 });
      const { code, stderr } = await asNobody(['--replay', file, '--json']);
      assert.equal(code, 66);
      assertOneLineError(stderr, /cannot read .*roots\.ndjson: permission denied — recordings are mode 0600, readable by who recorded them: replay as that user, or sudo chown "\$USER"/);
    });
  });
});

describe('the flight recorder on real loopback traffic', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-flight-'));
  chmodSync(scratch, 0o711);
  const peers: Peer[] = [];
  let port: number;
  let liveDocument: SnapshotDocument;
  let stderr: string;
  let dumpPath: string;

  before(async () => {
    port = await freePort();
    const server = startPeer('server', 'fl-server', '127.0.0.1', port, SERVER_SENDS);
    peers.push(server);
    await server.next('listening');
    const netscope = runNetscope(['--json', '--duration', '0', '--interval', '500', '--output-dir', scratch]);
    await waitUntilCapturing(netscope.child.pid!);
    const client = startPeer('client', 'fl-client', '127.0.0.1', port, CLIENT_SENDS);
    peers.push(client);
    await client.next('closed');
    // A few ticks after the traffic ended: the connections' last state is in the window.
    await sleep(1500);
    await requestFlightDump(netscope.child);
    const result = await netscope.stop();
    assert.equal(result.code, 0, result.stderr);
    stderr = result.stderr;
    liveDocument = JSON.parse(result.stdout) as SnapshotDocument;
    dumpPath = /to (\S+\.ndjson)$/m.exec(stderr)?.[1] ?? '';
  });

  after(() => {
    for (const peer of peers) peer.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('SIGUSR1 writes the last minutes as a recording into --output-dir and says where, in one line; the capture goes on', () => {
    assertOneLineError(stderr, /^netscope: flight recorder: wrote the last \d+ s \(\d+ ticks\) to .*\/netscope-flight-\d{8}-\d{6}\.ndjson$/);
    assert.equal(path.dirname(dumpPath), scratch);
    assert.equal(statSync(dumpPath).mode & 0o777, 0o600);
    assert.match(readFileSync(dumpPath, 'utf8').trimEnd().split('\n').at(-1) ?? '', /"reason":"flightDump"/);
  });

  it('replays, as nobody, to the same connections the capture ended with', async () => {
    const replayed = await asNobody(['--replay', giveToNobody(dumpPath), '--json']);
    assert.equal(replayed.code, 0, replayed.stderr);
    assert.equal(replayed.stderr, '');
    const dumped = pairOn(JSON.parse(replayed.stdout) as SnapshotDocument, port);
    const ended = pairOn(liveDocument, port);
    assert.equal(dumped.size, 2, 'both sides of the loopback connection');
    assert.deepEqual([...dumped.keys()].sort(), [...ended.keys()].sort());
    for (const [id, connection] of ended) assert.deepEqual(withoutRates(dumped.get(id)), withoutRates(connection), `connection ${id}`);
    assert.ok([...dumped.values()].some((connection) => connection.comm === 'fl-client' && connection.bytesSent >= CLIENT_SENDS));
  });
});

describe('gzip bombs replayed under a 512 MiB memory cgroup: one line and exit 65, never killed', () => {
  const LIMIT_BYTES = 512 * MIB;
  const cgroup = createMemoryCgroup('netscope-replay-bomb', LIMIT_BYTES);
  const skip = cgroup === null ? 'this host has no cgroup v1 memory controller' : false;
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-bomb-'));

  after(() => {
    cgroup?.remove();
    rmSync(scratch, { recursive: true, force: true });
  });

  /**
   * A recording's header, then about 3 GiB of `block` repeated, in about as many kilobytes: one
   * gzip member of 64 MiB of it, written 48 times (concatenated members are one gzip stream, as
   * a --record .gz file's are).
   */
  function bomb(name: string, block: Buffer): string {
    const file = path.join(scratch, name);
    const member = gzipSync(Buffer.concat(new Array<Buffer>(Math.floor((64 * MIB) / block.length)).fill(block)), { level: 9 });
    writeFileSync(file, Buffer.concat([gzipSync(`${headerLine(header({ startedAt: new Date(T0).toISOString() }))}\n`), ...Array.from({ length: 48 }, () => member)]));
    return file;
  }

  async function replayCapped(file: string) {
    const result = await cgroup!.run(path.join(packageRoot, 'bin/netscope'), ['--replay', file, '--json']);
    return { ...result, peakMiB: Math.round(cgroup!.peakBytes() / MIB) };
  }

  it('3 GiB of zeros after the header: line 2 refused at its 8 MiB cap', { skip }, async () => {
    const file = bomb('zeros.ndjson.gz', Buffer.alloc(MIB));
    assert.ok(statSync(file).size < 4 * MIB, `${statSync(file).size} bytes`);
    const { code, signal, stdout, stderr, peakMiB } = await replayCapped(file);
    assert.equal(signal, null, `killed (peak ${peakMiB} MiB)`);
    assert.equal(code, 65, `${stderr} (peak ${peakMiB} MiB)`);
    assert.equal(stdout, '');
    assertOneLineError(stderr, /zeros\.ndjson\.gz line 2 is longer than 8 MiB \(netscope writes a few hundred bytes a line, a command line at most 6 MiB\) — the file is damaged or was not written by netscope/);
    assert.ok(peakMiB < LIMIT_BYTES / MIB / 2, `peak ${peakMiB} MiB`);
  });

  it('3 GiB of valid records: refused at the --replay-max-mb cap, which defaults to a quarter of the heap Node may use here', { skip }, async () => {
    const file = bomb('records.ndjson.gz', Buffer.from(`${recordLine(lostRecord(T0 + 500, 0))}\n`));
    const { code, signal, stdout, stderr, peakMiB } = await replayCapped(file);
    assert.equal(signal, null, `killed (peak ${peakMiB} MiB)`);
    assert.equal(code, 65, `${stderr} (peak ${peakMiB} MiB)`);
    assert.equal(stdout, '');
    assertOneLineError(stderr, /records\.ndjson\.gz is larger than \d+ MiB once decompressed \(at line \d+\), the --replay-max-mb \d+ cap — a gzip bomb, or a long recording: if you trust it, raise --replay-max-mb/);
    const capMiB = Number(/--replay-max-mb (\d+) cap/.exec(stderr)?.[1]);
    assert.ok(capMiB >= 1 && capMiB <= LIMIT_BYTES / MIB / 4, `the default cap ${capMiB} MiB: at most a quarter of the cgroup's 512 MiB`);
    assert.ok(peakMiB < (LIMIT_BYTES / MIB) * 0.75, `peak ${peakMiB} MiB`);
  });
});
