import type { ConnectionEntry } from './connection-entry.js';
import type { ContainerTable } from './container-table.js';
import type { ProcessTable } from './process-table.js';
import type { ContainerIdentity } from './records.js';
import type { ConnectionSnapshot, ContainerSnapshot, PeerSnapshot, ProcessSnapshot, TrafficSums } from './snapshot-types.js';

type ProcessIdentity = Pick<ProcessSnapshot, 'pid' | 'comm' | 'cmdline' | 'uid' | 'user' | 'container'>;

// Object literals rather than a spread of shared zeros: with one peer per connection on a busy
// server this runs hundreds of thousands of times a tick.
function processSums({ pid, comm, cmdline, uid, user, container }: ProcessIdentity): ProcessSnapshot {
  return {
    pid,
    comm,
    cmdline,
    uid,
    user,
    container,
    connections: 0,
    openConnections: 0,
    bytesSent: 0,
    bytesReceived: 0,
    sendRate: 0,
    receiveRate: 0,
    retransmits: 0,
    resetsSent: 0,
    resetsReceived: 0,
    drops: 0,
  };
}

function peerSums(address: string, family: PeerSnapshot['family']): PeerSnapshot {
  return {
    address,
    family,
    connections: 0,
    openConnections: 0,
    bytesSent: 0,
    bytesReceived: 0,
    sendRate: 0,
    receiveRate: 0,
    retransmits: 0,
    resetsSent: 0,
    resetsReceived: 0,
    drops: 0,
    peerName: null,
  };
}

function containerSums(container: ContainerIdentity): ContainerSnapshot {
  return {
    container,
    processes: [],
    connections: 0,
    openConnections: 0,
    bytesSent: 0,
    bytesReceived: 0,
    sendRate: 0,
    receiveRate: 0,
    retransmits: 0,
    resetsSent: 0,
    resetsReceived: 0,
    drops: 0,
  };
}

/** The counters an entry and its published row both carry, under the same names. */
type ConnectionCounts = Pick<
  ConnectionSnapshot,
  'bytesSent' | 'bytesReceived' | 'sendRate' | 'receiveRate' | 'retransmits' | 'resetsSent' | 'resetsReceived'
>;

function addCounts(sums: TrafficSums, counts: ConnectionCounts, open: boolean, drops: number): void {
  sums.connections++;
  if (open) sums.openConnections++;
  sums.bytesSent += counts.bytesSent;
  sums.bytesReceived += counts.bytesReceived;
  sums.sendRate += counts.sendRate;
  sums.receiveRate += counts.receiveRate;
  sums.retransmits += counts.retransmits;
  sums.resetsSent += counts.resetsSent;
  sums.resetsReceived += counts.resetsReceived;
  sums.drops += drops;
}

function addConnection(sums: TrafficSums, connection: ConnectionEntry): void {
  addCounts(sums, connection, connection.isOpen, connection.dropCount);
}

/**
 * Sums per process over the connections with a known pid, ordered by pid. Names come from the
 * process table, else from the kernel's view of the lowest-id connection (`connections` are
 * sorted by id, so the choice is stable).
 */
export function aggregateByProcess(
  connections: readonly ConnectionEntry[],
  processes: ProcessTable,
  containers: ContainerTable,
): ProcessSnapshot[] {
  const byPid = new Map<number, ProcessSnapshot>();
  // Indexed, here and below: a for-of made an iterator result per connection, tick after tick.
  for (let index = 0; index < connections.length; index++) {
    const connection = connections[index]!;
    const pid = connection.owner.pid;
    if (pid === null) continue;
    let sums = byPid.get(pid);
    if (sums === undefined) {
      const process = processes.get(pid);
      sums = processSums({
        pid,
        comm: process?.comm ?? connection.owner.comm,
        cmdline: process?.cmdline ?? null,
        uid: process?.uid ?? connection.owner.uid,
        user: process?.user ?? null,
        container: containers.get(connection.owner.cgroupId, pid),
      });
      byPid.set(pid, sums);
    }
    addConnection(sums, connection);
  }
  return [...byPid.values()].sort((a, b) => a.pid - b.pid);
}

