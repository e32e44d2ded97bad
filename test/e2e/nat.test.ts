/**
 * The real destination behind NAT on the real kernel: nftables DNAT in the output hook sends a
 * client's connection somewhere else than it addressed — on loopback (127.0.0.1:A → 127.0.0.1:B)
 * and across a veth pair into a test network namespace (a virtual address → the namespace's
 * server) — and, in the prerouting hook, a "pod" namespace's connection to a Service-like
 * address, translated in the host's table as kube-proxy does. `netscope --json` and `--events`,
 * running side by side, must show where each went.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { EventLine } from '../../src/export/event-lines.js';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { packageRoot } from '../../src/probes/package-paths.js';
import { freePort } from '../support/free-port.js';
import { runNetscope, startPeer, startPeerVia, waitUntilCapturing, type Peer } from '../support/processes.js';
import { only } from '../support/only.js';

const NFT_TABLE = 'netscope_test_nat';
/** One test network per run, inside 10.213.0.0/16, which nothing else on the host uses. */
const SUBNET = `10.213.${(process.pid % 200) + 20}`;
const HOST_SIDE = `${SUBNET}.1`;
const NAMESPACE_SIDE = `${SUBNET}.2`;
/** The virtual address: nothing has it; only the DNAT rule makes it answer. */
const VIRTUAL_ADDRESS = `${SUBNET}.100`;
const VIRTUAL_PORT = 80;
/** Four ticks of 500 ms. */
const SETTLE_TICKS_MS = 2000;
const NAMESPACE = `nst-nat-${process.pid}`;
const HOST_VETH = `nstnat${process.pid % 100000}h`;
const NAMESPACE_VETH = `nstnat${process.pid % 100000}n`;
/** The "pod": its own namespace and veth pair; its Service address is routed to the host, which translates it. */
const POD_SUBNET = `10.214.${(process.pid % 200) + 20}`;
const POD_HOST_SIDE = `${POD_SUBNET}.1`;
const POD_ADDRESS = `${POD_SUBNET}.2`;
const SERVICE_ADDRESS = `10.215.${(process.pid % 200) + 20}.10`;
const POD = `nst-nat-pod-${process.pid}`;
const POD_HOST_VETH = `nstnatp${process.pid % 100000}h`;
const POD_VETH = `nstnatp${process.pid % 100000}n`;

function run(command: string, ...args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}


