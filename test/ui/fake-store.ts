/**
 * A CaptureStore for UI tests: a hand-built snapshot of a small, realistic host (nginx serving
 * from docker container `web`, curl fetching with loss on the host, postgres over IPv6 in
 * Kubernetes pod `prod/db-0`, a closed curl, two listeners, some events), and a record of what
 * the UI asked of the store.
 */
import type { FlightRecordingWritten } from '../../src/recording/flight-dump.js';
import type { CaptureStore } from '../../src/ui/capture-store.js';
import { viewDocument, type SavedScreen } from '../../src/ui/save-screen-snapshot.js';
import type { UiState } from '../../src/ui/view-model/ui-state.js';
import { containersOf, peersOf, processesOf } from './view-model/snapshot-builder.js';
import { emptyHostGauges } from '../../src/model/gauges-snapshot.js';
import type { ScreenInput } from '../../src/ui/view-model/screen-input.js';
import type {
  ConnectionEvent,
  ConnectionSnapshot,
  ListenerSnapshot,
  ModelSnapshot,
  Owner,
  RatePoint,
} from '../../src/model/snapshot-types.js';
import type { ContainerIdentity } from '../../src/model/records.js';

/** The snapshot's clock: 2025-01-15 12:00:00 UTC, one minute into the capture. */
export const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
const STARTED_AT_MS = T0 - 60_000;

/** Socket cookies of the fixture's connections, for tests that look one up. */
export const cookies = { nginx: 1001, curl: 1002, postgres: 1003, closedCurl: 1004 } as const;

const HOST_NETNS = 4026531840;
/** Network namespaces of the two containers. */
const WEB_NETNS = 4026532301;
const DB_NETNS = 4026532455;

/** The fixture's containers: nginx under docker, postgres in a Kubernetes pod under containerd. */
export const containers = {
  web: {
    id: '3f2a9c1b7e4d5a6b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b',
    name: 'web',
    runtime: 'docker',
    image: 'nginx:1.27',
    pod: null,
    namespace: null,
    podUid: null,
  },
  db: {
    id: 'c0ffee5e1d2b3a4958677a8b9cadbecf0011223344556677889900aabbccddee',
    name: 'postgres',
    runtime: 'containerd',
    image: 'docker.io/library/postgres:16',
    pod: 'db-0',
    namespace: 'prod',
    podUid: '6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
  },
} as const satisfies Record<string, ContainerIdentity>;

function owner(pid: number, comm: string, cmdline: string, user: string, uid: number, cgroupId: number, container: ContainerIdentity | null): Owner {
  return { pid, comm, cmdline, uid, user, cgroupId, container, provisional: false };
}

const owners = {
  nginx: owner(812, 'nginx', 'nginx: worker process', 'www-data', 33, 5101, containers.web),
  curl: owner(4242, 'curl', 'curl -sS https://example.com/big.iso -o /tmp/big.iso', 'alice', 1000, 4242, null),
  postgres: owner(1311, 'postgres', 'postgres: 16/main: app appdb 2001:db8::20(48810) idle', 'postgres', 113, 5202, containers.db),
  closedCurl: owner(4250, 'curl', 'curl -sS http://198.51.100.9/health', 'alice', 1000, 4242, null),
};

function connection(fields: Partial<ConnectionSnapshot> & Pick<ConnectionSnapshot, 'id' | 'saddr' | 'sport' | 'daddr' | 'dport' | 'owner'>): ConnectionSnapshot {
  return {
    protocol: 'tcp',
    udp: null,
    family: 'ipv4',
    netns: HOST_NETNS,
    state: 'ESTABLISHED',
    stateHistory: [],
    openedAtMs: T0 - 30_000,
    closedAtMs: null,
    bytesSent: 0,
    bytesReceived: 0,
    segmentsSent: 0,
    segmentsReceived: 0,
    sendRate: 0,
    receiveRate: 0,
    retransmits: 0,
    resetsSent: 0,
    resetsReceived: 0,
    drops: [],
    srttMs: null,
    connectLatencyMs: null,
    preexisting: false,
    problems: { retransmits: null, resets: null, drops: null },
    problemTrail: [],
    nat: null,
    limit: null,
    peerName: null,
    ...fields,
  };
}

