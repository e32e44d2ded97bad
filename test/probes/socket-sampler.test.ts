/** The sampling pass on the real kernel, over more sockets than one read of the dump holds. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { hostPaths } from '../../src/probes/host-paths.js';
import { nativeAddon } from '../../src/probes/native.js';
import { systemKernelClock } from '../../src/probes/kernel-clock.js';
import { SocketSampler } from '../../src/probes/socket-sampler.js';
import { decodeTcpSamples, tcpSampleLayout } from '../../src/probes/tcp-samples.js';
import { TcpState } from '../../src/model/records.js';

/** 6,000 sockets: the dump is read 2,048 samples at a time, so it takes several reads. */
const CONNECTIONS = 3_000;
const CONNECTS_AT_ONCE = 200;
/** Room for the fewest samples a read accepts (one recv's worth). */
const ONE_READ = 372;

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
  const accepted: net.Socket[] = [];
  const server = net.createServer((socket) => accepted.push(socket));
  let clients: net.Socket[] = [];
  let port = 0;

  before(async () => {
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as net.AddressInfo).port;
    clients = await holdConnections(port, CONNECTIONS);
    while (accepted.length < CONNECTIONS) await new Promise((resolve) => setImmediate(resolve));
  });
  after(async () => {
    for (const socket of [...clients, ...accepted]) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('samples every socket of a dump longer than one read once, stamped between the pass\'s first read and its end', () => {
    const sampler = new SocketSampler(hostPaths(), systemKernelClock());
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
    }
  });

  it('stamps its samples by the clock the kernel\'s events are stamped by, not by Date.now()', () => {
    // An offset no wall clock has: a sample stamped by Date.now() falls far outside the window.
    const clock = { toWallMs: (monotonicMs: number) => monotonicMs + 42 };
    const sampler = new SocketSampler(hostPaths(), clock);
    try {
      sampler.refreshNamespaces();
      const before = clock.toWallMs(Number(process.hrtime.bigint()) / 1e6);
      const pass = sampler.sample();
      const after = clock.toWallMs(Number(process.hrtime.bigint()) / 1e6);
      const ours = pass.records.filter((record) => record.endpoints.sport === port || record.endpoints.dport === port);
      assert.ok(ours.length >= 2 * CONNECTIONS);
      for (const atMs of [pass.firstReadAtMs, pass.sampledAtMs, ...ours.map((record) => record.atMs)]) {
        assert.ok(atMs >= before && atMs <= after, `${atMs} within ${before}…${after}`);
      }
    } finally {
      sampler.close();
    }
  });

  it('a dump left unread past its first piece is dropped when the next one starts, never read as part of it', () => {
    const addon = nativeAddon();
    const fd = addon.openNetnsDiagSocket(null);
    try {
      const buffer = Buffer.alloc(ONE_READ * tcpSampleLayout.size);
      addon.startTcpDump(fd, false);
      assert.equal(addon.readTcpDump(fd, buffer).done, false, 'the first dump has more than one piece');
      addon.startTcpDump(fd, false);
      const ours: number[] = [];
      for (;;) {
        const { count, done } = addon.readTcpDump(fd, buffer);
        for (const record of decodeTcpSamples(buffer, count, 0, 0)) {
          if (record.state === TcpState.ESTABLISHED && (record.endpoints.sport === port || record.endpoints.dport === port)) ours.push(record.cookie);
        }
        if (done) break;
      }
      assert.equal(ours.length, 2 * CONNECTIONS, 'both ends of every held connection, the first piece\'s too');
      assert.equal(new Set(ours).size, ours.length, 'no socket twice');
    } finally {
      addon.closeFd(fd);
    }
  });
});
