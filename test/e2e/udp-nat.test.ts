/**
 * The real destination behind NAT of UDP flows on the real kernel: nftables DNAT in the output
 * hook sends a client's datagrams for 127.0.0.1:A to an echo server on 127.0.0.1:B, and a
 * connect()ed client's for 127.0.0.2:A2 to the same server. The first client uses sendto (its
 * flow's id is not its socket's cookie) and the unconnected server has a flow per client.
 * `netscope --json` and `--events`, side by side, must show each client's conversation as one
 * flow with the address it asked, its bytes both ways exact, carrying the real destination B;
 * and the server's flow with a client the address that client asked.
 *
 * The packet program sees a send after the output hook translated it; it keys the send by the
 * destination in the packet's conntrack entry's original tuple, where the answers (translated
 * back) land too.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { EventLine } from '../../src/export/event-lines.js';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { freePort } from '../support/free-port.js';
import { runNetscope, startUdpPeer, waitUntilCapturing, type Peer } from '../support/processes.js';
import { only } from '../support/only.js';

const NFT_TABLE = 'netscope_test_udpnat';
const DATAGRAMS = 20;
const DATAGRAM_BYTES = 200;
/** The connected client asks this address (and A2); the rule takes it to 127.0.0.1:B as well. */
const CONNECTED_ASKED_ADDRESS = '127.0.0.2';
/**
 * Six ticks of 500 ms: conntrack is asked at the tick after a flow shows, or a tick or two later
 * on a host so busy that a tick's lookup budget (20 ms) runs out before this namespace's turn.
 */
const SETTLE_TICKS_MS = 3000;


