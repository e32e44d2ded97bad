/**
 * Peer names on the real kernel: a fake DNS server in a test network namespace (with its own
 * resolv.conf and hosts file, so no system resolver is involved) answers names with loopback
 * addresses; clients in that namespace resolve them and connect. `netscope --json` must name
 * each connection and its peer with the name the client asked for — through a CNAME chain, from
 * the hosts file, and cleaned and capped when the answer is hostile — and leave no program behind.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { packageRoot } from '../../src/probes/package-paths.js';
import dgram from 'node:dgram';
import { statSync } from 'node:fs';
import { freePort } from '../support/free-port.js';
import { programsLeftAfter, runNetscope, waitUntilCapturing } from '../support/processes.js';

const NETNS = `nst-names-${process.pid}`;
const NETNS_ETC = `/etc/netns/${NETNS}`;
const TCP_PORT = 8053;
const fixture = path.join(packageRoot, 'dist/test/support/dns-fixture.js');

/**
 * A terminal escape sequence, a bidi override and 180 escape characters: 206 bytes on the wire
 * (a DNS name's limit is 255: dns-packet refuses longer ones, as the RFC does), over 700 characters
 * once escaped, so the cap must cut it.
 */
const HOSTILE_NAME = ['\x1b[31mred', '\u202eevil', '\x1b'.repeat(60), '\x07'.repeat(60), '\x1b'.repeat(60)].join('.');

const zone = {
  'db.names.test': [{ type: 'A', name: 'db.names.test', ttl: 300, data: '127.0.0.11' }],
  'web.names.test': [
    { type: 'CNAME', name: 'web.names.test', ttl: 300, data: 'edge.cdn.test' },
    { type: 'CNAME', name: 'edge.cdn.test', ttl: 300, data: 'pool7.cdn.test' },
    { type: 'A', name: 'pool7.cdn.test', ttl: 60, data: '127.0.0.12' },
  ],
  [HOSTILE_NAME.toLowerCase()]: [{ type: 'A', name: HOSTILE_NAME, ttl: 300, data: '127.0.0.13' }],
};

interface Fixture {
  child: ChildProcess;
  next(event: string): Promise<Record<string, unknown>>;
}

function startFixture(...args: string[]): Fixture {
  return startFixtureVia(['ip', 'netns', 'exec', NETNS], ...args);
}

