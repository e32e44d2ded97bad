/**
 * Drop classes on a real kernel: an nftables drop is loss that matters; a socket closed with
 * data still unread is not a network drop and must not show in DROPS. (On 6.18 the close frees
 * the unread queue without a drop reason and answers with a reset; the one drop the kernel
 * reports on that socket is TCP_OLD_DATA, a segment it had already acknowledged: stray.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { runNetscope, waitUntilCapturing } from '../support/processes.js';
import { freePort } from '../support/free-port.js';

type ConnectionEntry = SnapshotDocument['connections'][number];

const NFT_TABLE = 'netscope_test_drop_classes';
const LOSSY_SENDS = 200_000;
const UNREAD_SENDS = 64 * 1024;

function mattering(connection: ConnectionEntry): number {
  return connection.drops.reduce((sum, drop) => (drop.class === 'matters' ? sum + drop.count : sum), 0);
}

/** Accepts one connection; `onConnection` decides what the server side does with it. */
async function serveOnce(port: number, onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer({ pauseOnConnect: true }, onConnection);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

/** Connects, writes `bytes`, and resolves with the local port once the socket has closed (reset or not). */
function sendAndWaitForClose(port: number, bytes: number): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let localPort = 0;
    socket.on('connect', () => {
      localPort = socket.localPort!;
      socket.write(Buffer.alloc(bytes, 1), () => socket.end());
    });
    socket.on('error', () => {});
    socket.on('data', () => {});
    socket.on('close', () => resolve(localPort));
  });
}

describe('drop classes on real loopback traffic', () => {
  const servers: net.Server[] = [];
  let document: SnapshotDocument;
  let ports: { lossy: number; unread: number };
  let localPorts: { lossy: number; unread: number };

  before(async () => {
    ports = { lossy: await freePort(), unread: await freePort() };
    execFileSync('nft', ['-f', '-'], {
      input: `table inet ${NFT_TABLE} {
        chain input { type filter hook input priority 0; tcp dport ${ports.lossy} meta length > 200 numgen inc mod 5 == 1 drop; }
      }`,
    });
    // The lossy server reads everything; the other closes its socket once data is waiting unread.
    servers.push(await serveOnce(ports.lossy, (socket) => socket.resume().on('error', () => {})));
    servers.push(
      await serveOnce(ports.unread, (socket) => {
        socket.on('error', () => {});
        // Paused on connect, Node never reads: the client's data stays in the kernel's receive queue.
        setTimeout(() => socket.destroy(), 300);
      }),
    );
    const netscope = runNetscope(['--json', '--duration', '4', '--interval', '500']);
    await waitUntilCapturing(netscope.child.pid!);
    localPorts = {
      lossy: await sendAndWaitForClose(ports.lossy, LOSSY_SENDS),
      unread: await sendAndWaitForClose(ports.unread, UNREAD_SENDS),
    };
    const result = await netscope.done;
    assert.equal(result.code, 0, `netscope exited ${result.code}: ${result.stderr}`);
    document = JSON.parse(result.stdout) as SnapshotDocument;
  });

  after(() => {
    for (const server of servers) server.close();
    execFileSync('nft', ['delete', 'table', 'inet', NFT_TABLE], { stdio: 'ignore' });
  });

  function serverSide(port: number, peerPort: number): ConnectionEntry {
    const found = document.connections.filter((entry) => entry.sport === port && entry.dport === peerPort);
    assert.equal(found.length, 1, `one server connection on ${port} (found ${found.length})`);
    return found[0]!;
  }

  it('an nftables drop is NETFILTER_DROP, class matters, and counts in the totals', () => {
    const receiving = serverSide(ports.lossy, localPorts.lossy);
    const netfilter = receiving.drops.find((drop) => drop.reason === 'NETFILTER_DROP');
    assert.ok(netfilter !== undefined && netfilter.count >= 1, `drops ${JSON.stringify(receiving.drops)}`);
    assert.equal(netfilter.class, 'matters');
    assert.equal(document.dropClasses.NETFILTER_DROP, 'matters');
    assert.ok(document.totals.drops >= mattering(receiving));
  });

  it('a socket closed with data unread: its drops are not network drops, and DROPS stays 0', () => {
    const closing = serverSide(ports.unread, localPorts.unread);
    assert.ok(closing.drops.length >= 1, `the kernel reported a drop on the closing socket: ${JSON.stringify(closing.drops)}`);
    for (const drop of closing.drops) assert.notEqual(drop.class, 'matters', `${drop.reason} is not a network drop`);
    assert.equal(mattering(closing), 0);
    assert.ok(closing.resetsSent >= 1, 'closing with unread data answers with a reset');
  });
});
