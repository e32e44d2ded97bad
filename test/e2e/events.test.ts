/**
 * `netscope --events` on the real kernel: while named loopback peers connect, move known byte
 * counts and get refused, the stream must carry each connection's connect, accept (with the
 * server's pid), state changes and close (with its bytes), the refused connection's reset —
 * every line JSON — keep to `--port`, end quietly when its reader goes away, and refuse with
 * the fix when it cannot load the probes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CloseLine, EventLine, EventType } from '../../src/export/event-lines.js';
import { packageRoot } from '../../src/probes/package-paths.js';
import { runNetscope, startPeer, waitUntilCapturing, type Peer } from '../support/processes.js';
import { freePort } from '../support/free-port.js';
import { only } from '../support/only.js';

const CLIENT_SENDS = 1_000_000;
const SERVER_SENDS = 500_000;
/** Two ticks at -d 500: the accepted side's owner is resolved from /proc by then. */
const OWNER_SETTLE_MS = 1500;
const EVENT_TYPES: readonly EventType[] = ['connect', 'accept', 'state', 'retransmit', 'reset', 'drop', 'close'];


/** Every line as JSON; a line that does not parse fails the test with the line in the message. */
function parseLines(stdout: string): EventLine[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as EventLine;
      } catch {
        throw new assert.AssertionError({ message: `not JSON: ${line}` });
      }
    });
}

/** The kernel counts the SYN and the FIN as one byte each (tcpi_bytes_acked / tcpi_bytes_received). */
function assertMoved(actual: number, sent: number, what: string): void {
  assert.ok(actual >= sent && actual <= sent + 2, `${what}: ${actual} is not ${sent} (+ SYN and FIN)`);
}


