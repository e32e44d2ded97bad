/**
 * UDP flows end to end on the real kernel: `netscope --json` runs while loopback UDP peers, each
 * its own named process, exchange known numbers of datagrams — a connected client with an
 * unconnected echo server, more clients of that server using sendto, and a DNS-style query to a
 * small local server on 127.0.0.77 (both sides written here; the host's resolver is never asked).
 * The snapshot must show every flow with its process and its payload bytes; and no packet
 * program may stay attached after netscope ends, however it ends.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { after, before, describe, it } from 'node:test';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { packageRoot } from '../../src/probes/package-paths.js';
import { loadedBpfPrograms, runNetscope, startUdpPeer, waitUntilCapturing, type Peer } from '../support/processes.js';
import { only } from '../support/only.js';

type ConnectionEntry = SnapshotDocument['connections'][number];

const CLIENT_DATAGRAMS = 200;
const CLIENT_DATAGRAM_BYTES = 1000;
const REPLY_BYTES = 300;
const SENDTO_CLIENTS = 3;
const SENDTO_DATAGRAMS = 40;
const SENDTO_DATAGRAM_BYTES = 500;
const DNS_ADDRESS = '127.0.0.77';

function assertWithinOnePercent(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= expected * 0.01, `${what}: ${actual} is not within 1% of ${expected}`);
}


/** A UDP port on `host` outside the ephemeral range, free right now: a server's fixed port. */
async function fixedUdpPort(host: string): Promise<number> {
  const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * ((low ?? 32768) - 10_000));
    const socket = dgram.createSocket('udp4');
    try {
      socket.bind(port, host);
      await once(socket, 'listening');
      return port;
    } catch {
      // taken: try another
    } finally {
      socket.close();
    }
  }
}

