/**
 * Every fault the findings must name, at once, on loopback, beside a healthy heavy flow: each a
 * real process with its own name (fault-program.ts) on a port the kernel picked, and one
 * nftables table of this fixture's own. `stopFaultScenarios` (and, should the test process end
 * without it, an 'exit' hook) kills every process and removes the table, whatever failed.
 *
 * | fault | culprit (comm) | port | what the kernel does |
 * |---|---|---|---|
 * | healthy bulk flow | bulk-source → bulk-sink | `ports.bulk` | nothing: no finding, however heavy |
 * | ~20 % loss | lossy-sender → lossy-sink | `ports.lossy` | nftables drops a fifth of the sender's packets (NETFILTER_DROP), the sender retransmits |
 * | blackholed port | blackhole-dial | `ports.blackholed` | every packet to it dropped: SYNs retransmitted, never answered |
 * | closed port | refused-dial | `ports.refused` | nothing listens: each SYN answered by a reset |
 * | CLOSE_WAIT leak | leaky-server (clients: leaky-client) | `ports.leaky` | the clients close, the server never does |
 * | full accept queue | stuck-server (clients: stuck-client) | `ports.stuck` | backlog 2, never accept()ed: the queue fills, further SYNs dropped |
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { packageRoot } from '../../src/probes/package-paths.js';
import { freePort } from './free-port.js';
import { startProgram, type Peer } from './processes.js';

/** This fixture's own nftables table: created and deleted here, never another's. */
export const FAULT_TABLE = 'netscope_test_findings_fix';

/** The healthy flow: heavy for a 2-core host, paced so it does not starve the tests around it. */
const BULK_BYTES_PER_SECOND = 32 * 1024 * 1024;
/** The lossy flow: enough segments a second for a loss share to mean something. */
const LOSSY_BYTES_PER_SECOND = 4 * 1024 * 1024;
/** Share of the lossy flow's packets nftables drops, %. */
export const LOSS_PERCENT = 20;
/** How often the dialling clients try; the blackholed ones give up after DIAL_GIVE_UP_MS (two SYN retransmits). */
const DIAL_EVERY_MS = 250;
const DIAL_GIVE_UP_MS = 4000;
/** The stuck server's listen backlog: the kernel's queue is full after three connections. */
const STUCK_BACKLOG = 2;
/** The stuck clients hold their (queued, never accepted) connections this long. */
const STUCK_HOLD_MS = 20_000;
const LEAK_EVERY_MS = 300;

export interface FaultPorts {
  bulk: number;
  lossy: number;
  blackholed: number;
  refused: number;
  leaky: number;
  stuck: number;
}

/** The process a finding must name, by role. */
export interface FaultProcesses {
  bulkSource: Peer;
  bulkSink: Peer;
  lossySender: Peer;
  lossySink: Peer;
  blackholeDial: Peer;
  refusedDial: Peer;
  leakyServer: Peer;
  leakyClient: Peer;
  stuckServer: Peer;
  stuckClient: Peer;
}

/** The comm each role's process runs under (process.title, at most 15 characters). */
export const faultComms = {
  bulkSource: 'bulk-source',
  bulkSink: 'bulk-sink',
  lossySender: 'lossy-sender',
  lossySink: 'lossy-sink',
  blackholeDial: 'blackhole-dial',
  refusedDial: 'refused-dial',
  leakyServer: 'leaky-server',
  leakyClient: 'leaky-client',
  stuckServer: 'stuck-server',
  stuckClient: 'stuck-client',
} as const satisfies Record<keyof FaultProcesses, string>;

export interface FaultScenarios {
  ports: FaultPorts;
  processes: FaultProcesses;
}

const programScript = path.join(packageRoot, 'dist/test/support/fault-program.js');

/** Everything started so far, so that a failure halfway through still cleans up. */
const running = new Set<Peer>();
let tableCreated = false;

function start(role: keyof FaultProcesses, mode: string, ...args: (string | number)[]): Peer {
  const peer = startProgram([process.execPath, programScript], mode, faultComms[role], ...args);
  running.add(peer);
  return peer;
}

async function listeningPort(peer: Peer): Promise<number> {
  return Number((await peer.next('listening', 10_000)).port);
}

function exited(peer: Peer): Promise<unknown> {
  const { child } = peer;
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));
}

function deleteTable(): void {
  try {
    execFileSync('nft', ['delete', 'table', 'inet', FAULT_TABLE], { stdio: 'ignore' });
  } catch {
    // not there: nothing to remove
  }
}

/** Synchronous, for the 'exit' hook: kills what runs and removes the table. */
function tearDownNow(): void {
  for (const peer of running) peer.stop();
  running.clear();
  if (tableCreated) deleteTable();
  tableCreated = false;
}

process.once('exit', tearDownNow);

/**
 * Starts every fault and the healthy flow; resolves once each is under way (servers listening,
 * the table in place, clients connected or dialling). On any failure, what started is stopped.
 */
export async function startFaultScenarios(): Promise<FaultScenarios> {
  try {
    const bulkSink = start('bulkSink', 'sink');
    const lossySink = start('lossySink', 'sink');
    const leakyServer = start('leakyServer', 'leaky-server');
    const stuckServer = start('stuckServer', 'stuck-server', STUCK_BACKLOG);
    const ports: FaultPorts = {
      bulk: await listeningPort(bulkSink),
      lossy: await listeningPort(lossySink),
      leaky: await listeningPort(leakyServer),
      stuck: await listeningPort(stuckServer),
      // Ports the kernel picked, then released: nothing listens there.
      refused: await freePort(),
      blackholed: await freePort(),
    };
    deleteTable();
    execFileSync('nft', ['-f', '-'], {
      input: `table inet ${FAULT_TABLE} {
        chain input {
          type filter hook input priority 0;
          tcp dport ${ports.lossy} numgen random mod 100 < ${LOSS_PERCENT} drop
          tcp dport ${ports.blackholed} drop
        }
      }`,
    });
    tableCreated = true;
    const processes: FaultProcesses = {
      bulkSink,
      lossySink,
      leakyServer,
      stuckServer,
      bulkSource: start('bulkSource', 'source', ports.bulk, BULK_BYTES_PER_SECOND),
      lossySender: start('lossySender', 'source', ports.lossy, LOSSY_BYTES_PER_SECOND),
      blackholeDial: start('blackholeDial', 'dial', ports.blackholed, DIAL_EVERY_MS, DIAL_GIVE_UP_MS),
      refusedDial: start('refusedDial', 'dial', ports.refused, DIAL_EVERY_MS, DIAL_GIVE_UP_MS),
      leakyClient: start('leakyClient', 'leaky-client', ports.leaky, LEAK_EVERY_MS),
      stuckClient: start('stuckClient', 'dial', ports.stuck, DIAL_EVERY_MS, STUCK_HOLD_MS),
    };
    await Promise.all([
      processes.bulkSource.next('connected', 10_000),
      processes.lossySender.next('connected', 10_000),
      processes.blackholeDial.next('dialling', 10_000),
      processes.refusedDial.next('refused', 10_000),
      processes.leakyClient.next('dialling', 10_000),
      processes.stuckClient.next('dialling', 10_000),
    ]);
    return { ports, processes };
  } catch (error) {
    await stopFaultScenarios();
    throw error;
  }
}

/** Kills every fault process (waiting for each to be gone) and removes the table. Safe to call twice. */
export async function stopFaultScenarios(): Promise<void> {
  const exits = [...running].map((peer) => exited(peer));
  tearDownNow();
  await Promise.all(exits);
}
