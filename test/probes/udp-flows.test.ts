/**
 * The UDP packet program's flows under DNAT on the real kernel: nftables in the output hook sends
 * datagrams for 127.0.0.1:A and 127.0.0.2:A2 to an echo server on 127.0.0.1:B. An unconnected
 * client (sendto) asks A, a connected one A2; each sends a known number of datagrams and reads
 * every answer. The probe must count each conversation as one flow keyed by the address the
 * client asked for, both ways — not its sends on B and its answers on the asked address — and
 * the server's flows by the client's address; and each flow names its socket's network
 * namespace though no sock_diag pass has seen the socket. The object built for kernels before
 * 6.2, attached beside it, loads here too and shows what those kernels get: the split.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { UdpFlowRecord } from '../../src/model/records.js';
import { cgroupV2Mount, hostPaths } from '../../src/probes/host-paths.js';
import { systemKernelClock } from '../../src/probes/kernel-clock.js';
import { udpFlowsBefore62ObjectPath, udpFlowsObjectPath } from '../../src/probes/package-paths.js';
import { UdpFlowProbe, type UdpSocketsSeen } from '../../src/probes/udp-flows.js';
import { freePort } from '../support/free-port.js';

const NFT_TABLE = 'netscope_test_udpnat';
const DATAGRAMS = 25;
const DATAGRAM_BYTES = 300;
const REPLY_BYTES = 120;
const SERVER_ADDRESS = '127.0.0.1';
const CONNECTED_ASKED_ADDRESS = '127.0.0.2';

/** Nothing is known of any socket, and no socket counts as gone (a pass that began at time 0). */
const nothingSeen: UdpSocketsSeen = { netnsByCookie: new Map(), passStartedMonotonicMs: 0 };

async function boundSocket(address: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.bind(0, address);
  await once(socket, 'listening');
  return socket;
}

/** Sends DATAGRAMS datagrams of DATAGRAM_BYTES, each after the previous one's answer; the answers' bytes. */
async function converse(socket: dgram.Socket, send: (payload: Buffer) => void): Promise<number> {
  let received = 0;
  for (let index = 0; index < DATAGRAMS; index++) {
    const answered = once(socket, 'message');
    send(Buffer.alloc(DATAGRAM_BYTES, 0x61));
    const [message] = (await answered) as [Buffer];
    received += message.length;
  }
  return received;
}

/** The flows of the socket bound to `socket`'s address and port. */
function flowsOf(records: UdpFlowRecord[], socket: dgram.Socket): UdpFlowRecord[] {
  const local = socket.address();
  return records.filter((record) => record.endpoints.saddr === local.address && record.endpoints.sport === local.port);
}

