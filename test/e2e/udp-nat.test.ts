/**
 * The real destination behind NAT of UDP flows on the real kernel: nftables DNAT in the output
 * hook sends a client's datagrams for 127.0.0.1:A to an echo server on 127.0.0.1:B. The client
 * uses sendto (its flow's id is not its socket's cookie) and the unconnected server has a flow
 * per client. `netscope --json` and `--events`, side by side, must show that the client's flow
 * with A really went to B, and the server's flow the port A its client asked.
 *
 * The packet program sees a send after the output hook translated it: the client's datagrams
 * count on a flow with B, the answers (translated back) on the flow with A, which conntrack
 * names. A connect()ed client's flow is keyed by B the same way, so it is not asked about here.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { EventLine } from '../../src/export/event-lines.js';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { freePort } from '../support/free-port.js';
import { runNetscope, startUdpPeer, waitUntilCapturing, type Peer } from '../support/processes.js';

const NFT_TABLE = 'netscope_test_udpnat';
const DATAGRAMS = 20;
const DATAGRAM_BYTES = 200;
/** Four ticks of 500 ms: conntrack is asked at the tick after a flow shows. */
const SETTLE_TICKS_MS = 2000;

function only<T>(items: T[], what: string): T {
  assert.equal(items.length, 1, `exactly one ${what} (found ${items.length})`);
  return items[0] as T;
}

describe('netscope --json and --events show the real destination of UDP flows behind NAT', () => {
  const peers: Peer[] = [];
  let document: SnapshotDocument;
  let events: EventLine[];
  let ports: { asked: number; served: number };
  let clientPort: number;
  let clientPid: number;

  before(async () => {
    const echo = startUdpPeer('echo', 'ns-unat-echo', '127.0.0.1', 0, DATAGRAM_BYTES);
    peers.push(echo);
    ports = { asked: await freePort(), served: (await echo.next('listening')).port as number };
    execFileSync('nft', ['-f', '-'], {
      input: `table ip ${NFT_TABLE} {
        chain nat_output {
          type nat hook output priority -100
          ip daddr 127.0.0.1 udp dport ${ports.asked} dnat to 127.0.0.1:${ports.served}
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
    await sleep(SETTLE_TICKS_MS);
    netscope.child.kill('SIGINT');
    eventStream.child.kill('SIGINT');
    const result = await netscope.done;
    assert.equal(result.code, 0, `netscope exited ${result.code}: ${result.stderr}`);
    assert.equal(result.stderr, '');
    document = JSON.parse(result.stdout) as SnapshotDocument;
    const streamed = await eventStream.done;
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
});
