/**
 * Flow limits on a real kernel: loopback flows made to be limited by what the test names, sampled
 * through sock_diag like the live capture does, and judged by the model over the last interval.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { ConnectionModel } from '../../src/model/connection-model.js';
import type { FlowLimitSnapshot } from '../../src/model/flow-limit-tracker.js';
import { hostPaths } from '../../src/probes/host-paths.js';
import { SocketSampler } from '../../src/probes/socket-sampler.js';
import { startLimitPeer, type LimitPeer, type LimitScenario } from '../support/limit-peers.js';

const NFT_TABLE = 'netscope_test_limit';
const SAMPLE_INTERVAL_MS = 1000;

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
  const sampler = new SocketSampler(hostPaths());
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