describe('netscope --json on real loopback UDP traffic', () => {
  const peers: Peer[] = [];
  let document: SnapshotDocument;
  let echo: Peer;
  let client: Peer;
  let sendtoClients: Peer[];
  let dns: Peer;
  let query: Peer;
  let dnsPort: number;
  let echoPort: number;
  let stderr: string;

  before(async () => {
    dnsPort = await fixedUdpPort(DNS_ADDRESS);
    echo = startUdpPeer('echo', 'ns-udp-echo', '127.0.0.1', 0, REPLY_BYTES);
    dns = startUdpPeer('dns', 'ns-udp-dns', DNS_ADDRESS, dnsPort);
    peers.push(echo, dns);
    echoPort = (await echo.next('listening')).port as number;
    await dns.next('listening');

    // Until signalled: on a busy machine the peers may take seconds to start.
    const netscope = runNetscope(['--json', '--duration', '0', '--interval', '500']);
    await waitUntilCapturing(netscope.child.pid!);

    client = startUdpPeer('client', 'ns-udp-client', '127.0.0.1', echoPort, CLIENT_DATAGRAMS, CLIENT_DATAGRAM_BYTES);
    sendtoClients = Array.from({ length: SENDTO_CLIENTS }, (_, index) =>
      startUdpPeer('sendto', `ns-udp-sendto${index}`, '127.0.0.1', echoPort, SENDTO_DATAGRAMS, SENDTO_DATAGRAM_BYTES),
    );
    query = startUdpPeer('query', 'ns-udp-query', DNS_ADDRESS, dnsPort, 'db.example.test');
    peers.push(client, ...sendtoClients, query);
    await Promise.all([client, ...sendtoClients].map((peer) => peer.next('done')));
    await query.next('answered');
    // A few ticks more: the query's socket is gone by the next sampling pass, which closes its flow.
    await sleep(2_000);
    const result = await netscope.stop();
    stderr = result.stderr;
    assert.equal(result.code, 0, `netscope exited ${result.code}: ${result.stderr}`);
    document = JSON.parse(result.stdout) as SnapshotDocument;
  });

  after(() => {
    for (const peer of peers) peer.stop();
  });

  const udpFlows = (): ConnectionEntry[] => document.connections.filter((connection) => connection.protocol === 'udp');

  it('writes a document the schema accepts, UDP flows and listeners included', () => {
    const schema = JSON.parse(readFileSync(path.join(packageRoot, 'schema/snapshot.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    assert.ok(udpFlows().length > 0);
    assert.ok(validate(document), JSON.stringify(validate.errors, null, 2));
  });

  it('attaches the UDP packet program beside the tracepoints', () => {
    const probe = only(document.source.probes.filter((candidate) => candidate.name === 'udp_flows'), 'udp_flows probe');
    assert.deepEqual(probe, { name: 'udp_flows', status: 'attached', reason: null }, stderr);
  });

  it('shows the connected client and the server side of its flow, with their processes and payload bytes within 1%', async () => {
    const clientPort = (await client.next('done')).localPort as number;
    const sent = CLIENT_DATAGRAMS * CLIENT_DATAGRAM_BYTES;
    const replied = CLIENT_DATAGRAMS * REPLY_BYTES;
    const clientSide = only(
      udpFlows().filter((flow) => flow.sport === clientPort && flow.dport === echoPort),
      'client flow',
    );
    assert.equal(clientSide.pid, client.pid);
    assert.equal(clientSide.comm, 'ns-udp-client');
    assert.equal(clientSide.udp?.connected, true);
    assertWithinOnePercent(clientSide.bytesSent, sent, 'client bytes sent');
    assertWithinOnePercent(clientSide.bytesReceived, replied, 'client bytes received');
    assert.equal(clientSide.segmentsSent, CLIENT_DATAGRAMS, 'one datagram counted per send');
    assert.equal(clientSide.id, clientSide.udp?.socketCookie, "a connected socket's one flow is its cookie");

    const serverSide = only(
      udpFlows().filter((flow) => flow.sport === echoPort && flow.dport === clientPort),
      'server flow of the client',
    );
    assert.equal(serverSide.pid, echo.pid);
    assert.equal(serverSide.comm, 'ns-udp-echo');
    assert.equal(serverSide.udp?.connected, false);
    assertWithinOnePercent(serverSide.bytesReceived, sent, 'server bytes received');
    assertWithinOnePercent(serverSide.bytesSent, replied, 'server bytes sent');
    assert.equal(serverSide.state, 'ESTABLISHED', 'the echo server is still running: its flow is open');
  });

  it('gives the unconnected server one flow per peer, all of one socket', async () => {
    const serverFlows = udpFlows().filter((flow) => flow.sport === echoPort && flow.pid === echo.pid);
    assert.equal(serverFlows.length, 1 + SENDTO_CLIENTS, serverFlows.map((flow) => `${flow.daddr}:${flow.dport}`).join(' '));
    assert.equal(new Set(serverFlows.map((flow) => flow.udp?.socketCookie)).size, 1, 'one socket');
    assert.equal(new Set(serverFlows.map((flow) => flow.id)).size, serverFlows.length, 'each flow its own id');
    for (const peer of sendtoClients) {
      const port = (await peer.next('done')).localPort as number;
      const flow = only(serverFlows.filter((candidate) => candidate.dport === port), `server flow of ${port}`);
      assertWithinOnePercent(flow.bytesReceived, SENDTO_DATAGRAMS * SENDTO_DATAGRAM_BYTES, `server bytes from ${port}`);
      const clientSide = only(udpFlows().filter((candidate) => candidate.sport === port), `client flow of ${port}`);
      assert.equal(clientSide.pid, peer.pid);
      assert.equal(clientSide.udp?.connected, false, 'sendto: an unconnected client');
    }
  });

  it("shows a DNS-style query as a UDP flow of the asking process, though its socket closed at once", async () => {
    const asked = await query.next('answered');
    const flow = only(
      udpFlows().filter((candidate) => candidate.daddr === DNS_ADDRESS && candidate.dport === dnsPort && candidate.sport === asked.localPort),
      'query flow',
    );
    assert.equal(flow.pid, query.pid);
    assert.equal(flow.comm, 'ns-udp-query');
    assert.equal(flow.bytesSent, asked.queryBytes);
    assert.equal(flow.bytesReceived, asked.answerBytes);
    assert.notEqual(flow.closedAt, null, 'its socket is gone: the flow is over');
    const answering = only(udpFlows().filter((candidate) => candidate.sport === dnsPort && candidate.dport === asked.localPort), 'server flow');
    assert.equal(answering.pid, dns.pid);
  });

  it('lists the server on a fixed port as a UDP listener, and not the echo server on an ephemeral one', () => {
    const listener = only(
      document.listeners.filter((candidate) => candidate.protocol === 'udp' && candidate.sport === dnsPort),
      'DNS listener',
    );
    assert.equal(listener.pid, dns.pid);
    assert.equal(listener.saddr, DNS_ADDRESS);
    assert.equal(document.listeners.filter((candidate) => candidate.sport === echoPort).length, 0);
  });

  it('keeps TCP totals for TCP: no UDP flow is counted as a connection opened or closed', () => {
    assert.equal(document.totals.udpFlowsRefused, 0);
    assert.ok(udpFlows().every((flow) => flow.srttMs === null && flow.retransmits === 0));
  });
});

/** Ids of the BPF programs and links `pid` holds through its fds (from /proc/PID/fdinfo). */
function bpfObjectsHeldBy(pid: number): { programs: number[]; links: number[] } {
  const held = { programs: [] as number[], links: [] as number[] };
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    const link = /^link_id:\s*(\d+)$/m.exec(text);
    const program = /^prog_id:\s*(\d+)$/m.exec(text);
    if (link) held.links.push(Number(link[1]));
    else if (program) held.programs.push(Number(program[1]));
  }
  return held;
}

interface BpftoolLink {
  id: number;
  prog_id: number;
}

/**
 * The programs and links this netscope held that are still in the kernel, after it had
 * `timeoutMs` to free them (a program goes after an RCU grace period once its last fd closes).
 * Only its own: other netscopes on the machine may load and unload theirs meanwhile.
 */
async function leftOf(held: { programs: number[]; links: number[] }, timeoutMs = 3000): Promise<{ programs: string[]; links: number[] }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const programs = loadedBpfPrograms().filter((program) => held.programs.includes(program.id));
    const links = (JSON.parse(execFileSync('bpftool', ['-j', 'link', 'show'], { encoding: 'utf8' })) as BpftoolLink[]).filter((link) =>
      held.links.includes(link.id),
    );
    if ((programs.length === 0 && links.length === 0) || Date.now() > deadline) {
      return { programs: programs.map((program) => program.name ?? String(program.id)), links: links.map((link) => link.id) };
    }
    await sleep(50);
  }
}