describe('netscope --json and --events show the real destination of UDP flows behind NAT', () => {
  const peers: Peer[] = [];
  let document: SnapshotDocument;
  let events: EventLine[];
  let ports: { asked: number; served: number };
  let clientPort: number;
  let clientPid: number;
  let connectedClient: { port: number; pid: number };
  let askedConnectedPort: number;

  before(async () => {
    const echo = startUdpPeer('echo', 'ns-unat-echo', '127.0.0.1', 0, DATAGRAM_BYTES);
    peers.push(echo);
    ports = { asked: await freePort(), served: (await echo.next('listening')).port as number };
    askedConnectedPort = await freePort(CONNECTED_ASKED_ADDRESS);
    execFileSync('nft', ['-f', '-'], {
      input: `table ip ${NFT_TABLE} {
        chain nat_output {
          type nat hook output priority -100
          ip daddr 127.0.0.1 udp dport ${ports.asked} dnat to 127.0.0.1:${ports.served}
          ip daddr ${CONNECTED_ASKED_ADDRESS} udp dport ${askedConnectedPort} dnat to 127.0.0.1:${ports.served}
        }
      }\n`,
    });

    const netscope = runNetscope(['--json', '--duration', '0', '--interval', '500']);
    const eventStream = runNetscope(['--events', '--interval', '500']);
    await Promise.all([waitUntilCapturing(netscope.child.pid!), waitUntilCapturing(eventStream.child.pid!)]);
    const client = startUdpPeer('sendto', 'ns-unat-sendto', '127.0.0.1', ports.asked, DATAGRAMS, DATAGRAM_BYTES);
    peers.push(client);
    const done = await client.next('done');
    // Every answer came back through the reverse translation: the DNAT rule took the datagrams to B.
    assert.equal(done.received, DATAGRAMS * DATAGRAM_BYTES);
    clientPort = done.localPort as number;
    clientPid = client.pid;
    const connected = startUdpPeer('client', 'ns-unat-client', CONNECTED_ASKED_ADDRESS, askedConnectedPort, DATAGRAMS, DATAGRAM_BYTES);
    peers.push(connected);
    const connectedDone = await connected.next('done');
    assert.equal(connectedDone.received, DATAGRAMS * DATAGRAM_BYTES);
    connectedClient = { port: connectedDone.localPort as number, pid: connected.pid };
    await sleep(SETTLE_TICKS_MS);
    const [result, streamed] = await Promise.all([netscope.stop(), eventStream.stop()]);
    assert.equal(result.code, 0, `netscope exited ${result.code}: ${result.stderr}`);
    assert.equal(result.stderr, '');
    document = JSON.parse(result.stdout) as SnapshotDocument;
    assert.equal(streamed.code, 0, `netscope --events exited ${streamed.code}: ${streamed.stderr}`);
    events = streamed.stdout.trim().split('\n').map((line) => JSON.parse(line) as EventLine);
  });

  after(() => {
    for (const peer of peers) peer.stop();
    execFileSync('nft', ['delete', 'table', 'ip', NFT_TABLE], { stdio: 'ignore' });
  });

  const expectedNat = () => ({
    destination: { address: '127.0.0.1', port: ports.served },
    originalDestination: { address: '127.0.0.1', port: ports.asked },
    direction: 'outgoing',
    table: 'socket',
  });

  it('--json: the client\'s flow with port A carries the real destination B', () => {
    const flow = only(
      document.connections.filter((entry) => entry.protocol === 'udp' && entry.sport === clientPort && entry.dport === ports.asked),
      'client flow with A',
    );
    assert.equal(flow.pid, clientPid);
    assert.equal(flow.daddr, '127.0.0.1', 'the flow still names what it asked for');
    assert.equal(flow.bytesReceived, DATAGRAMS * DATAGRAM_BYTES, 'the answers, translated back, came from A');
    assert.deepEqual(flow.nat, expectedNat());
  });

  it('the sendto client\'s conversation is that one flow: every byte sent and received, nothing on B', () => {
    const flows = document.connections.filter((entry) => entry.protocol === 'udp' && entry.saddr === '127.0.0.1' && entry.sport === clientPort);
    const flow = only(flows, 'flow of the sendto client');
    assert.equal(flow.dport, ports.asked);
    assert.equal(flow.bytesSent, DATAGRAMS * DATAGRAM_BYTES);
    assert.equal(flow.bytesReceived, DATAGRAMS * DATAGRAM_BYTES);
  });

  const expectedConnectedNat = () => ({
    destination: { address: '127.0.0.1', port: ports.served },
    originalDestination: { address: CONNECTED_ASKED_ADDRESS, port: askedConnectedPort },
    direction: 'outgoing',
    table: 'socket',
  });

  it('--json: the connected client\'s conversation is one flow with the address it asked, carrying the real destination', () => {
    const flows = document.connections.filter(
      (entry) => entry.protocol === 'udp' && entry.saddr === CONNECTED_ASKED_ADDRESS && entry.sport === connectedClient.port,
    );
    const flow = only(flows, 'flow of the connected client');
    assert.equal(flow.pid, connectedClient.pid);
    assert.equal(flow.udp?.connected, true);
    assert.equal(flow.daddr, CONNECTED_ASKED_ADDRESS);
    assert.equal(flow.dport, askedConnectedPort);
    assert.equal(flow.bytesSent, DATAGRAMS * DATAGRAM_BYTES);
    assert.equal(flow.bytesReceived, DATAGRAMS * DATAGRAM_BYTES);
    assert.deepEqual(flow.nat, expectedConnectedNat());
  });

  it('--events: the connected client\'s udp-open line carries the real destination', () => {
    const line = only(
      events.filter((event) => event.type === 'udp-open' && event.sport === connectedClient.port && event.dport === askedConnectedPort),
      'connected client udp-open line',
    );
    assert.deepEqual(line.nat, expectedConnectedNat());
  });

  it('--events: the client\'s udp-open line with port A carries the real destination B', () => {
    const line = only(
      events.filter((event) => event.type === 'udp-open' && event.sport === clientPort && event.dport === ports.asked),
      'client udp-open line with A',
    );
    assert.deepEqual(line.nat, expectedNat());
  });

  it('the echo server\'s flow with the client knows the port the client addressed', () => {
    const served = only(
      document.connections.filter((entry) => entry.protocol === 'udp' && entry.sport === ports.served && entry.dport === clientPort),
      'echo server flow with the client',
    );
    assert.deepEqual(served.nat, { ...expectedNat(), direction: 'incoming' });
  });

  it('the echo server\'s flow with the connected client knows the address and port that client addressed', () => {
    const served = only(
      document.connections.filter((entry) => entry.protocol === 'udp' && entry.sport === ports.served && entry.dport === connectedClient.port),
      'echo server flow with the connected client',
    );
    assert.equal(served.daddr, CONNECTED_ASKED_ADDRESS);
    assert.deepEqual(served.nat, { ...expectedConnectedNat(), direction: 'incoming' });
  });
});
