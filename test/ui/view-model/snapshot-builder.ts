/**
 * Hand-built model snapshots for the view-model tests: realistic rows with every field set,
 * overridable one field at a time. Processes and peers are summed from the connections, as
 * the model does, unless given.
 */
import type { FlowLimitSnapshot } from '../../../src/model/flow-limit-tracker.js';
import type {
  ConnectionEvent,
  ConnectionSnapshot,
  ContainerSnapshot,
  ListenerSnapshot,
  ModelSnapshot,
  Owner,
  PeerSnapshot,
  ProcessSnapshot,
  RatePoint,
  SourceInfo,
  TrafficSums,
} from '../../../src/model/snapshot-types.js';
import type { ContainerIdentity } from '../../../src/model/records.js';
import type { ScreenInput } from '../../../src/ui/view-model/screen-input.js';
import { zeroTotals } from '../../../src/model/capture-totals.js';
import { emptyHostGauges } from '../../../src/model/gauges-snapshot.js';
import { addPublishedConnection } from '../../../src/model/traffic-aggregation.js';

/** 2025-01-01T00:00:00Z: the capture's start. */
export const T0 = Date.UTC(2025, 0, 1);
/** The snapshot's time: three minutes and twelve seconds into the capture. */
export const NOW = T0 + 192_000;
export const HOST_NETNS = 4026531840;

/** Docker container `web` (nginx:1.27), outside any pod; its id is 64 hex digits starting `3f2a9c`. */
export function containerIdentity(fields: Partial<ContainerIdentity> = {}): ContainerIdentity {
  return { id: `3f2a9c${'0'.repeat(58)}`, name: 'web', runtime: 'docker', image: 'nginx:1.27', pod: null, namespace: null, podUid: null, ...fields };
}

export function owner(fields: Partial<Owner> = {}): Owner {
  return { pid: 1234, comm: 'curl', cmdline: 'curl -sS https://example.com/', uid: 1000, user: 'alice', cgroupId: 77, container: null, provisional: false, ...fields };
}

/** A verdict over a one-second interval: busy 90% of it, two thirds of that rwnd-limited — the receiver. */
export function flowLimit(fields: Partial<FlowLimitSnapshot> = {}): FlowLimitSnapshot {
  return {
    verdict: 'receiver',
    busyShare: 0.9,
    idleShare: 0.1,
    rwndLimitedShare: 2 / 3,
    sndbufLimitedShare: 0,
    retransmitShare: 0,
    intervalMs: 1000,
    busyMs: 900,
    rwndLimitedMs: 600,
    sndbufLimitedMs: 0,
    segmentsSent: 120,
    retransmits: 0,
    receiveQueue: 0,
    sendQueue: 1_048_576,
    notsentBytes: 983_040,
    appLimited: false,
    deliveryRate: 12_500_000,
    sndCwnd: 40,
    sndSsthresh: 2147483647,
    sndWnd: 65_536,
    rcvWnd: 131_072,
    probes: 0,
    probeTimerArmed: false,
    limitedSeconds: { receiver: 1 },
    ...fields,
  };
}

type ConnectionFields = Partial<Omit<ConnectionSnapshot, 'owner'>> & { owner?: Partial<Owner> };

/** An established client connection 10.0.0.1:40000 → 93.184.216.34:443 owned by curl (1234). */
export function connection(fields: ConnectionFields = {}): ConnectionSnapshot {
  const openedAtMs = fields.openedAtMs ?? T0 + 1000;
  return {
    id: 1,
    family: 'ipv4',
    saddr: '10.0.0.1',
    sport: 40000,
    daddr: '93.184.216.34',
    dport: 443,
    netns: HOST_NETNS,
    state: 'ESTABLISHED',
    stateHistory: [
      { state: 'SYN_SENT', atMs: openedAtMs, durationMs: 12 },
      { state: 'ESTABLISHED', atMs: openedAtMs + 12, durationMs: null },
    ],
    openedAtMs,
    closedAtMs: null,
    bytesSent: 4096,
    bytesReceived: 65536,
    segmentsSent: 10,
    segmentsReceived: 50,
    sendRate: 100,
    receiveRate: 2000,
    retransmits: 0,
    resetsSent: 0,
    resetsReceived: 0,
    drops: [],
    srttMs: 12.5,
    connectLatencyMs: 12,
    preexisting: false,
    problems: { retransmits: null, resets: null, drops: null },
    problemTrail: [],
    nat: null,
    protocol: 'tcp',
    udp: null,
    limit: null,
    peerName: null,
    ...fields,
    owner: owner(fields.owner),
  };
}

export function listener(fields: Partial<Omit<ListenerSnapshot, 'owner'>> & { owner?: Partial<Owner> } = {}): ListenerSnapshot {
  return {
    id: 900,
    family: 'ipv4',
    saddr: '0.0.0.0',
    sport: 80,
    netns: HOST_NETNS,
    acceptQueue: 0,
    acceptQueueLimit: 511,
    drops: 0,
    protocol: 'tcp',
    receiveQueue: null,
    ...fields,
    owner: owner({ pid: 800, comm: 'nginx', cmdline: 'nginx: master process /usr/sbin/nginx', user: 'root', uid: 0, ...fields.owner }),
  };
}

