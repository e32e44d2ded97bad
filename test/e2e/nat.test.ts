/**
 * The real destination behind NAT on the real kernel: nftables DNAT in the output hook sends a
 * client's connection somewhere else than it addressed — on loopback (127.0.0.1:A → 127.0.0.1:B)
 * and across a veth pair into a test network namespace (a virtual address → the namespace's
 * server, as kube-proxy does for a Service) — and `netscope --json` and `--events`, running side
 * by side, must show where it went.
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

const NFT_TABLE = 'netscope_test_nat';
/** One test network per run, inside 10.213.0.0/16, which nothing else on the host uses. */
const SUBNET = `10.213.${(process.pid % 200) + 20}`;
const HOST_SIDE = `${SUBNET}.1`;
const NAMESPACE_SIDE = `${SUBNET}.2`;
/** The virtual address: nothing has it; only the DNAT rule makes it answer. */
const VIRTUAL_ADDRESS = `${SUBNET}.100`;
const VIRTUAL_PORT = 80;
const NAMESPACE = `nst-nat-${process.pid}`;
const HOST_VETH = `nstnat${process.pid % 100000}h`;
const NAMESPACE_VETH = `nstnat${process.pid % 100000}n`;

function run(command: string, ...args: string[]): void {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function only<T>(items: T[], what: string): T {
  assert.equal(items.length, 1, `exactly one ${what} (found ${items.length})`);
  return items[0] as T;
}

describe('netscope --json and --events show the real destination behind NAT', () => {
  const peers: Peer[] = [];
  let document: SnapshotDocument;
  let events: EventLine[];
  let stderr: string;
  let ports: { asked: number; served: number; namespaceServed: number };
  let clientPorts: { loopback: number; veth: number };
  let pids: { loopbackClient: number; vethClient: number };

  before(async () => {
    ports = { asked: await freePort(), served: await freePort(), namespaceServed: await freePort() };
    run('ip', 'netns', 'add', NAMESPACE);
    run('ip', 'link', 'add', HOST_VETH, 'type', 'veth', 'peer', 'name', NAMESPACE_VETH);
    run('ip', 'link', 'set', NAMESPACE_VETH, 'netns', NAMESPACE);
    run('ip', 'addr', 'add', `${HOST_SIDE}/24`, 'dev', HOST_VETH);
    run('ip', 'link', 'set', HOST_VETH, 'up');
    run('ip', 'netns', 'exec', NAMESPACE, 'ip', 'addr', 'add', `${NAMESPACE_SIDE}/24`, 'dev', NAMESPACE_VETH);
    run('ip', 'netns', 'exec', NAMESPACE, 'ip', 'link', 'set', NAMESPACE_VETH, 'up');
    run('ip', 'netns', 'exec', NAMESPACE, 'ip', 'link', 'set', 'lo', 'up');
    execFileSync('nft', ['-f', '-'], {
      input: `table ip ${NFT_TABLE} {
        chain nat_output {
          type nat hook output priority -100
          ip daddr 127.0.0.1 tcp dport ${ports.asked} dnat to 127.0.0.1:${ports.served}
          ip daddr ${VIRTUAL_ADDRESS} tcp dport ${VIRTUAL_PORT} dnat to ${NAMESPACE_SIDE}:${ports.namespaceServed}
        }
      }\n`,
    });

    const server = startPeer('server', 'ns-nat-server', '127.0.0.1', ports.served, 1000);
    const namespaceServer = startPeerVia(['ip', 'netns', 'exec', NAMESPACE], 'server', 'ns-nat-backend', NAMESPACE_SIDE, ports.namespaceServed, 1000);
    peers.push(server, namespaceServer);
    await Promise.all([server.next('listening'), namespaceServer.next('listening')]);

    const netscope = runNetscope(['--json', '--duration', '4', '--interval', '500']);
    const eventStream = runNetscope(['--events', '--duration', '4', '--interval', '500']);
    await Promise.all([waitUntilCapturing(netscope.child.pid!), waitUntilCapturing(eventStream.child.pid!)]);
    const loopbackClient = startPeer('client', 'ns-nat-client', '127.0.0.1', ports.asked, 5000);
    const vethClient = startPeer('client', 'ns-nat-vclient', VIRTUAL_ADDRESS, VIRTUAL_PORT, 5000);
    peers.push(loopbackClient, vethClient);
    clientPorts = {
      loopback: (await loopbackClient.next('connected')).localPort as number,
      veth: (await vethClient.next('connected')).localPort as number,
    };
    await Promise.all([loopbackClient.next('closed'), vethClient.next('closed')]);
    pids = { loopbackClient: loopbackClient.pid, vethClient: vethClient.pid };
    const result = await netscope.done;
    stderr = result.stderr;
    assert.equal(result.code, 0, `netscope exited ${result.code}: ${result.stderr}`);
    document = JSON.parse(result.stdout) as SnapshotDocument;
    const streamed = await eventStream.done;
    assert.equal(streamed.code, 0, `netscope --events exited ${streamed.code}: ${streamed.stderr}`);
    events = streamed.stdout.trim().split('\n').map((line) => JSON.parse(line) as EventLine);
  });

  after(() => {
    for (const peer of peers) peer.stop();
    execFileSync('nft', ['delete', 'table', 'ip', NFT_TABLE], { stdio: 'ignore' });
    execFileSync('ip', ['link', 'delete', HOST_VETH], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'delete', NAMESPACE], { stdio: 'ignore' });
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
      if (entry.dport === ports.asked || entry.sport === ports.served || entry.daddr === VIRTUAL_ADDRESS || entry.saddr === NAMESPACE_SIDE) continue;
      assert.equal(entry.nat, null, `${entry.saddr}:${entry.sport} → ${entry.daddr}:${entry.dport} (${entry.comm})`);
    }
  });
});
