/**
 * The counters behind the metric exporters, folded from each published snapshot: monotonic
 * totals per label set, open connections by state, and the tick's latency observations. Pure:
 * no I/O, and time comes from the snapshots.
 *
 * A connection's counts in the snapshot cover its own life since netscope first saw it, and the
 * connection leaves the snapshot when the model evicts it. So a series adds up its connections'
 * deltas since the previous tick — each connection's last counts remembered by socket cookie,
 * forgotten once it is gone — and an eviction never lowers a series.
 */
import type { LimitedSeconds } from '../model/flow-limit-tracker.js';
import type { ContainerIdentity } from '../model/records.js';
import type { ConnectionSnapshot, ModelSnapshot, TcpStateName } from '../model/snapshot-types.js';
import { listeningPortKey, OTHER_PEER, ownerLabels, peerLabels, seriesKey, type PeerLabels, type SeriesLabels } from './series-labels.js';

/**
 * How long a label set keeps its series after its last open connection or listener went (its
 * processes exited, or stopped talking): a scrape minutes after a short-lived client still sees
 * its final counts, and a host with churning processes does not accumulate series forever.
 */
export const SERIES_RETENTION_MS = 5 * 60_000;

export interface TrafficCounts {
  bytesSent: number;
  bytesReceived: number;
  /** Segments retransmitted. */
  retransmits: number;
  resetsSent: number;
  resetsReceived: number;
  /** Dropped packets by the kernel's drop reason. */
  drops: Map<string, number>;
  /** Seconds its connections spent under each flow-limit verdict (idle not counted; docs/flow-limits.md). */
  limitedSeconds: Map<string, number>;
}

export interface TrafficSeries {
  readonly key: string;
  readonly labels: SeriesLabels;
  /** Since the series was created; never lower than at any earlier tick. */
  readonly counts: TrafficCounts;
  /**
   * Its open connections by TCP state at the last tick (closed ones kept for display are not
   * counted); every state it has had is listed, with 0 when none is in it now.
   */
  readonly openConnections: Map<TcpStateName, number>;
  /** The last tick at which one of its connections, or a listener of its label set, was open (ms since the epoch). */
  lastOpenAtMs: number;
}

/** Samples for a latency histogram, in seconds, by the labels of their series. */
export type LatencySamples = Map<SeriesLabels, number[]>;

/** What one tick brought besides the counts. */
export interface TickChanges {
  /** The handshake (SYN_SENT → ESTABLISHED) of each connection whose connect latency showed up this tick, once per connection. */
  connectLatencies: LatencySamples;
  /**
   * The smoothed RTT of each open connection that moved bytes since the previous tick: the
   * kernel only updates it on acknowledgements, so an idle connection's value is stale.
   */
  roundTripTimes: LatencySamples;
  /** Series dropped this tick, past their retention. */
  removed: TrafficSeries[];
}

export interface TrafficCounterOptions {
  /** Peer address/port labels on at most this many series; past it, `OTHER_PEER`. 0 = no peer labels. */
  peerLabelLimit: number;
}

/** What the counters remember of a connection between ticks. */
interface ConnectionMemory {
  /** The owner the series was chosen for: when it changes (an owner resolved late), the series is chosen again. */
  comm: string | null;
  container: ContainerIdentity | null;
  seriesKey: string | null;
  bytesSent: number;
  bytesReceived: number;
  retransmits: number;
  resetsSent: number;
  resetsReceived: number;
  drops: Map<string, number> | null;
  limitedSeconds: LimitedSeconds | null;
  connectLatencySeen: boolean;
  seenAtTick: number;
}

/** The counters the capture totals also keep, exactly (see `foldRemainders`). */
const REMAINDER_COUNTERS = ['bytesSent', 'bytesReceived', 'retransmits'] as const;

/**
 * Traffic netscope saw but cannot put on a process: connections whose owner it could not
 * resolve, and what the capture totals hold beyond the connections' own counts (drops and
 * retransmits without a socket, the last bytes of a connection evicted between two ticks).
 * Never dropped by retention.
 */
const UNATTRIBUTED: SeriesLabels = { process: null, containerId: null, containerName: null, pod: null, namespace: null, workload: null, peer: null, transport: 'tcp' };
const UNATTRIBUTED_KEY = seriesKey(UNATTRIBUTED);

function zeroCounts(): TrafficCounts {
  return { bytesSent: 0, bytesReceived: 0, retransmits: 0, resetsSent: 0, resetsReceived: 0, drops: new Map(), limitedSeconds: new Map() };
}

/** How much a connection's counter grew since it was last seen (a counter that went down adds nothing). */
function growth(current: number, previous: number): number {
  return current > previous ? current - previous : 0;
}