describe('netscope --json and --events show the real destination behind NAT', () => {
  const peers: Peer[] = [];
  let document: SnapshotDocument;
  let events: EventLine[];
  let stderr: string;
  let ports: { asked: number; served: number; namespaceServed: number; serviceServed: number };
  let clientPorts: { loopback: number; veth: number; pod: number };
  let pids: { loopbackClient: number; vethClient: number; podClient: number };

  before(async () => {
    ports = { asked: await freePort(), served: await freePort(), namespaceServed: await freePort(), serviceServed: await freePort() };
    run('ip', 'netns', 'add', NAMESPACE);
    run('ip', 'link', 'add', HOST_VETH, 'type', 'veth', 'peer', 'name', NAMESPACE_VETH);
    run('ip', 'link', 'set', NAMESPACE_VETH, 'netns', NAMESPACE);
    run('ip', 'addr', 'add', `${HOST_SIDE}/24`, 'dev', HOST_VETH);
    run('ip', 'link', 'set', HOST_VETH, 'up');
    run('ip', 'netns', 'exec', NAMESPACE, 'ip', 'addr', 'add', `${NAMESPACE_SIDE}/24`, 'dev', NAMESPACE_VETH);
    run('ip', 'netns', 'exec', NAMESPACE, 'ip', 'link', 'set', NAMESPACE_VETH, 'up');
    run('ip', 'netns', 'exec', NAMESPACE, 'ip', 'link', 'set', 'lo', 'up');
    run('ip', 'netns', 'add', POD);
    run('ip', 'link', 'add', POD_HOST_VETH, 'type', 'veth', 'peer', 'name', POD_VETH);
    run('ip', 'link', 'set', POD_VETH, 'netns', POD);
    run('ip', 'addr', 'add', `${POD_HOST_SIDE}/24`, 'dev', POD_HOST_VETH);
    run('ip', 'link', 'set', POD_HOST_VETH, 'up');
    run('ip', 'netns', 'exec', POD, 'ip', 'addr', 'add', `${POD_ADDRESS}/24`, 'dev', POD_VETH);
    run('ip', 'netns', 'exec', POD, 'ip', 'link', 'set', POD_VETH, 'up');
    run('ip', 'netns', 'exec', POD, 'ip', 'route', 'add', `${SERVICE_ADDRESS}/32`, 'via', POD_HOST_SIDE);
    execFileSync('nft', ['-f', '-'], {
      input: `table ip ${NFT_TABLE} {
        chain nat_output {
          type nat hook output priority -100
          ip daddr 127.0.0.1 tcp dport ${ports.asked} dnat to 127.0.0.1:${ports.served}
          ip daddr ${VIRTUAL_ADDRESS} tcp dport ${VIRTUAL_PORT} dnat to ${NAMESPACE_SIDE}:${ports.namespaceServed}
        }
        chain nat_prerouting {
          type nat hook prerouting priority -100
          ip daddr ${SERVICE_ADDRESS} tcp dport ${VIRTUAL_PORT} dnat to ${POD_HOST_SIDE}:${ports.serviceServed}
        }
      }\n`,
    });

    const server = startPeer('server', 'ns-nat-server', '127.0.0.1', ports.served, 1000);
    const namespaceServer = startPeerVia(['ip', 'netns', 'exec', NAMESPACE], 'server', 'ns-nat-backend', NAMESPACE_SIDE, ports.namespaceServed, 1000);
    const serviceServer = startPeer('server', 'ns-nat-service', POD_HOST_SIDE, ports.serviceServed, 1000);
    peers.push(server, namespaceServer, serviceServer);
    await Promise.all([server.next('listening'), namespaceServer.next('listening'), serviceServer.next('listening')]);

    const netscope = runNetscope(['--json', '--duration', '0', '--interval', '500']);
    const eventStream = runNetscope(['--events', '--interval', '500']);
    await Promise.all([waitUntilCapturing(netscope.child.pid!), waitUntilCapturing(eventStream.child.pid!)]);
    const loopbackClient = startPeer('client', 'ns-nat-client', '127.0.0.1', ports.asked, 5000);
    const vethClient = startPeer('client', 'ns-nat-vclient', VIRTUAL_ADDRESS, VIRTUAL_PORT, 5000);
    const podClient = startPeerVia(['ip', 'netns', 'exec', POD], 'client', 'ns-nat-podcli', SERVICE_ADDRESS, VIRTUAL_PORT, 5000);
    peers.push(loopbackClient, vethClient, podClient);
    clientPorts = {
      loopback: (await loopbackClient.next('connected')).localPort as number,
      veth: (await vethClient.next('connected')).localPort as number,
      pod: (await podClient.next('connected')).localPort as number,
    };
    await Promise.all([loopbackClient.next('closed'), vethClient.next('closed'), podClient.next('closed')]);
    pids = { loopbackClient: loopbackClient.pid, vethClient: vethClient.pid, podClient: podClient.pid };
    // Conntrack is asked at the tick after a connection shows: give both captures a few ticks more.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_TICKS_MS));
    const [result, streamed] = await Promise.all([netscope.stop(), eventStream.stop()]);
    stderr = result.stderr;
    assert.equal(result.code, 0, `netscope exited ${result.code}: ${result.stderr}`);
    document = JSON.parse(result.stdout) as SnapshotDocument;
    assert.equal(streamed.code, 0, `netscope --events exited ${streamed.code}: ${streamed.stderr}`);
    events = streamed.stdout.trim().split('\n').map((line) => JSON.parse(line) as EventLine);
  });

  after(() => {
    for (const peer of peers) peer.stop();
    execFileSync('nft', ['delete', 'table', 'ip', NFT_TABLE], { stdio: 'ignore' });
    execFileSync('ip', ['link', 'delete', HOST_VETH], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'delete', NAMESPACE], { stdio: 'ignore' });
    execFileSync('ip', ['link', 'delete', POD_HOST_VETH], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'delete', POD], { stdio: 'ignore' });
  });

  it('prints nothing on stderr and a document that matches the JSON Schema', () => {
    assert.equal(stderr, '');
    const schema = JSON.parse(readFileSync(path.join(packageRoot, 'schema/snapshot.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    assert.ok(validate(document), JSON.stringify(validate.errors, null, 2));
  });

  it('loopback DNAT: the client asked for port A and reached port B', () => {
    const client = only(
      document.connections.filter((entry) => entry.dport === ports.asked && entry.sport === clientPorts.loopback),
      'loopback client connection',
    );
    assert.equal(client.pid, pids.loopbackClient);
    assert.equal(client.daddr, '127.0.0.1', 'the socket still names what it asked for');
    assert.deepEqual(client.nat, {
      destination: { address: '127.0.0.1', port: ports.served },
      originalDestination: { address: '127.0.0.1', port: ports.asked },
      direction: 'outgoing',
      table: 'socket',
    });
  });

  it('loopback DNAT: the server\'s accepted side knows the port its client addressed', () => {
    const served = only(
      document.connections.filter((entry) => entry.sport === ports.served && entry.dport === clientPorts.loopback),
      'accepted connection',
    );
    assert.deepEqual(served.nat, {
      destination: { address: '127.0.0.1', port: ports.served },
      originalDestination: { address: '127.0.0.1', port: ports.asked },
      direction: 'incoming',
      table: 'socket',
    });
  });

  it('DNAT across a veth pair: the virtual address\'s real destination is the namespace\'s server', () => {
    const client = only(
      document.connections.filter((entry) => entry.daddr === VIRTUAL_ADDRESS && entry.sport === clientPorts.veth),
      'client connection to the virtual address',
    );
    assert.equal(client.pid, pids.vethClient);
    assert.equal(client.saddr, HOST_SIDE);
    assert.deepEqual(client.nat, {
      destination: { address: NAMESPACE_SIDE, port: ports.namespaceServed },
      originalDestination: { address: VIRTUAL_ADDRESS, port: VIRTUAL_PORT },
      direction: 'outgoing',
      table: 'socket',
    });
  });

  it('a pod\'s connection to a Service-like address: found in the host\'s table, where the node translated it', () => {
    const client = only(
      document.connections.filter((entry) => entry.daddr === SERVICE_ADDRESS && entry.sport === clientPorts.pod),
      'pod connection to the service address',
    );
    assert.equal(client.pid, pids.podClient);
    assert.equal(client.saddr, POD_ADDRESS);
    assert.deepEqual(client.nat, {
      destination: { address: POD_HOST_SIDE, port: ports.serviceServed },
      originalDestination: { address: SERVICE_ADDRESS, port: VIRTUAL_PORT },
      direction: 'outgoing',
      table: 'host',
    });
  });

  it('--events: the connect lines carry the real destination, and so does the close', () => {
    const loopback = events.filter((line) => line.dport === ports.asked && line.sport === clientPorts.loopback);
    assert.deepEqual(loopback.map((line) => line.type).filter((type) => type === 'connect' || type === 'close'), ['connect', 'close']);
    for (const line of loopback) assert.deepEqual(line.nat?.destination, { address: '127.0.0.1', port: ports.served }, `${line.type} line`);
    const veth = only(events.filter((line) => line.type === 'connect' && line.daddr === VIRTUAL_ADDRESS && line.sport === clientPorts.veth), 'connect line to the virtual address');
    assert.equal(veth.pid, pids.vethClient);
    assert.deepEqual(veth.nat?.destination, { address: NAMESPACE_SIDE, port: ports.namespaceServed });
  });

  it('leaves connections nothing translated without a nat', () => {
    const untranslated = document.connections.filter((entry) => entry.sport === ports.served || entry.dport === ports.served);
    assert.ok(untranslated.length > 0);
    for (const entry of document.connections) {
      const translated = [ports.asked, ports.served, ports.serviceServed].includes(entry.dport) || [ports.served, ports.serviceServed].includes(entry.sport);
      if (translated || entry.daddr === VIRTUAL_ADDRESS || entry.saddr === NAMESPACE_SIDE || entry.daddr === SERVICE_ADDRESS) continue;
      assert.equal(entry.nat, null, `${entry.saddr}:${entry.sport} → ${entry.daddr}:${entry.dport} (${entry.comm})`);
    }
  });
});
