/** The sampling pass on the real kernel, over more sockets than one read of the dump holds. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { hostPaths } from '../../src/probes/host-paths.js';
import { SocketSampler } from '../../src/probes/socket-sampler.js';
import { TcpState } from '../../src/model/records.js';

/** 6,000 sockets: the dump is read 2,048 samples at a time, so it takes several reads. */
const CONNECTIONS = 3_000;
const CONNECTS_AT_ONCE = 200;

async function holdConnections(port: number, count: number): Promise<net.Socket[]> {
  const clients: net.Socket[] = [];
  for (let start = 0; start < count; start += CONNECTS_AT_ONCE) {
    const batch = Array.from({ length: Math.min(CONNECTS_AT_ONCE, count - start) }, () => {
      const socket = net.connect(port, '127.0.0.1');
      clients.push(socket);
      return new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    });
    await Promise.all(batch);
  }
  return clients;
}

describe('the socket sampler', () => {
  it('samples every socket of a dump longer than one read once, stamped between the pass\'s first read and its end', async () => {
    const accepted: net.Socket[] = [];
    const server = net.createServer((socket) => accepted.push(socket)).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as net.AddressInfo;
    const clients = await holdConnections(port, CONNECTIONS);
    while (accepted.length < CONNECTIONS) await new Promise((resolve) => setImmediate(resolve));
    const sampler = new SocketSampler(hostPaths());
    try {
      sampler.refreshNamespaces();
      const pass = sampler.sample();
      const ours = pass.records.filter(
        (record) => record.state === TcpState.ESTABLISHED && (record.endpoints.sport === port || record.endpoints.dport === port),
      );
      const cookies = new Set(ours.map((record) => record.cookie));
      assert.equal(ours.length, 2 * CONNECTIONS, 'both ends of every connection');
      assert.equal(cookies.size, ours.length, 'each socket once');
      for (const record of ours) {
        assert.ok(record.atMs >= pass.firstReadAtMs && record.atMs <= pass.sampledAtMs, `${record.atMs} within ${pass.firstReadAtMs}…${pass.sampledAtMs}`);
      }
    } finally {
      sampler.close();
      for (const socket of [...clients, ...accepted]) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
