/**
 * When user space falls behind, the kernel drops events and counts them — and byte totals stay
 * exact, because they come from the sockets' own counters, not from the events.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { Capture } from '../../src/app/capture.js';
import { openEnrichment } from '../../src/enrich/enrichment.js';
import { hostPaths } from '../../src/probes/host-paths.js';
import { LiveSource } from '../../src/sources/live-source.js';

const SMALLEST_RING_BUFFER = 4096;
const FLOW_BYTES = 1_000_000;

async function churn(port: number, connections: number): Promise<void> {
  for (let index = 0; index < connections; index++) {
    await new Promise<void>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end());
      socket.on('data', () => undefined);
      socket.on('close', () => resolve());
    });
  }
}

describe('ring buffer pressure', () => {
  it('counts lost events and keeps byte totals exact from the socket counters', async () => {
    const server = net.createServer((socket) => socket.resume().on('end', () => socket.end())).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as net.AddressInfo;
    // A drain interval far beyond the test: the ring buffer only empties at a tick.
    const capture = new Capture(
      (sink) => new LiveSource({ ringBufferBytes: SMALLEST_RING_BUFFER, drainIntervalMs: 3_600_000, paths: hostPaths(), enrichment: openEnrichment({ paths: hostPaths(), showSecrets: false }, Date.now()) }, sink),
      { hostname: 'test', kernel: 'test' },
    );
    try {
      capture.tick();
      const flow = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => flow.once('connect', resolve));
      const flowPort = flow.localPort;
      await churn(port, 150);
      await new Promise<void>((resolve) => flow.write(Buffer.alloc(FLOW_BYTES, 1), () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 200));
      capture.tick();
      flow.end();
      await new Promise((resolve) => flow.once('close', resolve));
      const snapshot = capture.tick();

      assert.ok(snapshot.totals.lostEvents > 0, 'the overflow shows up as lost events');
      // The newest on its tuple: loopback reuses a TIME_WAIT tuple, and a host that just churned keeps rows of those.
      const entry = snapshot.connections.filter((connection) => connection.dport === port && connection.sport === flowPort).at(-1);
      assert.ok(entry, 'the flow is in the table although some of its events were lost');
      assert.ok(Math.abs(entry.bytesSent - FLOW_BYTES) <= FLOW_BYTES * 0.01, `bytes sent ${entry.bytesSent}`);
    } finally {
      capture.stop();
      server.close();
    }
  });
});