describe('the UDP packet program under DNAT in the output hook', () => {
  let probe: UdpFlowProbe;
  let before62: UdpFlowProbe;
  let server: dgram.Socket;
  let unconnected: dgram.Socket;
  let connected: dgram.Socket;
  let ports: { asked: number; askedConnected: number; served: number };
  let firstRead: UdpFlowRecord[];
  let before62Read: UdpFlowRecord[];

  before(async () => {
    probe = new UdpFlowProbe(cgroupV2Mount(hostPaths()), systemKernelClock(), (comm) => comm);
    before62 = new UdpFlowProbe(cgroupV2Mount(hostPaths()), systemKernelClock(), (comm) => comm, [udpFlowsBefore62ObjectPath]);
    server = await boundSocket(SERVER_ADDRESS);
    server.on('message', (_message, from) => server.send(Buffer.alloc(REPLY_BYTES, 0x62), from.port, from.address));
    ports = { asked: await freePort(), askedConnected: await freePort(), served: server.address().port };
    execFileSync('nft', ['-f', '-'], {
      input: `table ip ${NFT_TABLE} {
        chain nat_output {
          type nat hook output priority -100
          ip daddr ${SERVER_ADDRESS} udp dport ${ports.asked} dnat to ${SERVER_ADDRESS}:${ports.served}
          ip daddr ${CONNECTED_ASKED_ADDRESS} udp dport ${ports.askedConnected} dnat to ${SERVER_ADDRESS}:${ports.served}
        }
      }\n`,
    });
    unconnected = await boundSocket(SERVER_ADDRESS);
    connected = await boundSocket(CONNECTED_ASKED_ADDRESS);
    connected.connect(ports.askedConnected, CONNECTED_ASKED_ADDRESS);
    await once(connected, 'connect');
    // Every answer came back: the rule took each datagram to the server and its answer back.
    assert.equal(await converse(unconnected, (payload) => unconnected.send(payload, ports.asked, SERVER_ADDRESS)), DATAGRAMS * REPLY_BYTES);
    assert.equal(await converse(connected, (payload) => connected.send(payload)), DATAGRAMS * REPLY_BYTES);
    firstRead = probe.read(nothingSeen, Date.now());
    before62Read = before62.read(nothingSeen, Date.now());
  });

  after(() => {
    for (const socket of [server, unconnected, connected]) socket?.close();
    probe?.close();
    before62?.close();
    execFileSync('nft', ['delete', 'table', 'ip', NFT_TABLE], { stdio: 'ignore' });
  });

  const oneConversation = (flow: UdpFlowRecord) => ({
    bytesSent: flow.counters.bytesSent,
    bytesReceived: flow.counters.bytesReceived,
    packetsSent: flow.counters.packetsSent,
    packetsReceived: flow.counters.packetsReceived,
  });
  const clientTotals = {
    bytesSent: DATAGRAMS * DATAGRAM_BYTES,
    bytesReceived: DATAGRAMS * REPLY_BYTES,
    packetsSent: DATAGRAMS,
    packetsReceived: DATAGRAMS,
  };

  it('counts the unconnected client\'s conversation as one flow with the address it asked', () => {
    const flows = flowsOf(firstRead, unconnected);
    assert.deepEqual(
      flows.map((flow) => `${flow.endpoints.daddr}:${flow.endpoints.dport}`),
      [`${SERVER_ADDRESS}:${ports.asked}`],
    );
    const [flow] = flows as [UdpFlowRecord];
    assert.equal(flow.connected, false);
    assert.deepEqual(oneConversation(flow), clientTotals);
    assert.equal(flow.owner?.pid, process.pid);
  });

  it('counts the connected client\'s conversation as one flow with the address it asked', () => {
    const flows = flowsOf(firstRead, connected);
    assert.deepEqual(
      flows.map((flow) => `${flow.endpoints.daddr}:${flow.endpoints.dport}`),
      [`${CONNECTED_ASKED_ADDRESS}:${ports.askedConnected}`],
    );
    const [flow] = flows as [UdpFlowRecord];
    assert.equal(flow.connected, true);
    assert.deepEqual(oneConversation(flow), clientTotals);
  });

  it('counts the server\'s answers on its flow with each client, whose address is untranslated', () => {
    const flows = flowsOf(firstRead, server);
    const peers = flows.map((flow) => `${flow.endpoints.daddr}:${flow.endpoints.dport}`).sort();
    assert.deepEqual(peers, [`${CONNECTED_ASKED_ADDRESS}:${connected.address().port}`, `${SERVER_ADDRESS}:${unconnected.address().port}`].sort());
    for (const flow of flows) {
      assert.deepEqual(oneConversation(flow), {
        bytesSent: DATAGRAMS * REPLY_BYTES,
        bytesReceived: DATAGRAMS * DATAGRAM_BYTES,
        packetsSent: DATAGRAMS,
        packetsReceived: DATAGRAMS,
      });
    }
  });

  it('names each client socket\'s network namespace from its first datagram, before any pass has seen the socket', () => {
    const netns = statSync('/proc/self/ns/net').ino;
    const clientFlows = [...flowsOf(firstRead, unconnected), ...flowsOf(firstRead, connected)];
    assert.deepEqual(
      clientFlows.map((flow) => flow.endpoints.netns),
      [netns, netns],
    );
    const secondRead = probe.read(nothingSeen, Date.now());
    assert.deepEqual([...flowsOf(secondRead, unconnected), ...flowsOf(secondRead, connected)], [], 'quiet flows are not handed on again');
  });

  it('loads the full program on this kernel, and the one for kernels before 6.2 beside it', () => {
    assert.equal(probe.objectPath, udpFlowsObjectPath);
    assert.equal(before62.objectPath, udpFlowsBefore62ObjectPath);
  });

  it('before 6.2: the unconnected client\'s sends count on the real destination, its answers on the address asked', () => {
    const flows = flowsOf(before62Read, unconnected).sort((a, b) => a.counters.bytesSent - b.counters.bytesSent);
    assert.deepEqual(
      flows.map((flow) => [`${flow.endpoints.daddr}:${flow.endpoints.dport}`, flow.counters.bytesSent, flow.counters.bytesReceived, flow.endpoints.netns]),
      [
        [`${SERVER_ADDRESS}:${ports.asked}`, 0, DATAGRAMS * REPLY_BYTES, 0],
        [`${SERVER_ADDRESS}:${ports.served}`, DATAGRAMS * DATAGRAM_BYTES, 0, 0],
      ],
    );
  });

  it('takes the next object when one does not load, and throws the first one\'s error when none does', () => {
    const unloadable = '/nonexistent/udp_flows.bpf.o';
    const fallen = new UdpFlowProbe(cgroupV2Mount(hostPaths()), systemKernelClock(), (comm) => comm, [unloadable, udpFlowsBefore62ObjectPath]);
    try {
      assert.equal(fallen.objectPath, udpFlowsBefore62ObjectPath);
    } finally {
      fallen.close();
    }
    assert.throws(
      () => new UdpFlowProbe(cgroupV2Mount(hostPaths()), systemKernelClock(), (comm) => comm, [unloadable, '/nonexistent/second.bpf.o']),
      (error: Error) => error.message.includes(unloadable),
    );
  });
});
