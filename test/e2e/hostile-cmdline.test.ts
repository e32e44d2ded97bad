/**
 * A process anyone can start cannot blind netscope with its command line. Run as nobody with a
 * 524 KB command line (four arguments of 131,000 letters, the most one argument may hold, and
 * a database URL with its password before and after them), it keeps a loopback connection open
 * and keeps connecting while `netscope --json --duration 5` captures. The capture must end on
 * time, count every connection a named peer makes beside it, and show the hostile command line
 * capped at 4 KiB and marked, its password nowhere.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { after, before, describe, it } from 'node:test';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { freePort } from '../support/free-port.js';
import { runNetscope, startPeer, waitUntilCapturing, type Peer } from '../support/processes.js';

const NOBODY = 65534;
const UNPRIVILEGED = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'];
const CAPTURE_SECONDS = 5;
const PASSWORD = 'secretpw';
/** MAX_ARG_STRLEN is 131,072 bytes with the terminating NUL. */
const LONGEST_ARGUMENTS = Array.from({ length: 4 }, () => 'a'.repeat(131_000));
const CANARY_CONNECTIONS = 20;

/**
 * The hostile process: one connection held open and written to, and a new connection every
 * 50 ms. It never sets process.title, which would overwrite the command line under test. On one
 * line, so the command line holds no character the sanitiser would lengthen into an escape.
 */
const HOSTILE_SCRIPT = `
const net = require('node:net');
const port = Number(process.argv[1]);
const held = net.connect(port, '127.0.0.1', () => console.log('connected'));
setInterval(() => held.write('x'), 100);
setInterval(() => {
  const socket = net.connect(port, '127.0.0.1', () => socket.end());
  socket.on('error', () => {});
  socket.resume();
}, 50);
`.replaceAll('\n', ' ');

/** A named peer making its connections one after another, printing each one's local port. */
const CANARY_SCRIPT = `
process.title = 'ns-canary';
const net = require('node:net');
const [port, count] = process.argv.slice(1).map(Number);
(async () => {
  for (let made = 0; made < count; made++) {
    await new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        console.log(JSON.stringify({ localPort: socket.localPort }));
        socket.end('canary');
      });
      socket.on('close', resolve);
      socket.on('error', reject);
      socket.resume();
    });
  }
})();
`;

function lines(child: ChildProcess): AsyncIterable<string> {
  return readline.createInterface({ input: child.stdout! });
}

async function waitForLine(child: ChildProcess, expected: string): Promise<void> {
  for await (const line of lines(child)) if (line === expected) return;
  assert.fail(`the process exited before printing ${expected}`);
}

describe('netscope beside a process with a 524 KB command line', () => {
  let server: Peer;
  let hostile: ChildProcess;
  let netscope: ReturnType<typeof runNetscope>;
  let canary: ChildProcess;
  let serverPort: number;
  let canaryPorts: number[];
  let elapsedMs: number;
  let result: Awaited<ReturnType<typeof runNetscope>['done']>;
  let document: SnapshotDocument;

  before(async () => {
    serverPort = await freePort();
    server = startPeer('server', 'ns-canary-srv', '127.0.0.1', serverPort, 0);
    await server.next('listening');

    hostile = spawn(
      'setpriv',
      [
        ...UNPRIVILEGED,
        process.execPath,
        '-e',
        HOSTILE_SCRIPT,
        String(serverPort),
        `--database-url=postgres://u:${PASSWORD}@db/x`,
        ...LONGEST_ARGUMENTS,
        `postgres://u:${PASSWORD}@db/x`,
        '--verbose',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await waitForLine(hostile, 'connected');

    const startedAt = Date.now();
    netscope = runNetscope(['--json', '--duration', String(CAPTURE_SECONDS)]);
    await waitUntilCapturing(netscope.child.pid!);

    canary = spawn(process.execPath, ['-e', CANARY_SCRIPT, String(serverPort), String(CANARY_CONNECTIONS)], { stdio: ['ignore', 'pipe', 'inherit'] });
    canaryPorts = [];
    for await (const line of lines(canary)) canaryPorts.push((JSON.parse(line) as { localPort: number }).localPort);

    result = await netscope.done;
    elapsedMs = Date.now() - startedAt;
    assert.equal(result.code, 0, `netscope exited ${result.code}: ${result.stderr}`);
    document = JSON.parse(result.stdout) as SnapshotDocument;
  });

  after(() => {
    netscope?.child.kill('SIGKILL');
    hostile?.kill('SIGKILL');
    canary?.kill('SIGKILL');
    server?.stop();
  });

  it('ends the capture within twice its duration', () => {
    assert.ok(elapsedMs < 2 * CAPTURE_SECONDS * 1000, `a ${CAPTURE_SECONDS} s capture took ${elapsedMs} ms (lost events: ${document.source.lostEvents})`);
  });

  it('counts every connection a named peer made beside it, and names the peer', () => {
    assert.equal(canaryPorts.length, CANARY_CONNECTIONS);
    for (const localPort of canaryPorts) {
      // Loopback reuses a port whose connection is in TIME_WAIT (tcp_tw_reuse=2), so the
      // hostile process may have used the canary's port to the same server earlier: its row
      // is there too.
      const onTuple = document.connections.filter((entry) => entry.sport === localPort && entry.dport === serverPort);
      const found = onTuple.find((entry) => entry.pid === canary.pid);
      const owners = onTuple.map((entry) => `${entry.id}: pid ${entry.pid}`).join(', ');
      assert.ok(found, `the canary's connection from port ${localPort} is in the snapshot (rows on its tuple: ${owners}; lost events: ${document.source.lostEvents})`);
      assert.equal(found.comm, 'ns-canary');
    }
  });

  it('shows the hostile command line capped at 4 KiB and marked, its first password hidden', () => {
    const described = document.processes.find((entry) => entry.pid === hostile.pid);
    assert.ok(described, 'the hostile process is listed');
    assert.equal(described.uid, NOBODY);
    const cmdline = described.cmdline ?? assert.fail('the hostile process has a command line');
    assert.ok(cmdline.endsWith('… [cut at 4,096 bytes]'), `marked: …${cmdline.slice(-40)}`);
    assert.ok(cmdline.length <= 4096 + '… [cut at 4,096 bytes]'.length, `capped: ${cmdline.length} characters`);
    assert.ok(cmdline.includes(' --database-url=postgres://u:***@db/x aaaa'), cmdline.slice(0, 400));
  });

  it('leaks the password nowhere', () => {
    assert.ok(!result.stdout.includes(PASSWORD), 'the password is not in the snapshot');
    assert.ok(!result.stderr.includes(PASSWORD), 'the password is not on stderr');
  });
});
