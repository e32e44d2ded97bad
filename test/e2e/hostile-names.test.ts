/**
 * A process controls its own name: short-lived clients name themselves with terminal escape
 * sequences (prctl PR_SET_NAME), connect, and exit before /proc can be read, so only the
 * kernel's record names them. Every output carries the escaped name — the JSON snapshot, the
 * event stream, /metrics, a recording and its replay, and the live view in a real terminal,
 * whose title must not change.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { packageRoot } from '../../src/probes/package-paths.js';
import { freePort } from '../support/free-port.js';
import { runNetscope, waitUntilCapturing, type NetscopeRun } from '../support/processes.js';
import { TmuxSession } from '../support/tmux.js';

/** Raw task names (at most 15 bytes) and how netscope must show them. */
const HOSTILE_NAMES: ReadonlyArray<{ what: string; raw: Buffer; shown: string }> = [
  { what: 'OSC 2 window title with BEL', raw: Buffer.from('\x1b]2;PWNED\x07', 'latin1'), shown: '\\x1b]2;PWNED\\x07' },
  { what: 'OSC 52 clipboard write', raw: Buffer.from('\x1b]52;c;SGk=\x07', 'latin1'), shown: '\\x1b]52;c;SGk=\\x07' },
  { what: 'CSI clear screen and colour', raw: Buffer.from('\x1b[2J\x1b[31mX', 'latin1'), shown: '\\x1b[2J\\x1b[31mX' },
  { what: 'C1 CSI', raw: Buffer.from('c1\u009b31m', 'utf8'), shown: 'c1\\x9b31m' },
  { what: 'bidi override', raw: Buffer.from('rtl\u202egpj', 'utf8'), shown: 'rtl\\u202egpj' },
  { what: 'line separator', raw: Buffer.from('ls\u2028x', 'utf8'), shown: 'ls\\u2028x' },
];

/** Anything a terminal would act on, or that hides or reorders text. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** Connects as a process named `raw`, sends a little, and exits at once. */
async function connectAsHostileProcess(raw: Buffer, port: number): Promise<void> {
  const script = [
    'import ctypes, socket, sys',
    'ctypes.CDLL(None).prctl(15, bytes.fromhex(sys.argv[1]), 0, 0, 0)',
    `s = socket.create_connection(("127.0.0.1", ${port}))`,
    's.sendall(b"x" * 1000)',
    's.close()',
  ].join('\n');
  const child = spawn('python3', ['-c', script, raw.toString('hex')], { stdio: 'inherit' });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, 'the hostile client ran');
}

/** Every string anywhere in a parsed JSON value. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, inner]) => [key, ...stringsIn(inner)]);
  return [];
}

function assertAllSafe(strings: string[], where: string): void {
  const unsafe = strings.filter((text) => UNSAFE.test(text));
  assert.deepEqual(unsafe, [], `${where} carries raw control characters`);
}

describe('process-controlled names are escaped everywhere', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-hostile-'));
  const recordingPath = path.join(scratch, 'hostile.ndjson');
  let server: net.Server;
  let port: number;
  let metricsPort: number;
  let snapshotRun: NetscopeRun;
  let eventsRun: NetscopeRun;
  let metricsText = '';

  before(async () => {
    server = net.createServer((socket) => socket.resume()).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as net.AddressInfo).port;
    metricsPort = await freePort();
    snapshotRun = runNetscope(['--json', '--duration', '6', '--interval', '250', '--port', String(port), '--record', recordingPath, '--prometheus', `127.0.0.1:${metricsPort}`]);
    eventsRun = runNetscope(['--events', '--duration', '6', '--port', String(port)]);
    await waitUntilCapturing(snapshotRun.child.pid!);
    await waitUntilCapturing(eventsRun.child.pid!);
    for (const { raw } of HOSTILE_NAMES) await connectAsHostileProcess(raw, port);
    // Two ticks, so the closed connections are in the model /metrics reads.
    await sleep(1000);
    metricsText = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  });

  after(() => {
    snapshotRun.child.kill('SIGKILL');
    eventsRun.child.kill('SIGKILL');
    server.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('in the JSON snapshot', async () => {
    const { code, stdout } = await snapshotRun.done;
    assert.equal(code, 0);
    const document = JSON.parse(stdout) as { connections: Array<{ comm: string | null; dport: number }> };
    assertAllSafe(stringsIn(document), 'the snapshot');
    const clientNames = new Set(document.connections.filter((connection) => connection.dport === port).map((connection) => connection.comm));
    for (const { what, shown } of HOSTILE_NAMES) assert.ok(clientNames.has(shown), `${what}: ${shown} among ${[...clientNames].join(', ')}`);
  });

  it('in the event stream', async () => {
    const { code, stdout } = await eventsRun.done;
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; comm: string | null });
    assertAllSafe(lines.flatMap(stringsIn), 'the event stream');
    const connectNames = new Set(lines.filter((line) => line.type === 'connect').map((line) => line.comm));
    for (const { what, shown } of HOSTILE_NAMES) assert.ok(connectNames.has(shown), `${what}: ${shown} among ${[...connectNames].join(', ')}`);
  });

  it('in /metrics, one series per process', () => {
    assert.doesNotMatch(metricsText.replaceAll('\n', ''), UNSAFE);
    for (const { what, shown } of HOSTILE_NAMES) {
      // The text format writes a label value's backslash as \\.
      const label = `process="${shown.replaceAll('\\', '\\\\')}"`;
      const series = metricsText.split('\n').filter((line) => line.startsWith('netscope_bytes_sent_total{') && line.includes(label));
      assert.equal(series.length, 1, `${what}: one bytes_sent series labelled ${label}:\n${metricsText}`);
    }
  });

  it('in the recording, and its replay shows the same names', async () => {
    await snapshotRun.done;
    const recorded = readFileSync(recordingPath, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as unknown);
    assertAllSafe(recorded.flatMap(stringsIn), 'the recording');
    const replay = await runNetscope(['--replay', recordingPath, '--json']).done;
    assert.equal(replay.code, 0, replay.stderr);
    const names = new Set((JSON.parse(replay.stdout) as { connections: Array<{ comm: string | null }> }).connections.map((connection) => connection.comm));
    for (const { what, shown } of HOSTILE_NAMES) assert.ok(names.has(shown), `${what}: the replay shows ${shown}, escaped once`);
  });

  it('in the live view, without touching the terminal', async () => {
    const session = new TmuxSession(`${path.join(packageRoot, 'bin/netscope')} -d 250 --port ${port}`, { width: 200, height: 40 });
    try {
      const titleBefore = session.paneTitle();
      // The header names the source once the probes are attached.
      await session.waitFor((screen) => screen.includes('ebpf'), 'the live view capturing');
      for (const { raw } of HOSTILE_NAMES) await connectAsHostileProcess(raw, port);
      const screen = await session.waitFor((text) => text.includes('\\x1b]2;PW') && text.includes('rtl\\u202e'), 'the escaped names on screen');
      assert.equal(session.paneTitle(), titleBefore, 'the window title is unchanged');
      assert.doesNotMatch(session.screenWithAttributes().replace(/\x1b\[[0-9;]*m/g, '').replaceAll('\n', ''), UNSAFE, screen);
      session.type('q');
    } finally {
      session.kill();
    }
  });
});
