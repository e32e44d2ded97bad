/**
 * Without privilege netscope still helps: run as nobody with no capabilities, `--json` falls
 * back to sock_diag and /proc, lists this user's own connection with its bytes, says on one
 * stderr line what is missing and how to get it, and exits 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { after, describe, it } from 'node:test';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { packageRoot } from '../../src/probes/package-paths.js';

const NOBODY = 65534;
const UNPRIVILEGED = ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all'];

function spawnAsNobody(command: string, args: string[]) {
  return spawn('setpriv', [...UNPRIVILEGED, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('netscope without privilege', () => {
  const children: ReturnType<typeof spawn>[] = [];
  after(() => children.forEach((child) => child.kill('SIGKILL')));

  it('runs degraded on sock_diag and /proc, lists its own user’s connection with bytes, and explains', async () => {
    const server = net.createServer((socket) => socket.resume()).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    after(() => server.close());
    const { port } = server.address() as net.AddressInfo;

    const netscope = spawnAsNobody(path.join(packageRoot, 'bin/netscope'), ['--json', '--duration', '3', '-d', '500']);
    children.push(netscope);
    let stdout = '';
    let stderr = '';
    netscope.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    netscope.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => netscope.once('close', resolve));

    const peer = spawnAsNobody(path.join(packageRoot, 'bin/node-runtime'), [
      path.join(packageRoot, 'dist/test/support/peer.js'),
      'stream',
      'ns-nobody',
      '127.0.0.1',
      String(port),
      '400000',
      '5',
    ]);
    children.push(peer);
    const connected = await new Promise<{ localPort: number; pid: number }>((resolve) =>
      readline.createInterface({ input: peer.stdout! }).once('line', (line) => resolve(JSON.parse(line) as { localPort: number; pid: number })),
    );

    assert.equal(await exited, 0, stderr);
    const lines = stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0] ?? '', /^netscope: running without eBPF \(missing CAP_BPF and CAP_PERFMON.*sudo/);
    const document = JSON.parse(stdout) as SnapshotDocument;
    assert.equal(document.source.kind, 'procfs');
    assert.ok(document.source.probes.every((probe) => probe.status === 'off'));
    const own = document.connections.find((entry) => entry.sport === connected.localPort && entry.dport === port);
    assert.ok(own, `the peer's connection is listed: ${JSON.stringify(document.connections.map((entry) => [entry.sport, entry.dport]))}`);
    assert.equal(own.pid, connected.pid);
    assert.equal(own.comm, 'ns-nobody');
    assert.equal(own.uid, NOBODY);
    assert.ok(own.bytesSent > 100_000, `bytes sent during the capture: ${own.bytesSent}`);
  });
});
