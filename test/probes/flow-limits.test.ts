/**
 * Flow limits on a real kernel: loopback flows (and one across a slow link between two namespaces)
 * made to be limited by what the test names, sampled through sock_diag like the live capture does,
 * and judged by the model over the last interval.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { SNDBUF_SHARE } from '../../src/model/flow-limit.js';
import type { FlowLimitSnapshot } from '../../src/model/flow-limit-tracker.js';
import { hostPaths } from '../../src/probes/host-paths.js';
import { systemKernelClock } from '../../src/probes/kernel-clock.js';
import { SocketSampler } from '../../src/probes/socket-sampler.js';
import { SLOW_LINK, startDelayLink } from '../support/delay-link.js';
import { startLimitPeer, type LimitPeer, type LimitScenario } from '../support/limit-peers.js';
import { startLinkSender } from '../support/link-sender.js';

const NFT_TABLE = 'netscope_test_limit';
const SAMPLE_INTERVAL_MS = 1000;
/**
 * Across SLOW_LINK's 100 KB bandwidth-delay product, an 8 KiB send buffer (in effect one 64 KiB
 * GSO packet: docs/flow-limits.md) holds well under it, while a 4 MiB one (416 KiB where
 * net.core.wmem_max is left at its default) holds more than bbr ever puts in flight.
 */
const TINY_SNDBUF = 4096;
const LARGE_SNDBUF = 4 << 20;

interface JudgedFlow {
  client: FlowLimitSnapshot | null;
  server: FlowLimitSnapshot | null;
}

/** Samples every `SAMPLE_INTERVAL_MS` (three samples: two intervals) and returns both ends' verdicts over the last one. */
async function judge(sampler: SocketSampler, peer: LimitPeer): Promise<JudgedFlow> {
  const model = new ConnectionModel();
  let atMs = 0;
  for (let sample = 0; sample < 3; sample++) {
    if (sample > 0) await sleep(SAMPLE_INTERVAL_MS);
    const pass = sampler.sample();
    for (const record of pass.records) {
      const { sport, dport } = record.endpoints;
      const ours = (sport === peer.clientPort && dport === peer.serverPort) || (sport === peer.serverPort && dport === peer.clientPort);
      if (ours) model.ingest(record);
    }
    atMs = pass.sampledAtMs;
  }
  const connections = model.tick(atMs).connections;
  const side = (port: number) => connections.find((connection) => connection.sport === port)?.limit ?? null;
  return { client: side(peer.clientPort), server: side(peer.serverPort) };
}

describe('flow limits of real loopback flows', () => {
  const sampler = new SocketSampler(hostPaths(), systemKernelClock());
  const peers: LimitPeer[] = [];

  before(() => sampler.refreshNamespaces());
  after(async () => {
    for (const peer of peers) await peer.stop();
    sampler.close();
    try {
      execFileSync('nft', ['delete', 'table', 'inet', NFT_TABLE], { stdio: 'ignore' });
    } catch {
      // Deleted by its test already.
    }
  });

  async function flow(scenario: LimitScenario): Promise<LimitPeer> {
    const peer = await startLimitPeer(scenario);
    peers.push(peer);
    return peer;
  }

  test('a server that never reads is a stalled reader; its writing client is limited by the receiver', async () => {
    const peer = await flow('stalled');
    const judged = await judge(sampler, peer);
    await peer.stop();
    assert.equal(judged.server?.verdict, 'stalled-reader', JSON.stringify(judged.server));
    assert.equal(judged.server?.rcvWnd, 0);
    assert.ok((judged.server?.receiveQueue ?? 0) > 0);
    assert.equal(judged.client?.verdict, 'receiver', JSON.stringify(judged.client));
    assert.equal(judged.client?.sndWnd, 0);
    assert.ok((judged.client?.rwndLimitedShare ?? 0) > 0.9, 'busy time is rwnd-limited');
  });

  test('a bulk flow into a reader that keeps up is not the network', async () => {
    const peer = await flow('bulk');
    const judged = await judge(sampler, peer);
    await peer.stop();
    assert.ok(judged.client !== null, 'the client was judged');
    assert.notEqual(judged.client.verdict, 'network', JSON.stringify(judged.client));
    assert.ok(judged.client.busyShare > 0.5, `the client kept sending (${judged.client.busyShare})`);
  });

  test('a client that sends a little every 100 ms is limited by its application', async () => {
    const peer = await flow('trickle');
    const judged = await judge(sampler, peer);
    await peer.stop();
    assert.equal(judged.client?.verdict, 'app', JSON.stringify(judged.client));
    assert.ok((judged.client?.segmentsSent ?? 0) >= 5, 'it did send');
    assert.equal(judged.server?.verdict, 'idle', 'the reading side sends nothing');
  });

  test('a sender with a tiny SO_SNDBUF across a 40 ms link is limited by its send buffer; with a large one it is not', async () => {
    const link = await startDelayLink(`nst-sndbuf-${process.pid}`, SLOW_LINK);
    const senders: LimitPeer[] = [];
    try {
      const tiny = await startLinkSender(link, TINY_SNDBUF);
      senders.push(tiny);
      sampler.refreshNamespaces();
      const judgedTiny = await judge(sampler, tiny);
      await tiny.stop();
      assert.equal(judgedTiny.client?.verdict, 'sndbuf', JSON.stringify(judgedTiny.client));
      assert.ok(judgedTiny.client.busyShare > 0.9, `it always had something to send (${judgedTiny.client.busyShare})`);
      assert.equal(judgedTiny.client.retransmits, 0, 'the link lost nothing');

      const large = await startLinkSender(link, LARGE_SNDBUF);
      senders.push(large);
      sampler.refreshNamespaces();
      const judgedLarge = await judge(sampler, large);
      await large.stop();
      assert.ok(large.sndbuf > 32 * tiny.sndbuf, `the large buffer is large (${large.sndbuf} against ${tiny.sndbuf} bytes)`);
      assert.ok(judgedLarge.client !== null, 'the sender with the large buffer was judged');
      assert.notEqual(judgedLarge.client.verdict, 'sndbuf', JSON.stringify(judgedLarge.client));
      assert.ok(judgedLarge.client.sndbufLimitedShare < SNDBUF_SHARE, `its buffer did not hold it back (${judgedLarge.client.sndbufLimitedShare})`);
      assert.ok(judgedLarge.client.busyShare > 0.9, `it kept sending too (${judgedLarge.client.busyShare})`);
    } finally {
      for (const sender of senders) await sender.stop();
      await link.remove();
    }
  });

  test('20% loss on the flow makes it the network', async () => {
    const peer = await flow('bulk');
    // The input hook drops after the sender counted the segment as sent: real loss it must
    // retransmit (a drop on output is a local error TCP just retries).
    execFileSync('nft', ['-f', '-'], {
      input: `table inet ${NFT_TABLE} {\n chain input {\n  type filter hook input priority 0;\n  tcp dport ${peer.serverPort} numgen random mod 100 < 20 drop\n }\n}\n`,
    });
    try {
      const judged = await judge(sampler, peer);
      assert.equal(judged.client?.verdict, 'network', JSON.stringify(judged.client));
      assert.ok((judged.client?.retransmitShare ?? 0) >= 0.01);
    } finally {
      execFileSync('nft', ['delete', 'table', 'inet', NFT_TABLE]);
      await peer.stop();
    }
  });
});
