/**
 * Findings end to end on the real kernel: a client hammering a closed loopback port, beside a
 * healthy flow, must yield a `refused` finding naming the client process and the port in
 * `netscope --json`; the healthy flow none; and replaying the recording of that capture must
 * state the very same findings.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FindingsSnapshotDocument } from '../../src/findings/finding-document.js';
import { runNetscope, startPeer, waitUntilCapturing, type Peer } from '../support/processes.js';
import { freePort } from '../support/free-port.js';

const CONNECTS = 30;
const CONNECT_INTERVAL_MS = 100;

describe('findings on a real fault: a client hammering a closed port', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-findings-'));
  const recordingPath = path.join(scratch, 'refused.ndjson');
  const peers: Peer[] = [];
  let closedPort: number;
  let healthyPort: number;
  let hammerPid: number;
  let healthyPid: number;
  let live: { code: number | null; stdout: string; stderr: string };
  let document: FindingsSnapshotDocument;

  before(async () => {
    closedPort = await freePort();
    healthyPort = await freePort();
    const server = startPeer('server', 'fd-server', '127.0.0.1', healthyPort, 0);
    peers.push(server);
    await server.next('listening');
    const netscope = runNetscope(['--json', '--duration', '6', '--interval', '500', '--record', recordingPath]);
    await waitUntilCapturing(netscope.child.pid!);
    const healthy = startPeer('stream', 'fd-healthy', '127.0.0.1', healthyPort, 20_000_000, 3);
    const hammer = startPeer('hammer', 'fd-hammer', '127.0.0.1', closedPort, CONNECTS, CONNECT_INTERVAL_MS);
    peers.push(healthy, hammer);
    hammerPid = hammer.pid;
    healthyPid = healthy.pid;
    const done = await hammer.next('done');
    assert.equal(done.refused, CONNECTS, 'every connect was refused');
    await healthy.next('closed');
    live = await netscope.done;
    assert.equal(live.code, 0, live.stderr);
    document = JSON.parse(live.stdout) as FindingsSnapshotDocument;
  });

  after(() => {
    for (const peer of peers) peer.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('states a refused finding naming the client process, its pid and the port, critical, with the refused connections as evidence', () => {
    const refused = document.findings.filter((finding) => finding.kind === 'refused');
    assert.equal(refused.length, 1, JSON.stringify(document.findings, null, 2));
    const [finding] = refused;
    assert.ok(finding);
    assert.equal(finding.id, `refused:pid=${hammerPid}:peer=127.0.0.1:${closedPort}`);
    assert.equal(finding.state, 'open');
    assert.equal(finding.severity, 'critical');
    assert.equal(finding.pid, hammerPid);
    assert.equal(finding.comm, 'fd-hammer');
    assert.equal(finding.peerPort, closedPort);
    assert.match(finding.summary, new RegExp(`^fd-hammer \\(pid ${hammerPid}\\) is refused by 127\\.0\\.0\\.1:${closedPort}: \\d+ connects answered by a reset`));
    assert.ok(finding.evidence.connectionIds.length >= 20, `${finding.evidence.connectionIds.length} connections as evidence`);
    const refusedConnections = new Set(
      document.connections.filter((connection) => connection.pid === hammerPid && connection.dport === closedPort && connection.resetsReceived > 0).map((connection) => connection.id),
    );
    for (const id of finding.evidence.connectionIds) assert.ok(refusedConnections.has(id), `evidence ${id} is a refused connection of the hammer`);
  });

  it('the healthy flow, and the server it talks to, yield nothing', () => {
    const healthyConnections = document.connections.filter((connection) => connection.pid === healthyPid);
    assert.ok(healthyConnections.some((connection) => connection.bytesSent > 1_000_000), 'the healthy flow moved its bytes');
    // On loopback a flow retransmits only when the host is so overloaded that acknowledgements
    // come later than the retransmission timeout; its receiver, on this host too, reports each
    // such retransmit as data it already had (TCP_OLD_DATA, TCP_OLD_SEQUENCE), and nothing is
    // dropped: no loss, whatever the load.
    const retransmitted = healthyConnections.reduce((sum, connection) => sum + connection.retransmits, 0);
    if (retransmitted > 0) console.log(`the healthy flow retransmitted ${retransmitted} segments on loopback (an overloaded host)`);
    assert.deepEqual(
      document.findings.filter((finding) => finding.kind !== 'refused'),
      [],
    );
  });

  it('a replay of the recording states the same findings, ids and all', async () => {
    const replay = runNetscope(['--replay', recordingPath, '--json']);
    const replayed = await replay.done;
    assert.equal(replayed.code, 0, replayed.stderr);
    const replayedDocument = JSON.parse(replayed.stdout) as FindingsSnapshotDocument;
    assert.deepEqual(
      replayedDocument.findings.map((finding) => finding.id),
      document.findings.map((finding) => finding.id),
    );
    assert.deepEqual(replayedDocument.findings, document.findings);
  });
});