describe('netscope --events on real loopback traffic', () => {
  const peers: Peer[] = [];
  let ports: { main: number; closed: number; other: number };
  let pids: { client: number; server: number; refused: number };
  let clientPort: number;
  let all: { code: number | null; stderr: string; lines: EventLine[] };
  let portScoped: { code: number | null; stderr: string; lines: EventLine[] };

  before(async () => {
    ports = { main: await freePort(), closed: await freePort(), other: await freePort() };
    const server = startPeer('server', 'ns-ev-server', '127.0.0.1', ports.main, SERVER_SENDS);
    const otherServer = startPeer('server', 'ns-ev-other-srv', '127.0.0.1', ports.other, 1000);
    peers.push(server, otherServer);
    await Promise.all([server.next('listening'), otherServer.next('listening')]);

    const everything = runNetscope(['--events', '--interval', '500']);
    const mainPortOnly = runNetscope(['--events', '--interval', '500', '--port', String(ports.main)]);
    await Promise.all([waitUntilCapturing(everything.child.pid!), waitUntilCapturing(mainPortOnly.child.pid!)]);

    const client = startPeer('client', 'ns-ev-client', '127.0.0.1', ports.main, CLIENT_SENDS);
    const refused = startPeer('client', 'ns-ev-refused', '127.0.0.1', ports.closed, 10);
    const otherClient = startPeer('client', 'ns-ev-other', '127.0.0.1', ports.other, 1000);
    peers.push(client, refused, otherClient);
    clientPort = (await client.next('connected')).localPort as number;
    await Promise.all([client.next('closed'), refused.next('error'), otherClient.next('closed'), server.next('served')]);
    pids = { client: client.pid, server: server.pid, refused: refused.pid };
    await new Promise((resolve) => setTimeout(resolve, OWNER_SETTLE_MS));

    const [everythingDone, mainPortDone] = await Promise.all([everything.stop(), mainPortOnly.stop()]);
    all = { code: everythingDone.code, stderr: everythingDone.stderr, lines: parseLines(everythingDone.stdout) };
    portScoped = { code: mainPortDone.code, stderr: mainPortDone.stderr, lines: parseLines(mainPortDone.stdout) };
  });

  after(() => {
    for (const peer of peers) peer.stop();
  });

  const clientSide = (line: EventLine) => line.dport === ports.main && line.sport === clientPort;
  const serverSide = (line: EventLine) => line.sport === ports.main && line.dport === clientPort;

  it('ends on SIGINT with exit 0 and nothing on stderr; every line is one JSON event', () => {
    for (const run of [all, portScoped]) {
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
    }
    assert.ok(all.lines.length > 0);
    for (const line of all.lines) {
      assert.ok(EVENT_TYPES.includes(line.type), `type ${line.type}`);
      assert.match(line.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.match(line.netns, /^\d+$/);
      assert.notEqual(line.pid, 0, 'an unknown owner is null, never pid 0');
    }
  });

  it('a client connect: the connecting process, both endpoints, the local port bound after SYN_SENT', () => {
    const connect = only(all.lines.filter((line) => line.type === 'connect' && clientSide(line)), 'client connect line');
    assert.equal(connect.pid, pids.client);
    assert.equal(connect.comm, 'ns-ev-client');
    assert.deepEqual([connect.family, connect.saddr, connect.daddr], ['ipv4', '127.0.0.1', '127.0.0.1']);
    assert.match(connect.connectionId ?? '', /^\d+$/);
    assert.equal(connect.container, null);
  });

  it('the accepted side: an accept line with the server’s pid', () => {
    const accept = only(all.lines.filter((line) => line.type === 'accept' && serverSide(line)), 'accept line');
    assert.equal(accept.pid, pids.server);
    assert.equal(accept.comm, 'ns-ev-server');
  });

  it('state changes of both ends, in order from connect to close', () => {
    const client = all.lines.filter((line) => clientSide(line) && line.type !== 'drop');
    assert.equal(client[0]?.type, 'connect');
    assert.equal(client.at(-1)?.type, 'close');
    const transitions = client.filter((line) => line.type === 'state').map((line) => line.type === 'state' && `${line.fromState}→${line.toState}`);
    assert.equal(transitions[0], 'SYN_SENT→ESTABLISHED');
    assert.ok(transitions.includes('ESTABLISHED→FIN_WAIT1'), transitions.join(' '));
    const server = all.lines.filter((line) => serverSide(line) && line.type !== 'drop').map((line) => line.type);
    assert.deepEqual(server.slice(0, 2), ['state', 'accept'], 'LISTEN→SYN_RECV, then the accept');
    assert.equal(server.at(-1), 'close');
    // Drops carry the packet's addresses, source first: those from the server's port arrive at the client.
    const unowned = all.lines.filter((line) => serverSide(line) && line.type !== 'drop' && line.pid !== pids.server);
    assert.ok(unowned.length === 0, JSON.stringify(unowned));
  });

  it('close lines carry each end’s final counters', () => {
    const clientClose = only(all.lines.filter((line): line is CloseLine => line.type === 'close' && clientSide(line)), 'client close line');
    assertMoved(clientClose.bytesSent, CLIENT_SENDS, 'client bytesSent');
    assertMoved(clientClose.bytesReceived, SERVER_SENDS, 'client bytesReceived');
    assert.ok(clientClose.segmentsSent > 0 && clientClose.segmentsReceived > 0);
    const retransmitLines = all.lines.filter((line) => line.type === 'retransmit' && line.connectionId === clientClose.connectionId).length;
    assert.ok(clientClose.retransmits >= retransmitLines, `retransmits ${clientClose.retransmits}, retransmit lines ${retransmitLines}`);
    assert.ok(clientClose.srttMs !== null && clientClose.srttMs > 0, `srttMs ${clientClose.srttMs}`);
    assert.ok(clientClose.durationMs > 0, `durationMs ${clientClose.durationMs}`);
    assert.equal(clientClose.preexisting, false);
    assert.equal(clientClose.toState, 'CLOSE');
    const serverClose = only(all.lines.filter((line): line is CloseLine => line.type === 'close' && serverSide(line)), 'server close line');
    assertMoved(serverClose.bytesReceived, CLIENT_SENDS, 'server bytesReceived');
    assertMoved(serverClose.bytesSent, SERVER_SENDS, 'server bytesSent');
    assert.equal(serverClose.pid, pids.server);
  });

  it('a refused connection: its connect, the reset it received, its close from SYN_SENT', () => {
    const refused = all.lines.filter((line) => line.dport === ports.closed && line.pid === pids.refused);
    const reset = refused.find((line) => line.type === 'reset');
    assert.ok(reset?.type === 'reset', JSON.stringify(refused));
    assert.equal(reset.direction, 'received');
    assert.notEqual(reset.sport, 0);
    assert.deepEqual(
      refused.filter((line) => line.type !== 'reset' && line.type !== 'drop').map((line) => line.type),
      ['connect', 'close'],
    );
    assert.ok(
      all.lines.some((line) => line.type === 'reset' && line.direction === 'sent' && line.sport === ports.closed),
      'the kernel answered the SYN with a reset',
    );
  });

  it('--port keeps only lines with that port on either side', () => {
    assert.ok(portScoped.lines.length > 0);
    for (const line of portScoped.lines) assert.ok(line.sport === ports.main || line.dport === ports.main, JSON.stringify(line));
    assert.ok(portScoped.lines.some((line) => line.type === 'connect' && clientSide(line)));
    assert.ok(portScoped.lines.some((line) => line.type === 'accept' && line.pid === pids.server));
    assert.ok(all.lines.some((line) => line.dport === ports.other), 'the unfiltered stream saw the other connection');
  });
});

describe('netscope --events | head -1', () => {
  it('ends with exit 0 and no error message once its reader has gone', async () => {
    const server = net.createServer((socket) => socket.resume().on('end', () => socket.end())).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    after(() => server.close());
    const { port } = server.address() as net.AddressInfo;
    // Traffic until netscope is gone: the first line reaches head, a later one meets the closed pipe.
    const traffic = setInterval(() => net.connect(port, '127.0.0.1', function (this: net.Socket) {
      this.end();
    }).on('error', () => undefined), 50);
    after(() => clearInterval(traffic));

    // A group of its own: a netscope that never ends is killed with the shell, and its pipes close.
    const pipeline = spawn('bash', ['-c', `set -o pipefail; "${path.join(packageRoot, 'bin/netscope')}" --events | head -1`], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    pipeline.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    pipeline.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timeout = setTimeout(() => process.kill(-pipeline.pid!, 'SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => pipeline.once('close', resolve));
    clearTimeout(timeout);

    assert.equal(code, 0, `the pipeline (netscope's status under pipefail) exited ${code}: ${stderr}`);
    assert.equal(stderr, '');
    const lines = stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1);
    assert.ok(EVENT_TYPES.includes((JSON.parse(lines[0] ?? '') as EventLine).type));
  });
});

describe('netscope --events without privilege', () => {
  it('has nothing to stream without eBPF: exit 77 and one line with the fix', async () => {
    const unprivileged = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'];
    const netscope = spawn('setpriv', [...unprivileged, path.join(packageRoot, 'bin/netscope'), '--events'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    netscope.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    netscope.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => netscope.once('close', resolve));
    assert.equal(code, 77, stderr);
    assert.equal(stdout, '');
    assert.match(stderr, /^netscope: cannot stream events without eBPF: missing CAP_BPF.* — run it as root: sudo "\$\(command -v netscope\)"\n$/);
  });
});