function startFixtureVia(wrapper: string[], ...args: string[]): Fixture {
  const command = [...wrapper, process.execPath, fixture, ...args];
  const child = spawn(command[0] as string, command.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  const seen: Record<string, unknown>[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => seen.push(JSON.parse(line) as Record<string, unknown>));
  return {
    child,
    async next(event) {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const found = seen.find((message) => message.event === event || message.event === 'error');
        if (found !== undefined) {
          assert.equal(found.event, event, `fixture ${args.join(' ')}: ${JSON.stringify(found)}`);
          return found;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`fixture ${args[0]} never said ${event}`);
    },
  };
}

describe('peer names from DNS answers and hosts files', () => {
  const children: ChildProcess[] = [];
  let document: SnapshotDocument;
  let netnsInode: string;

  before(async () => {
    execFileSync('ip', ['netns', 'add', NETNS]);
    execFileSync('ip', ['-n', NETNS, 'link', 'set', 'lo', 'up']);
    mkdirSync(NETNS_ETC, { recursive: true });
    // `ip netns exec` bind-mounts these over /etc/resolv.conf and /etc/hosts: the host's resolver is never asked.
    writeFileSync(path.join(NETNS_ETC, 'resolv.conf'), 'nameserver 127.0.0.1\noptions attempts:1 timeout:2\n');
    writeFileSync(path.join(NETNS_ETC, 'hosts'), '127.0.0.1 localhost\n127.0.0.14 static.names.test\n');
    const server = startFixture('server', JSON.stringify(zone), String(TCP_PORT));
    children.push(server.child);
    await server.next('listening');

    const netscope = runNetscope(['--json', '--duration', '6', '--interval', '500']);
    children.push(netscope.child);
    await waitUntilCapturing(netscope.child.pid!);
    const clients = [
      startFixture('lookup', 'names-db', 'db.names.test', String(TCP_PORT)),
      startFixture('lookup', 'names-web', 'web.names.test', String(TCP_PORT)),
      startFixture('query', 'names-hostile', HOSTILE_NAME, String(TCP_PORT)),
      startFixture('lookup', 'names-static', 'static.names.test', String(TCP_PORT)),
    ];
    children.push(...clients.map((client) => client.child));
    for (const client of clients) await client.next('connected');
    const result = await netscope.done;
    assert.equal(result.code, 0, result.stderr);
    document = JSON.parse(result.stdout) as SnapshotDocument;
    netnsInode = String(execFileSync('ip', ['netns', 'exec', NETNS, 'stat', '-L', '-c', '%i', '/proc/self/ns/net'], { encoding: 'utf8' }).trim());
  });

  after(() => {
    for (const child of children) child.kill('SIGKILL');
    execFileSync('ip', ['netns', 'delete', NETNS], { stdio: 'ignore' });
    rmSync(NETNS_ETC, { recursive: true, force: true });
  });

  function connectionTo(address: string): SnapshotDocument['connections'][number] {
    const found = document.connections.filter((connection) => connection.daddr === address && connection.dport === TCP_PORT && connection.netns === netnsInode);
    assert.equal(found.length, 1, `one connection to ${address}:${TCP_PORT} in ${NETNS} (found ${found.length})`);
    return found[0]!;
  }

  it('attaches the DNS answer capture', () => {
    const probe = document.source.probes.find((status) => status.name === 'dns_answers');
    assert.equal(probe?.status, 'attached', JSON.stringify(probe));
  });

  it('names a connection with the name its process resolved, and its peer too', () => {
    const connection = connectionTo('127.0.0.11');
    assert.equal(connection.comm, 'names-db');
    assert.equal(connection.peerName?.name, 'db.names.test');
    assert.equal(connection.peerName?.source, 'dns');
    const peer = document.peers.find((candidate) => candidate.address === '127.0.0.11');
    assert.equal(peer?.peerName?.name, 'db.names.test');
  });

  it('names the address at the end of a CNAME chain with the name asked', () => {
    assert.equal(connectionTo('127.0.0.12').peerName?.name, 'web.names.test');
  });

  it('names an address from the hosts file its process sees', () => {
    const connection = connectionTo('127.0.0.14');
    assert.equal(connection.comm, 'names-static');
    assert.equal(connection.peerName?.name, 'static.names.test');
    assert.equal(connection.peerName?.source, 'hosts');
  });

  it('cleans and caps a hostile name', () => {
    const name = connectionTo('127.0.0.13').peerName?.name ?? '';
    assert.ok(!/[\x00-\x1f\x7f\u202e]/u.test(name), `no raw control or bidi character in ${JSON.stringify(name)}`);
    assert.ok(name.startsWith('\\x1b[31mred.'), name);
    assert.ok(name.includes('\\u202eevil'), name);
    const length = [...name].length;
    assert.ok(length <= 253 && length >= 247, `capped near 253 characters (${length})`);
    assert.ok(name.endsWith('\\x1b…') || name.endsWith('\\x07…'), `cut between whole escapes: ${name.slice(-12)}`);
  });

  it('the document with names passes the schema', () => {
    const schema = JSON.parse(readFileSync(path.join(packageRoot, 'schema/snapshot.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
    assert.ok(validate(document), JSON.stringify(validate.errors?.slice(0, 3)));
  });

  it('leaves no BPF program behind', async () => {
    assert.deepEqual(await programsLeftAfter(), []);
  });
});

/** Is 127.0.0.53:53 free here (no systemd-resolved stub, nobody else's server)? */
async function stubAddressFree(): Promise<boolean> {
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(53, '127.0.0.53', resolve);
    });
    return true;
  } catch {
    return false;
  } finally {
    socket.close();
  }
}

describe('peer names from a fake DNS server on 127.0.0.53:53 in the host namespace', async () => {
  const free = await stubAddressFree();
  const children: ChildProcess[] = [];
  let document: SnapshotDocument;
  let tcpPort: number;

  before(async () => {
    if (!free) return;
    tcpPort = await freePort();
    const stubZone = { 'stub.names.test': [{ type: 'A', name: 'stub.names.test', ttl: 30, data: '127.0.0.15' }] };
    const server = startFixtureVia([], 'server', JSON.stringify(stubZone), String(tcpPort), '127.0.0.53');
    children.push(server.child);
    await server.next('listening');
    const netscope = runNetscope(['--json', '--duration', '5', '--interval', '500']);
    children.push(netscope.child);
    await waitUntilCapturing(netscope.child.pid!);
    // The query names its server itself: the host's own resolver configuration is never read.
    const client = startFixtureVia([], 'query', 'names-stub', 'stub.names.test', String(tcpPort), '127.0.0.53');
    children.push(client.child);
    await client.next('connected');
    const result = await netscope.done;
    assert.equal(result.code, 0, result.stderr);
    document = JSON.parse(result.stdout) as SnapshotDocument;
  });

  after(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  it('names the connection and its peer', { skip: free ? false : '127.0.0.53:53 is taken on this host' }, () => {
    const hostNetns = String(statSync('/proc/self/ns/net').ino);
    const found = document.connections.filter((connection) => connection.daddr === '127.0.0.15' && connection.dport === tcpPort && connection.netns === hostNetns);
    assert.equal(found.length, 1, `one connection to 127.0.0.15:${tcpPort} (found ${found.length})`);
    assert.equal(found[0]?.comm, 'names-stub');
    assert.equal(found[0]?.peerName?.name, 'stub.names.test');
    assert.equal(document.peers.find((peer) => peer.address === '127.0.0.15')?.peerName?.name, 'stub.names.test');
  });
});