function addSample(samples: LatencySamples, labels: SeriesLabels, seconds: number): void {
  const values = samples.get(labels);
  if (values === undefined) samples.set(labels, [seconds]);
  else values.push(seconds);
}

function addTo<Key>(counts: Map<Key, number>, key: Key, amount: number): void {
  counts.set(key, (counts.get(key) ?? 0) + amount);
}

export class TrafficCounters {
  private readonly seriesByKey = new Map<string, TrafficSeries>();
  private readonly connections = new Map<number, ConnectionMemory>();
  private readonly peerLabelLimit: number;
  private peerSeriesCount = 0;
  private tickCount = 0;
  /** Sums of every connection's growth, to tell what the capture totals hold beyond them. */
  private readonly attributed = { bytesSent: 0, bytesReceived: 0, retransmits: 0, drops: new Map<string, number>() };
  /** What went to the unattributed series from the capture totals. */
  private readonly remainder = { bytesSent: 0, bytesReceived: 0, retransmits: 0, drops: new Map<string, number>() };

  constructor(options: TrafficCounterOptions) {
    this.peerLabelLimit = options.peerLabelLimit;
  }

  /** Every series, the unattributed one included once it has anything. */
  get series(): Iterable<TrafficSeries> {
    return this.seriesByKey.values();
  }

  /** Folds a published snapshot in. */
  update(snapshot: ModelSnapshot): TickChanges {
    const atMs = snapshot.atMs;
    const changes: TickChanges = { connectLatencies: new Map(), roundTripTimes: new Map(), removed: [] };
    this.tickCount++;
    // A state a series has had reads 0 once its connections left it, rather than vanishing.
    for (const series of this.seriesByKey.values()) for (const state of series.openConnections.keys()) series.openConnections.set(state, 0);
    const listeningPorts = new Set(snapshot.listeners.map((listener) => listeningPortKey(listener.netns, listener.sport)));
    for (const connection of snapshot.connections) this.foldConnection(connection, listeningPorts, atMs, changes);
    // Every connection in the snapshot has its memory by now: more memories means some left.
    if (this.connections.size > snapshot.connections.length) {
      for (const [id, memory] of this.connections) if (memory.seenAtTick !== this.tickCount) this.connections.delete(id);
    }
    // With peer labels a listener keeps nothing alive: its peers' series go with their connections.
    if (this.peerLabelLimit === 0) {
      for (const listener of snapshot.listeners) this.seriesFor(ownerLabels(listener.owner, null, listener.protocol), atMs).lastOpenAtMs = atMs;
    }
    this.foldRemainders(snapshot);
    for (const series of this.seriesByKey.values()) {
      if (series.key === UNATTRIBUTED_KEY || atMs - series.lastOpenAtMs < SERIES_RETENTION_MS) continue;
      this.seriesByKey.delete(series.key);
      if (this.isPeerSpecific(series.labels.peer)) this.peerSeriesCount--;
      changes.removed.push(series);
    }
    return changes;
  }

  private foldConnection(connection: ConnectionSnapshot, listeningPorts: ReadonlySet<string>, atMs: number, changes: TickChanges): void {
    let memory = this.connections.get(connection.id);
    if (memory === undefined) {
      memory = {
        comm: null,
        container: null,
        seriesKey: null,
        bytesSent: 0,
        bytesReceived: 0,
        retransmits: 0,
        resetsSent: 0,
        resetsReceived: 0,
        drops: null,
        limitedSeconds: null,
        connectLatencySeen: false,
        seenAtTick: 0,
      };
      this.connections.set(connection.id, memory);
    }
    memory.seenAtTick = this.tickCount;
    const series = this.seriesOf(connection, memory, listeningPorts, atMs);
    const { counts } = series;

    const sent = growth(connection.bytesSent, memory.bytesSent);
    const received = growth(connection.bytesReceived, memory.bytesReceived);
    const retransmits = growth(connection.retransmits, memory.retransmits);
    counts.bytesSent += sent;
    counts.bytesReceived += received;
    counts.retransmits += retransmits;
    counts.resetsSent += growth(connection.resetsSent, memory.resetsSent);
    counts.resetsReceived += growth(connection.resetsReceived, memory.resetsReceived);
    this.attributed.bytesSent += sent;
    this.attributed.bytesReceived += received;
    this.attributed.retransmits += retransmits;
    memory.bytesSent = connection.bytesSent;
    memory.bytesReceived = connection.bytesReceived;
    memory.retransmits = connection.retransmits;
    memory.resetsSent = connection.resetsSent;
    memory.resetsReceived = connection.resetsReceived;
    for (const { reason, count } of connection.drops) {
      const dropped = growth(count, memory.drops?.get(reason) ?? 0);
      if (dropped === 0) continue;
      addTo(counts.drops, reason, dropped);
      addTo(this.attributed.drops, reason, dropped);
      (memory.drops ??= new Map()).set(reason, count);
    }
    this.foldLimitedSeconds(connection, memory, counts);

    if (!memory.connectLatencySeen && connection.connectLatencyMs !== null) {
      memory.connectLatencySeen = true;
      addSample(changes.connectLatencies, series.labels, connection.connectLatencyMs / 1000);
    }
    if (connection.closedAtMs === null) {
      series.lastOpenAtMs = atMs;
      addTo(series.openConnections, connection.state, 1);
      if (connection.srttMs !== null && sent + received > 0) {
        addSample(changes.roundTripTimes, series.labels, connection.srttMs / 1000);
      }
    }
  }

