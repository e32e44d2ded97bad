/**
 * An accepted connection's owner on the real kernel. A server that stopped accepting (its event
 * loop blocked) has connections waiting in its accept queue: no process holds them, so /proc
 * cannot name their owner, and `netscope --json` shows its listener's owner, marked
 * `ownerProvisional`. A server that accepts is found holding its connection in /proc: its own
 * pid, not provisional; so is a Node cluster's worker, to which the primary that accepted it
 * passed it. The clients, named by their connect events, are never provisional.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import readline from 'node:readline';
import { after, before, describe, it } from 'node:test';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { packageRoot } from '../../src/probes/package-paths.js';
import { freePort } from '../support/free-port.js';
import { runNetscope, startPeer, startProgram, waitUntilCapturing, type Peer } from '../support/processes.js';

type ConnectionEntry = SnapshotDocument['connections'][number];

/** Enough room in the hung server's queue for every client: each connect completes, none is accepted. */
const HUNG_BACKLOG = 8;
const HUNG_CLIENTS = 3;
// Long enough for two passes after the clients connect: a connection a worker holds is looked for in /proc a pass after it shows.
const CAPTURE_SECONDS = 8;

/**
 * A Node cluster: the primary listens and, round-robin (the default but on Windows), accepts each
 * connection and passes it to a worker, which holds it. Prints the port and the workers' pids.
 */
const CLUSTER_SERVER = `
const cluster = require('node:cluster');
const net = require('node:net');
cluster.schedulingPolicy = cluster.SCHED_RR;
if (cluster.isPrimary) {
  process.title = 'ns-cluster-pri';
  const workers = [cluster.fork(), cluster.fork()];
  let listening = 0;
  cluster.on('listening', (worker, address) => {
    if (++listening === workers.length) console.log(JSON.stringify({ port: address.port, workers: workers.map((w) => w.process.pid) }));
  });
} else {
  process.title = 'ns-cluster-wrk';
  net.createServer((socket) => socket.on('data', () => undefined)).listen(Number(process.env.CLUSTER_PORT), '127.0.0.1');
}
`;

describe('the owner of an accepted connection', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-accept-owner-'));
  const peers: Peer[] = [];
  let document: SnapshotDocument;
  let hungServer: Peer;
  let acceptingServer: Peer;
  let hungPort: number;
  let acceptingPort: number;
  const hungClients: Peer[] = [];
  let acceptingClient: Peer;
  let cluster: ChildProcess;
  let clusterPort: number;
  let clusterWorkers: number[];
  let clusterClient: Peer;

  before(async () => {
    hungServer = startProgram([process.execPath, path.join(packageRoot, 'dist/test/support/fault-program.js')], 'stuck-server', 'ns-hung-srv', HUNG_BACKLOG);
    peers.push(hungServer);
    hungPort = Number((await hungServer.next('listening', 10_000)).port);
    acceptingPort = await freePort();
    acceptingServer = startPeer('server', 'ns-accepting', '127.0.0.1', acceptingPort, 1000);
    peers.push(acceptingServer);
    await acceptingServer.next('listening', 10_000);
    clusterPort = await freePort();
    // A file, not -e: the workers are forked from the primary's script.
    const clusterScript = path.join(scratch, 'cluster-server.cjs');
    writeFileSync(clusterScript, CLUSTER_SERVER);
    cluster = spawn(process.execPath, [clusterScript], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CLUSTER_PORT: String(clusterPort) } });
    const [line] = (await once(readline.createInterface({ input: cluster.stdout! }), 'line')) as [string];
    clusterWorkers = (JSON.parse(line) as { workers: number[] }).workers;

    const run = runNetscope(['--json', '--duration', String(CAPTURE_SECONDS)]);
    await waitUntilCapturing(run.child.pid!);
    for (let index = 0; index < HUNG_CLIENTS; index++) {
      const client = startPeer('hold', 'ns-hung-cli', '127.0.0.1', hungPort, 0, 0);
      peers.push(client);
      hungClients.push(client);
    }
    acceptingClient = startPeer('hold', 'ns-acc-cli', '127.0.0.1', acceptingPort, 100, 0);
    peers.push(acceptingClient);
    clusterClient = startPeer('hold', 'ns-cluster-cli', '127.0.0.1', clusterPort, 100, 0);
    peers.push(clusterClient);
    await Promise.all([...hungClients, acceptingClient, clusterClient].map((client) => client.next('connected', 10_000)));
    const { code, stdout, stderr } = await run.done;
    assert.equal(code, 0, stderr);
    document = JSON.parse(stdout) as SnapshotDocument;
  });

  after(() => {
    for (const peer of peers) peer.stop();
    // The workers go with their primary (their IPC channel closes).
    cluster?.kill('SIGKILL');
    rmSync(scratch, { recursive: true, force: true });
    for (const pid of clusterWorkers ?? []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  });

  function serverSideOf(client: Peer, port: number): ConnectionEntry {
    const localPort = Number(client.all('connected')[0]!.localPort);
    const found = document.connections.find((entry) => entry.sport === port && entry.dport === localPort && entry.saddr === '127.0.0.1');
    return found ?? assert.fail(`no server-side row for the client on port ${localPort}`);
  }

  function clientSideOf(client: Peer, port: number): ConnectionEntry {
    const localPort = Number(client.all('connected')[0]!.localPort);
    return document.connections.find((entry) => entry.dport === port && entry.sport === localPort) ?? assert.fail(`no row for the client on port ${localPort}`);
  }

  it("shows a connection waiting in the queue of a server that stopped accepting with that server's process, marked provisional", () => {
    for (const client of hungClients) {
      const row = serverSideOf(client, hungPort);
      assert.deepEqual({ pid: row.pid, comm: row.comm, ownerProvisional: row.ownerProvisional }, { pid: hungServer.pid, comm: 'ns-hung-srv', ownerProvisional: true });
    }
  });

  it('names the process that accepted a connection, from /proc: not provisional', () => {
    const row = serverSideOf(acceptingClient, acceptingPort);
    assert.deepEqual({ pid: row.pid, comm: row.comm, ownerProvisional: row.ownerProvisional }, { pid: acceptingServer.pid, comm: 'ns-accepting', ownerProvisional: false });
  });

  it("names the Node cluster worker its primary passed a connection to, from /proc: not provisional, not the primary", () => {
    const row = serverSideOf(clusterClient, clusterPort);
    assert.ok(clusterWorkers.includes(row.pid!), `pid ${row.pid} is none of the workers ${clusterWorkers.join(', ')} (primary ${cluster.pid})`);
    assert.deepEqual({ comm: row.comm, ownerProvisional: row.ownerProvisional }, { comm: 'ns-cluster-wrk', ownerProvisional: false });
  });

  it('never marks a client provisional: its connect named it', () => {
    for (const [client, port] of [...hungClients.map((hung) => [hung, hungPort] as const), [acceptingClient, acceptingPort] as const]) {
      const row = clientSideOf(client, port);
      assert.deepEqual({ pid: row.pid, ownerProvisional: row.ownerProvisional }, { pid: client.pid, ownerProvisional: false });
    }
  });
});