function connections(): ConnectionSnapshot[] {
  return [
    connection({
      id: cookies.nginx,
      saddr: '10.0.0.5',
      sport: 443,
      daddr: '203.0.113.7',
      dport: 51234,
      netns: WEB_NETNS,
      owner: owners.nginx,
      stateHistory: [
        { state: 'SYN_RECV', atMs: T0 - 42_010, durationMs: 10 },
        { state: 'ESTABLISHED', atMs: T0 - 42_000, durationMs: null },
      ],
      openedAtMs: T0 - 42_010,
      bytesSent: 48_000_000,
      bytesReceived: 120_000,
      segmentsSent: 33_000,
      segmentsReceived: 1_900,
      sendRate: 1_250_000,
      receiveRate: 3_100,
      srttMs: 12.5,
    }),
    connection({
      id: cookies.curl,
      saddr: '10.0.0.5',
      sport: 40522,
      daddr: '93.184.216.34',
      dport: 443,
      owner: owners.curl,
      stateHistory: [
        { state: 'SYN_SENT', atMs: T0 - 20_012, durationMs: 12 },
        { state: 'ESTABLISHED', atMs: T0 - 20_000, durationMs: null },
      ],
      openedAtMs: T0 - 20_012,
      bytesSent: 2_100,
      bytesReceived: 9_800_000,
      segmentsSent: 800,
      segmentsReceived: 6_900,
      sendRate: 40,
      receiveRate: 480_000,
      retransmits: 7,
      drops: [{ reason: 'NETFILTER_DROP', class: 'matters', count: 3 }],
      srttMs: 88.2,
      connectLatencyMs: 12,
    }),
    connection({
      id: cookies.postgres,
      family: 'ipv6',
      saddr: '2001:db8::10',
      sport: 5432,
      daddr: '2001:db8::20',
      dport: 48810,
      netns: DB_NETNS,
      owner: owners.postgres,
      stateHistory: [{ state: 'ESTABLISHED', atMs: STARTED_AT_MS, durationMs: null }],
      openedAtMs: STARTED_AT_MS,
      bytesSent: 640_000,
      bytesReceived: 210_000,
      segmentsSent: 1_200,
      segmentsReceived: 1_100,
      sendRate: 2_000,
      receiveRate: 900,
      srttMs: 0.4,
      preexisting: true,
    }),
    connection({
      id: cookies.closedCurl,
      saddr: '10.0.0.5',
      sport: 40530,
      daddr: '198.51.100.9',
      dport: 80,
      owner: owners.closedCurl,
      state: 'CLOSE',
      stateHistory: [
        { state: 'SYN_SENT', atMs: T0 - 9_030, durationMs: 30 },
        { state: 'ESTABLISHED', atMs: T0 - 9_000, durationMs: 1_000 },
        { state: 'FIN_WAIT1', atMs: T0 - 8_000, durationMs: 5 },
        { state: 'FIN_WAIT2', atMs: T0 - 7_995, durationMs: 5 },
        { state: 'CLOSE', atMs: T0 - 7_990, durationMs: null },
      ],
      openedAtMs: T0 - 9_030,
      closedAtMs: T0 - 7_990,
      bytesSent: 95,
      bytesReceived: 310,
      segmentsSent: 5,
      segmentsReceived: 4,
      srttMs: 30.1,
      connectLatencyMs: 30,
    }),
  ];
}

function listeners(): ListenerSnapshot[] {
  return [
    { id: 2001, family: 'ipv4', saddr: '0.0.0.0', sport: 443, netns: WEB_NETNS, owner: owners.nginx, acceptQueue: 0, acceptQueueLimit: 511, drops: 0, protocol: 'tcp', receiveQueue: null },
    { id: 2002, family: 'ipv6', saddr: '::', sport: 5432, netns: DB_NETNS, owner: owners.postgres, acceptQueue: 2, acceptQueueLimit: 244, drops: 0, protocol: 'tcp', receiveQueue: null },
  ];
}

