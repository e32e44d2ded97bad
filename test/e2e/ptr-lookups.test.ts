/**
 * --resolve on the real kernel: a fake DNS server on loopback (its port picked by the kernel,
 * named with --resolver, so the host's resolver is never asked) answers a PTR query for a
 * loopback address a client connects to. With --resolve the connection and its peer carry the
 * PTR name; without it, no query reaches the server.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { packageRoot } from '../../src/probes/package-paths.js';
import { freePort } from '../support/free-port.js';
import { programsLeftAfter, runNetscope, waitUntilCapturing } from '../support/processes.js';

const fixture = path.join(packageRoot, 'dist/test/support/dns-fixture.js');
const PEER = '127.0.0.16';
const PTR_QUESTION = '16.0.0.127.in-addr.arpa';
const zone = { [PTR_QUESTION]: [{ type: 'PTR', name: PTR_QUESTION, ttl: 60, data: 'db-7.reverse.test' }] };

interface DnsServer {
  child: ChildProcess;
  dnsPort: number;
  /** Queries the server has received so far. */
  queries: { name: string; type: string }[];
}

async function startDnsServer(tcpPort: number): Promise<DnsServer> {
  const child = spawn(process.execPath, [fixture, 'server', JSON.stringify(zone), String(tcpPort), '127.0.0.1', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const queries: DnsServer['queries'] = [];
  let resolveListening: (port: number) => void = () => {};
  const listening = new Promise<number>((resolve) => (resolveListening = resolve));
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { event: string; dnsPort?: number; name?: string; type?: string; message?: string };
    if (message.event === 'listening') resolveListening(message.dnsPort ?? 0);
    else if (message.event === 'query') queries.push({ name: message.name ?? '', type: message.type ?? '' });
    else if (message.event === 'error') throw new Error(`dns fixture: ${message.message}`);
  });
  return { child, dnsPort: await listening, queries };
}

async function connectAndHold(tcpPort: number): Promise<net.Socket> {
  const socket = net.connect({ host: PEER, port: tcpPort });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

function connectionTo(document: SnapshotDocument, tcpPort: number): SnapshotDocument['connections'][number] {
  const found = document.connections.filter((connection) => connection.daddr === PEER && connection.dport === tcpPort);
  assert.equal(found.length, 1, `one connection to ${PEER}:${tcpPort} (found ${found.length})`);
  return found[0]!;
}

describe('--resolve: PTR lookups on request only', () => {
  const children: ChildProcess[] = [];
  const sockets: net.Socket[] = [];
  let server: DnsServer;
  let tcpPort: number;

  before(async () => {
    tcpPort = await freePort();
    server = await startDnsServer(tcpPort);
    children.push(server.child);
    sockets.push(await connectAndHold(tcpPort));
  });

  after(() => {
    for (const socket of sockets) socket.destroy();
    for (const child of children) child.kill('SIGKILL');
  });

  it('without --resolve, asks nothing: no query reaches the server and the peer stays unnamed', async () => {
    const run = runNetscope(['--json', '--duration', '3', '--interval', '500']);
    children.push(run.child);
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    const document = JSON.parse(result.stdout) as SnapshotDocument;
    assert.equal(connectionTo(document, tcpPort).peerName, null);
    assert.deepEqual(server.queries, []);
  });

  it('with --resolve --resolver, the connection and its peer carry the PTR name, source ptr', async () => {
    const run = runNetscope(['--json', '--duration', '4', '--interval', '500', '--resolve', '--resolver', `127.0.0.1:${server.dnsPort}`]);
    children.push(run.child);
    await waitUntilCapturing(run.child.pid!);
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    const document = JSON.parse(result.stdout) as SnapshotDocument;
    const connection = connectionTo(document, tcpPort);
    assert.equal(connection.peerName?.name, 'db-7.reverse.test');
    assert.equal(connection.peerName?.source, 'ptr');
    const peer = document.peers.find((candidate) => candidate.address === PEER);
    assert.equal(peer?.peerName?.name, 'db-7.reverse.test');
    assert.equal(peer?.peerName?.source, 'ptr');
    assert.equal(server.queries.filter((query) => query.name === PTR_QUESTION && query.type === 'PTR').length, 1, 'asked once, however many ticks');
    const schema = JSON.parse(readFileSync(path.join(packageRoot, 'schema/snapshot.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    assert.ok(validate(document), JSON.stringify(validate.errors?.slice(0, 3)));
  });

  it('leaves no BPF program behind', async () => {
    assert.deepEqual(await programsLeftAfter(), []);
  });
});