/** Adds a published row to `sums`: what its entry added when the tick made them (addConnection). */
export function addPublishedConnection(sums: TrafficSums, connection: ConnectionSnapshot): void {
  let drops = 0;
  for (const drop of connection.drops) if (drop.class === 'matters') drops += drop.count;
  addCounts(sums, connection, connection.closedAtMs === null, drops);
}

/**
 * Peers summed from the published rows (`peersOf`), once per rows array: a table republished
 * unchanged keeps its peers.
 */
const peersByRows = new WeakMap<readonly ConnectionSnapshot[], PeerSnapshot[]>();

/**
 * Sums per remote address, ordered by address, made from the published rows when first read
 * and kept with them. Only the Peers pane, the document and a baseline read them, and a busy
 * host's peers are nearly as many as its connections: a public load balancer's clients, or the
 * synthetic 100k table's 86,000, whose rows, made every tick, were 27 MB of heap.
 */
export function peersOf(connections: readonly ConnectionSnapshot[]): PeerSnapshot[] {
  let peers = peersByRows.get(connections);
  if (peers === undefined) peersByRows.set(connections, (peers = aggregateByPeer(connections)));
  return peers;
}

function aggregateByPeer(connections: readonly ConnectionSnapshot[]): PeerSnapshot[] {
  const byAddress = new Map<string, PeerSnapshot>();
  for (let index = 0; index < connections.length; index++) {
    const connection = connections[index]!;
    let sums = byAddress.get(connection.daddr);
    if (sums === undefined) {
      sums = peerSums(connection.daddr, connection.family);
      byAddress.set(connection.daddr, sums);
    }
    addPublishedConnection(sums, connection);
    const name = connection.peerName;
    if (name !== null && (sums.peerName === null || name.atMs > sums.peerName.atMs)) sums.peerName = name;
  }
  // The default sort compares strings natively, much faster than a comparator callback.
  return [...byAddress.keys()].sort().map((address) => byAddress.get(address) as PeerSnapshot);
}

/**
 * Sums per container over the connections whose owner runs in one, ordered by runtime and id.
 * Cgroups of one container (podman's split `container` child, say) add up under its id.
 */
export function aggregateByContainer(connections: readonly ConnectionEntry[], containers: ContainerTable): ContainerSnapshot[] {
  const byKey = new Map<string, ContainerSnapshot>();
  for (let index = 0; index < connections.length; index++) {
    const connection = connections[index]!;
    const container = containers.get(connection.owner.cgroupId, connection.owner.pid);
    if (container === null) continue;
    const key = `${container.runtime}/${container.id}`;
    let sums = byKey.get(key);
    if (sums === undefined) {
      sums = containerSums(container);
      byKey.set(key, sums);
    }
    addConnection(sums, connection);
    const pid = connection.owner.pid;
    if (pid !== null && !sums.processes.some((process) => process.pid === pid)) {
      sums.processes.push({ pid, comm: connection.owner.comm });
    }
  }
  for (const sums of byKey.values()) sums.processes.sort((a, b) => a.pid - b.pid);
  return [...byKey.keys()].sort().map((key) => byKey.get(key) as ContainerSnapshot);
}

/** Sums of nothing yet, for a reader that sums connections of its own choosing (a filtered view). */
export function zeroTrafficSums(): TrafficSums {
  return { connections: 0, openConnections: 0, bytesSent: 0, bytesReceived: 0, sendRate: 0, receiveRate: 0, retransmits: 0, resetsSent: 0, resetsReceived: 0, drops: 0 };
}

const SUMMED_FIELDS: readonly (keyof TrafficSums)[] = Object.keys(zeroTrafficSums()) as (keyof TrafficSums)[];

/** Adds `from`'s sums into `into`: a reader that groups rows (processes by name, peers by name). */
export function addTrafficSums(into: TrafficSums, from: TrafficSums): void {
  for (const field of SUMMED_FIELDS) into[field] += from[field];
}