function events(): ConnectionEvent[] {
  const curl = { connectionId: cookies.curl, family: 'ipv4' as const, saddr: '10.0.0.5', sport: 40522, daddr: '93.184.216.34', dport: 443, pid: 4242, comm: 'curl' };
  const closed = { connectionId: cookies.closedCurl, family: 'ipv4' as const, saddr: '10.0.0.5', sport: 40530, daddr: '198.51.100.9', dport: 80, pid: 4250, comm: 'curl' };
  const nginx = { connectionId: cookies.nginx, family: 'ipv4' as const, saddr: '10.0.0.5', sport: 443, daddr: '203.0.113.7', dport: 51234, pid: 812, comm: 'nginx' };
  const none = { fromState: null, toState: null, direction: null, reason: null };
  // Newest first, as the model publishes them.
  return [
    { ...curl, ...none, atMs: T0 - 1_000, kind: 'drop', reason: 'NETFILTER_DROP' },
    { ...curl, ...none, atMs: T0 - 2_000, kind: 'retransmit', toState: 'ESTABLISHED' },
    { ...closed, ...none, atMs: T0 - 7_990, kind: 'state', fromState: 'FIN_WAIT2', toState: 'CLOSE' },
    { ...closed, ...none, atMs: T0 - 8_500, kind: 'reset', direction: 'received', reason: 'RECEIVED' },
    { ...curl, ...none, atMs: T0 - 20_000, kind: 'state', fromState: 'SYN_SENT', toState: 'ESTABLISHED' },
    { ...nginx, ...none, atMs: T0 - 42_000, kind: 'state', fromState: 'SYN_RECV', toState: 'ESTABLISHED' },
  ];
}

function rateHistory(): RatePoint[] {
  return Array.from({ length: 30 }, (_, index) => ({
    atMs: T0 - (29 - index) * 1_000,
    sendRate: 1_000_000 + index * 10_000,
    receiveRate: 400_000 + (index % 7) * 20_000,
    retransmitsPerSecond: index % 5 === 0 ? 1 : 0,
    dropsPerSecond: index === 28 ? 3 : 0,
    resetsPerSecond: 0,
  }));
}

/** The fixture host's snapshot at T0. */
export function buildSnapshot(): ModelSnapshot {
  const all = connections();
  return {
    atMs: T0,
    startedAtMs: STARTED_AT_MS,
    totals: {
      connectionsOpened: 3,
      connectionsClosed: 1,
      bytesSent: 48_742_195,
      bytesReceived: 10_130_310,
      retransmits: 7,
      resetsSent: 0,
      resetsReceived: 1,
      drops: 3,
      evicted: 0,
      lostEvents: 0,
      udpFlowsRefused: 0,
    },
    connections: all,
    listeners: listeners(),
    processes: processesOf(all),
    peers: peersOf(all),
    containers: containersOf(all),
    containerStateProblems: {},
    drops: [{ reason: 'NETFILTER_DROP', class: 'matters', count: 3 }],
    rateHistory: rateHistory(),
    events: events(),
    gauges: emptyHostGauges(),
  };
}

/**
 * The fixture once the host gauges were read: curl's destination holds 92% of the host's
 * ephemeral ports (a warning), nginx 1,000 of its 1,024 descriptors (critical), 389 TIME_WAIT
 * and 2 CLOSE_WAIT on the host, conntrack at 1,000 of 262,144.
 */
export function withGauges(snapshot: ModelSnapshot): ModelSnapshot {
  const rates = { listenOverflows: 0, listenDrops: 2, tcpAbortOnMemory: 0, tcpMemoryPressures: 0, tcpBacklogDrop: 0, tcpTimeWaitOverflow: 0 };
  return {
    ...snapshot,
    gauges: {
      atMs: T0 - 200,
      namespaces: [
        {
          netns: HOST_NETNS,
          ephemeralPortRange: { low: 32768, high: 60999 },
          ephemeralPortsByDestination: [{ daddr: '93.184.216.34', dport: 443, ports: 26_000 }],
          timeWait: 389,
          timeWaitLimit: 131_072,
          closeWait: 2,
          conntrack: { entries: 1000, max: 262_144 },
          somaxconn: 4096,
          kernelCounterRates: rates,
          kernelCounters: { ...rates, listenDrops: 40 },
        },
      ],
      host: { memoryPages: 311, memoryLimitPages: { low: 287_892, pressure: 383_858, high: 575_784 }, orphans: 0, maxOrphans: 131_072 },
      processDescriptors: [{ pid: 812, comm: 'nginx', descriptors: 1000, limit: 1024 }],
      descriptorsAtMs: T0 - 3200,
    },
  };
}