export function event(fields: Partial<ConnectionEvent> = {}): ConnectionEvent {
  return {
    atMs: NOW - 1000,
    kind: 'state',
    connectionId: 1,
    family: 'ipv4',
    saddr: '10.0.0.1',
    sport: 40000,
    daddr: '93.184.216.34',
    dport: 443,
    pid: 1234,
    comm: 'curl',
    fromState: 'SYN_SENT',
    toState: 'ESTABLISHED',
    direction: null,
    reason: null,
    ...fields,
  };
}

export function ratePoint(fields: Partial<RatePoint> = {}): RatePoint {
  return { atMs: NOW, sendRate: 0, receiveRate: 0, retransmitsPerSecond: 0, dropsPerSecond: 0, resetsPerSecond: 0, ...fields };
}

function emptySums(): TrafficSums {
  return { connections: 0, openConnections: 0, bytesSent: 0, bytesReceived: 0, sendRate: 0, receiveRate: 0, retransmits: 0, resetsSent: 0, resetsReceived: 0, drops: 0 };
}

export function processesOf(connections: readonly ConnectionSnapshot[]): ProcessSnapshot[] {
  const byPid = new Map<number, ProcessSnapshot>();
  for (const item of connections) {
    const { pid, comm, cmdline, uid, user, container } = item.owner;
    if (pid === null) continue;
    let process = byPid.get(pid);
    if (process === undefined) {
      process = { pid, comm, cmdline, uid, user, container, ...emptySums() };
      byPid.set(pid, process);
    }
    addPublishedConnection(process, item);
  }
  return [...byPid.values()].sort((a, b) => a.pid - b.pid);
}

export function containersOf(connections: readonly ConnectionSnapshot[]): ContainerSnapshot[] {
  const byKey = new Map<string, ContainerSnapshot>();
  for (const item of connections) {
    const { container, pid, comm } = item.owner;
    if (container === null) continue;
    const key = `${container.runtime}/${container.id}`;
    let sums = byKey.get(key);
    if (sums === undefined) {
      sums = { container, processes: [], ...emptySums() };
      byKey.set(key, sums);
    }
    addPublishedConnection(sums, item);
    if (pid !== null && !sums.processes.some((process) => process.pid === pid)) sums.processes.push({ pid, comm });
  }
  return [...byKey.keys()].sort().map((key) => byKey.get(key) as ContainerSnapshot);
}

export function peersOf(connections: readonly ConnectionSnapshot[]): PeerSnapshot[] {
  const byAddress = new Map<string, PeerSnapshot>();
  for (const item of connections) {
    let peer = byAddress.get(item.daddr);
    if (peer === undefined) {
      peer = { address: item.daddr, family: item.family, peerName: item.peerName, ...emptySums() };
      byAddress.set(item.daddr, peer);
    }
    addPublishedConnection(peer, item);
  }
  return [...byAddress.values()].sort((a, b) => (a.address < b.address ? -1 : 1));
}

export function snapshot(fields: Partial<ModelSnapshot> = {}): ModelSnapshot {
  const connections = fields.connections ?? [];
  return {
    atMs: NOW,
    startedAtMs: T0,
    totals: { ...zeroTotals(), connectionsOpened: connections.length },
    listeners: [],
    processes: processesOf(connections),
    peers: peersOf(connections),
    containers: containersOf(connections),
    containerStateProblems: {},
    drops: [],
    rateHistory: [],
    events: [],
    gauges: emptyHostGauges(),
    ...fields,
    connections,
  };
}

export function source(fields: Partial<SourceInfo> = {}): SourceInfo {
  return {
    kind: 'ebpf',
    probes: [
      { name: 'inet_sock_set_state', status: 'attached', reason: null },
      { name: 'tcp_retransmit_skb', status: 'attached', reason: null },
      { name: 'kfree_skb', status: 'attached', reason: null },
    ],
    ...fields,
  };
}

export function screenInput(model: ModelSnapshot, fields: Partial<Omit<ScreenInput, 'snapshot'>> = {}): ScreenInput {
  return {
    snapshot: model,
    findings: [],
    source: source(),
    host: { hostname: 'vm', kernel: '6.8.0' },
    detailRates: { send: [], receive: [] },
    notice: null,
    replay: null,
    changes: null,
    ...fields,
  };
}

const COMMS = ['nginx', 'curl', 'postgres', 'redis-server', 'node', 'python3', 'java', 'sshd', 'chrome', 'envoy'] as const;
const STATES = ['ESTABLISHED', 'ESTABLISHED', 'TIME_WAIT', 'CLOSE_WAIT', 'SYN_SENT'] as const;

/** `count` varied connections (10 programs, 40 processes, many peers, a mix of states) for size and speed checks. */
export function manyConnections(count: number): ConnectionSnapshot[] {
  return Array.from({ length: count }, (_unused, index) => {
    const comm = COMMS[index % COMMS.length] ?? 'node';
    const pid = 1000 + (index % 40);
    return connection({
      id: 10_000 + index,
      sport: 32768 + (index % 28000),
      daddr: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
      dport: [443, 80, 5432, 6379][index % 4] ?? 443,
      state: STATES[index % STATES.length] ?? 'ESTABLISHED',
      sendRate: (index * 7919) % 100_000,
      receiveRate: (index * 104_729) % 1_000_000,
      bytesSent: index * 1000,
      bytesReceived: index * 3000,
      retransmits: index % 13 === 0 ? 2 : 0,
      owner: { pid, comm, cmdline: `/usr/bin/${comm} --config /etc/${comm}/${comm}.conf --worker ${pid}` },
    });
  });
}