describe('the UDP packet program after netscope ends', () => {
  for (const ending of ['normal', 'SIGTERM', 'SIGKILL'] as const) {
    it(`is detached and freed after ${ending === 'normal' ? 'a normal exit' : ending}`, async () => {
      const netscope = runNetscope(ending === 'normal' ? ['--json', '--duration', '2'] : ['--headless', '--duration', '0']);
      await waitUntilCapturing(netscope.child.pid!);
      const held = bpfObjectsHeldBy(netscope.child.pid!);
      const names = loadedBpfPrograms().filter((program) => held.programs.includes(program.id)).map((program) => program.name);
      assert.deepEqual(names.filter((name) => name?.startsWith('netscope_udp_')).sort(), ['netscope_udp_rx', 'netscope_udp_tx']);
      const attachments = (JSON.parse(execFileSync('bpftool', ['-j', 'link', 'show'], { encoding: 'utf8' })) as BpftoolLink[]).filter((link) =>
        held.links.includes(link.id),
      );
      const udpPrograms = loadedBpfPrograms().filter((program) => program.name?.startsWith('netscope_udp_')).map((program) => program.id);
      assert.equal(attachments.filter((link) => udpPrograms.includes(link.prog_id)).length, 2, 'ingress and egress, each through a bpf_link');
      if (ending !== 'normal') netscope.child.kill(ending);
      await netscope.done;
      assert.deepEqual(await leftOf(held), { programs: [], links: [] });
    });
  }
});