/**
 * The fixture with `count` more curl (pid 4242) connections to 192.0.2.1…192.0.2.`count`, each
 * sending less than the one before, so the busiest-first order ends at 192.0.2.`count`.
 */
export function withBusyCurl(snapshot: ModelSnapshot, count: number): ModelSnapshot {
  const extra = Array.from({ length: count }, (_, index) =>
    connection({
      id: 5000 + index,
      saddr: '10.0.0.5',
      sport: 41000 + index,
      daddr: `192.0.2.${index + 1}`,
      dport: 443,
      owner: owners.curl,
      sendRate: (count - index) * 100,
      stateHistory: [{ state: 'ESTABLISHED', atMs: T0 - 5_000, durationMs: null }],
    }),
  );
  return { ...snapshot, connections: [...snapshot.connections, ...extra] };
}

/** What the store publishes for the fixture host: every probe attached, no detail page open. */
export function buildScreenInput(snapshot: ModelSnapshot = buildSnapshot()): ScreenInput {
  return {
    snapshot,
    findings: [],
    source: {
      kind: 'ebpf',
      probes: [
        { name: 'inet_sock_set_state', status: 'attached', reason: null },
        { name: 'tcp_retransmit_skb', status: 'attached', reason: null },
        { name: 'kfree_skb', status: 'attached', reason: null },
      ],
    },
    host: { hostname: 'web-1', kernel: '6.8.0-45-generic' },
    detailRates: { send: [], receive: [] },
    notice: null,
    replay: null,
    changes: null,
  };
}

/** A CaptureStore that publishes only when told to, and records every call the UI makes. */
export class FakeCaptureStore implements CaptureStore {
  readonly pausedCalls: boolean[] = [];
  readonly intervalCalls: number[] = [];
  readonly detailConnectionCalls: (number | null)[] = [];
  /** The UI state of every save, in order. */
  readonly saveStates: UiState[] = [];
  flightWriteCount = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    private input: ScreenInput = buildScreenInput(),
    /** What `saveSnapshot` does: say what it wrote, or throw. */
    private readonly save: (view: UiState) => SavedScreen = (view) => ({
      path: '/root/netscope-20250115-120000.json',
      connections: this.input.snapshot.connections.length,
      view: viewDocument(view),
    }),
    /** What `writeFlightRecording` does: say what was written, or throw. */
    private readonly writeFlight: () => FlightRecordingWritten = () => ({ path: '/root/netscope-flight-20250115-120000.ndjson', bytes: 1_048_576, ticks: 252, spanMs: 252_000 }),
  ) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): ScreenInput => this.input;

  /** Publishes a new input, as a tick does. */
  publish(input: ScreenInput): void {
    this.input = input;
    for (const listener of this.listeners) listener();
  }

  setPaused(paused: boolean): void {
    this.pausedCalls.push(paused);
  }

  setIntervalMs(intervalMs: number): void {
    this.intervalCalls.push(intervalMs);
  }

  setDetailConnection(connectionId: number | null): void {
    this.detailConnectionCalls.push(connectionId);
  }

  get saveCount(): number {
    return this.saveStates.length;
  }

  saveSnapshot(view: UiState): SavedScreen {
    this.saveStates.push(view);
    return this.save(view);
  }

  /** Every `b`, in order. */
  baselineMarks = 0;

  markBaseline(): number {
    this.baselineMarks += 1;
    return this.input.snapshot.atMs;
  }

  writeFlightRecording(): FlightRecordingWritten {
    this.flightWriteCount += 1;
    return this.writeFlight();
  }
}
