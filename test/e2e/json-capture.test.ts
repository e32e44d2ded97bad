/**
 * The spine end to end on the real kernel: `netscope --json` runs while real loopback peers,
 * each its own named process, connect, move known byte counts, get refused, and lose packets
 * to a real nftables rule. The snapshot must name every process and count every byte.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { packageRoot } from '../../src/probes/package-paths.js';
import { runNetscope, startPeer, waitUntilCapturing, type Peer } from '../support/processes.js';
import { freePort } from '../support/free-port.js';
import { only } from '../support/only.js';

type ConnectionEntry = SnapshotDocument['connections'][number];

const CLIENT_SENDS = 1_000_000;
const SERVER_SENDS = 500_000;
const PREEXISTING_BEFORE = 100_000;
const PREEXISTING_DURING = 200_000;
const LOSSY_SENDS = 300_000;
const NFT_TABLE = 'netscope_test_spine';


function assertWithinOnePercent(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= expected * 0.01, `${what}: ${actual} is not within 1% of ${expected}`);
}


describe('netscope --json on real loopback traffic', () => {
  const peers: Peer[] = [];
  let document: SnapshotDocument;
  let ports: { main: number; v6: number; closed: number; lossy: number; preexisting: number };
  let pids: { client: number; server: number; client6: number; refused: number; lossy: number; lossyServer: number; preClient: number; preServer: number };
  let clientLocalPort: number;
  let stderr: string;

  before(async () => {
    ports = {
      main: await freePort(),
      v6: await freePort('::1'),
      closed: await freePort(),
      lossy: await freePort(),
      preexisting: await freePort(),
    };
    // Drop every fifth data-carrying packet of the lossy flow on arrival (pure ACKs and the
    // handshake pass): deterministic loss the sender only learns of from the receiver, so it
    // must retransmit. (Dropped on output instead, TCP sees a send error and simply sends again.)
    execFileSync('nft', ['-f', '-'], {
      input: `table inet ${NFT_TABLE} {
        chain input { type filter hook input priority 0; tcp dport ${ports.lossy} meta length > 200 numgen inc mod 5 == 1 drop; }
      }`,
    });

    const server = startPeer('server', 'ns-server', '127.0.0.1', ports.main, SERVER_SENDS);
    const server6 = startPeer('server', 'ns-server6', '::1', ports.v6, 1000);
    const lossyServer = startPeer('server', 'ns-lossy-srv', '127.0.0.1', ports.lossy, 0);
    const preServer = startPeer('server', 'ns-pre-server', '127.0.0.1', ports.preexisting, 0);
    peers.push(server, server6, lossyServer, preServer);
    await Promise.all([server, server6, lossyServer, preServer].map((peer) => peer.next('listening')));
    const preClient = startPeer('hold', 'ns-pre-client', '127.0.0.1', ports.preexisting, PREEXISTING_BEFORE, PREEXISTING_DURING);
    peers.push(preClient);
    await preClient.next('connected');

    const netscope = runNetscope(['--json', '--duration', '6', '--interval', '500']);
    await waitUntilCapturing(netscope.child.pid!);

    preClient.send('go');
    const client = startPeer('client', 'ns-client', '127.0.0.1', ports.main, CLIENT_SENDS);
    const client6 = startPeer('client', 'ns-client6', '::1', ports.v6, 1000);
    const refused = startPeer('client', 'ns-refused', '127.0.0.1', ports.closed, 10);
    const lossy = startPeer('client', 'ns-lossy', '127.0.0.1', ports.lossy, LOSSY_SENDS);
    peers.push(client, client6, refused, lossy);
    clientLocalPort = (await client.next('connected')).localPort as number;
    await Promise.all([client.next('closed'), client6.next('closed'), refused.next('error'), lossy.next('closed'), preClient.next('closed')]);
    pids = {
      client: client.pid,
      server: server.pid,
      client6: client6.pid,
      refused: refused.pid,
      lossy: lossy.pid,
      lossyServer: lossyServer.pid,
      preClient: preClient.pid,
      preServer: preServer.pid,
    };

    const result = await netscope.done;
    stderr = result.stderr;
    assert.equal(result.code, 0, `netscope exited ${result.code}: ${result.stderr}`);
    document = JSON.parse(result.stdout) as SnapshotDocument;
  });

  after(() => {
    for (const peer of peers) peer.stop();
    execFileSync('nft', ['delete', 'table', 'inet', NFT_TABLE], { stdio: 'ignore' });
  });

  it('prints nothing on stderr and a document that matches the JSON Schema', () => {
    assert.equal(stderr, '');
    const schema = JSON.parse(readFileSync(path.join(packageRoot, 'schema/snapshot.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    assert.ok(validate(document), JSON.stringify(validate.errors, null, 2));
  });

  it('reports its source: every probe attached (the UDP packet program too), lost events counted', () => {
    assert.equal(document.source.kind, 'ebpf');
    assert.deepEqual(
      document.source.probes.map((probe) => [probe.name, probe.status]),
      ['inet_sock_set_state', 'tcp_retransmit_skb', 'tcp_send_reset', 'tcp_receive_reset', 'kfree_skb', 'udp_flows', 'dns_answers'].map((name) => [name, 'attached']),
    );
    assert.equal(typeof document.source.lostEvents, 'number');
  });

  it('names the client, counts its bytes within 1% and records its whole life', () => {
    const client = only(
      document.connections.filter((entry) => entry.dport === ports.main && entry.sport === clientLocalPort),
      'client-side connection',
    );
    assert.equal(client.pid, pids.client);
    assert.equal(client.comm, 'ns-client');
    assert.equal(client.family, 'ipv4');
    assert.equal(client.preexisting, false);
    assertWithinOnePercent(client.bytesSent, CLIENT_SENDS, 'client bytesSent');
    assertWithinOnePercent(client.bytesReceived, SERVER_SENDS, 'client bytesReceived');
    const states = client.stateHistory.map((stay) => stay.state);
    assert.deepEqual(states.slice(0, 2), ['SYN_SENT', 'ESTABLISHED']);
    // The client closed first: the kernel keeps its side in TIME_WAIT (as ss -tan lists it), and
    // its row moves on to TIME_WAIT — closed for the application all the same.
    assert.equal(states.at(-1), 'TIME_WAIT');
    assert.equal(client.state, 'TIME_WAIT');
    assert.ok(client.closedAt !== null);
    assert.ok(client.connectLatencyMs !== null && client.connectLatencyMs >= 0, `connect latency ${client.connectLatencyMs}`);
  });

  it('gives the accepted side to the server process, never pid 0, with its own bytes', () => {
    const served = only(
      document.connections.filter((entry) => entry.sport === ports.main && entry.dport === clientLocalPort),
      'server-side connection',
    );
    assert.equal(served.pid, pids.server);
    assert.equal(served.comm, 'ns-server');
    assertWithinOnePercent(served.bytesReceived, CLIENT_SENDS, 'server bytesReceived');
    assertWithinOnePercent(served.bytesSent, SERVER_SENDS, 'server bytesSent');
    assert.deepEqual(served.stateHistory.map((stay) => stay.state).slice(0, 2), ['SYN_RECV', 'ESTABLISHED']);
  });

  it('lists a connection opened before the capture with its owner and only the bytes moved during it', () => {
    const preexisting = only(
      document.connections.filter((entry) => entry.dport === ports.preexisting && entry.comm === 'ns-pre-client'),
      'preexisting client connection',
    );
    assert.equal(preexisting.preexisting, true);
    assert.equal(preexisting.pid, pids.preClient);
    assertWithinOnePercent(preexisting.bytesSent, PREEXISTING_DURING, 'bytes sent during the capture');
    const acceptedEarlier = only(
      document.connections.filter((entry) => entry.sport === ports.preexisting && entry.dport === preexisting.sport),
      'preexisting server connection',
    );
    assert.equal(acceptedEarlier.pid, pids.preServer);
    assertWithinOnePercent(acceptedEarlier.bytesReceived, PREEXISTING_DURING, 'bytes received during the capture');
  });

  it('sees IPv6 to [::1]', () => {
    const client6 = only(
      document.connections.filter((entry) => entry.comm === 'ns-client6' && entry.dport === ports.v6),
      'IPv6 client connection',
    );
    assert.equal(client6.family, 'ipv6');
    assert.equal(client6.daddr, '::1');
    assert.equal(client6.pid, pids.client6);
  });

  it('shows the refused client with the reset it received', () => {
    const refused = only(
      document.connections.filter((entry) => entry.dport === ports.closed),
      'refused connection',
    );
    assert.equal(refused.comm, 'ns-refused');
    assert.equal(refused.pid, pids.refused);
    assert.notEqual(refused.sport, 0, 'the local port bound after SYN_SENT is learned from the reset');
    assert.ok(refused.resetsReceived >= 1, `resetsReceived ${refused.resetsReceived}`);
    assert.ok(document.totals.resetsSent >= 1, 'the kernel answered the SYN with a reset');
  });

  it('sees retransmits on the lossy flow, and the nftables drops by kernel reason on its receiving end', () => {
    const lossy = only(
      document.connections.filter((entry: ConnectionEntry) => entry.comm === 'ns-lossy' && entry.dport === ports.lossy),
      'lossy client connection',
    );
    assert.ok(lossy.retransmits >= 1, `retransmits ${lossy.retransmits}`);
    assertWithinOnePercent(lossy.bytesSent, LOSSY_SENDS, 'lossy bytesSent');
    const receiving = only(
      document.connections.filter((entry: ConnectionEntry) => entry.sport === ports.lossy && entry.dport === lossy.sport),
      'lossy server connection',
    );
    assert.equal(receiving.pid, pids.lossyServer);
    const netfilterDrops = receiving.drops.find((drop) => drop.reason === 'NETFILTER_DROP');
    assert.ok(netfilterDrops && netfilterDrops.count >= 1, `drops ${JSON.stringify(receiving.drops)}`);
    assert.ok((document.drops.NETFILTER_DROP ?? 0) >= netfilterDrops.count);
    assert.ok(document.totals.retransmits >= lossy.retransmits);
  });

  it('aggregates per process and per peer', () => {
    const client = only(
      document.processes.filter((process) => process.pid === pids.client),
      'ns-client process',
    );
    assert.equal(client.comm, 'ns-client');
    assertWithinOnePercent(client.bytesSent, CLIENT_SENDS, 'process bytesSent');
    assert.ok(document.peers.some((peer) => peer.address === '::1'));
    // two ends each of the main, IPv6 and lossy connections, and the refused client
    assert.ok(document.totals.connectionsOpened >= 7, `connectionsOpened ${document.totals.connectionsOpened}`);
  });
});