  private foldLimitedSeconds(connection: ConnectionSnapshot, memory: ConnectionMemory, counts: TrafficCounts): void {
    const limitedSeconds = connection.limit?.limitedSeconds;
    if (limitedSeconds === undefined || limitedSeconds === memory.limitedSeconds) return;
    for (const [verdict, seconds] of Object.entries(limitedSeconds) as [keyof LimitedSeconds, number][]) {
      const grown = growth(seconds, memory.limitedSeconds?.[verdict] ?? 0);
      if (grown > 0) addTo(counts.limitedSeconds, verdict, grown);
    }
    memory.limitedSeconds = limitedSeconds;
  }

  private seriesOf(connection: ConnectionSnapshot, memory: ConnectionMemory, listeningPorts: ReadonlySet<string>, atMs: number): TrafficSeries {
    const { owner } = connection;
    if (memory.seriesKey !== null && memory.comm === owner.comm && memory.container === owner.container) {
      // Gone only when retention dropped it while a closed connection of it stayed in the table.
      const kept = this.seriesByKey.get(memory.seriesKey);
      if (kept !== undefined) return kept;
    }
    const peer = this.peerLabelLimit === 0 ? null : peerLabels(connection, listeningPorts);
    const series = this.seriesFor(ownerLabels(owner, peer, connection.protocol), atMs);
    memory.comm = owner.comm;
    memory.container = owner.container;
    memory.seriesKey = series.key;
    return series;
  }

  /** The series of these labels, created if new — under `OTHER_PEER` once the peer label limit is reached. */
  private seriesFor(labels: SeriesLabels, atMs: number): TrafficSeries {
    const key = seriesKey(labels);
    const existing = this.seriesByKey.get(key);
    if (existing !== undefined) return existing;
    if (this.isPeerSpecific(labels.peer)) {
      if (this.peerSeriesCount >= this.peerLabelLimit) return this.seriesFor({ ...labels, peer: OTHER_PEER }, atMs);
      this.peerSeriesCount++;
    }
    const series: TrafficSeries = { key, labels, counts: zeroCounts(), openConnections: new Map(), lastOpenAtMs: atMs };
    this.seriesByKey.set(key, series);
    return series;
  }

  private isPeerSpecific(peer: PeerLabels | null): boolean {
    return peer !== null && peer !== OTHER_PEER;
  }

  /**
   * Puts what the capture totals hold beyond the connections' own growth on the unattributed
   * series. Never less than before, so it stays monotonic. Resets are left out: the model counts
   * a reset in its totals at once but may give it to a connection only later, when the socket
   * shows up, and it would be counted twice.
   */
  private foldRemainders(snapshot: ModelSnapshot): void {
    const grown = zeroCounts();
    for (const counter of REMAINDER_COUNTERS) {
      const remainder = Math.max(this.remainder[counter], snapshot.totals[counter] - this.attributed[counter]);
      grown[counter] = remainder - this.remainder[counter];
      this.remainder[counter] = remainder;
    }
    for (const { reason, count } of snapshot.drops) {
      const previous = this.remainder.drops.get(reason) ?? 0;
      const remainder = Math.max(previous, count - (this.attributed.drops.get(reason) ?? 0));
      if (remainder > previous) grown.drops.set(reason, remainder - previous);
      this.remainder.drops.set(reason, remainder);
    }
    if (grown.bytesSent + grown.bytesReceived + grown.retransmits === 0 && grown.drops.size === 0) return;
    const { counts } = this.seriesFor(UNATTRIBUTED, snapshot.atMs);
    counts.bytesSent += grown.bytesSent;
    counts.bytesReceived += grown.bytesReceived;
    counts.retransmits += grown.retransmits;
    for (const [reason, dropped] of grown.drops) addTo(counts.drops, reason, dropped);
  }
}
