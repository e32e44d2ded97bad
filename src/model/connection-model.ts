import type {
  DropRecord,
  Endpoints,
  ModelRecord,
  NatRecord,
  OwnerRecord,
  ResetRecord,
  RetransmitRecord,
  SocketSampleRecord,
  StateChangeRecord,
  SweepRecord,
  TcpStateNumber,
  UdpFlowRecord,
  UdpSocketRecord,
} from './records.js';
import type { ConnectionSnapshot, ModelSnapshot } from './snapshot-types.js';
import type { TableSums } from './capture-totals.js';
import { CaptureTotals, zeroTotals } from './capture-totals.js';
import { ConnectionColumns } from './connection-columns.js';
import { FlowLimitTracker } from './flow-limit-tracker.js';
import { ConnectionEntry } from './connection-entry.js';
import { ContainerTable } from './container-table.js';
import { EventLog } from './event-log.js';
import { emptyHostGauges } from './gauges-snapshot.js';
import { HostGaugesTable } from './host-gauges-table.js';
import { CapacityEviction, closedPastRetention } from './eviction-policy.js';
import { IntegerMap } from './integer-map.js';
import { ListenerTable } from './listener-table.js';
import { OwnerSnapshots } from './owner-snapshots.js';
import { PeerNameTable } from './peer-names.js';
import { PendingResets } from './pending-resets.js';
import { ProcessTable } from './process-table.js';
import { RateHistory } from './rate-history.js';
import { TcpState } from './records.js';
import { isOpeningState, isTimewaitSample, lifecycleRank } from './tcp-states.js';
import { aggregateByContainer, aggregateByProcess, peersOf } from './traffic-aggregation.js';
import { TupleIndex } from './tuple-index.js';
import { UdpFlowEntry } from './udp-flow-entry.js';
import { UdpFlowIndex } from './udp-flow-index.js';

/** Memory bounds of the model. */
export interface ModelOptions {
  /** How long a closed connection stays visible after it closed, in ms. Default 60_000. */
  closedRetentionMs: number;
  /** Most closed connections kept; the earliest closed are evicted first. Default 10_000. */
  maxClosedConnections: number;
  /**
   * Hard cap on the connection table, open and closed. A new connection beyond it evicts the
   * earliest closed one, else the open one idle longest. Default 200_000.
   */
  maxConnections: number;
  /** State stays kept per connection: the first and the most recent. Default 32. */
  maxStateHistory: number;
  /** Rate points kept, one per tick. Default 60. */
  rateHistoryLength: number;
  /** Discrete events kept for the Events pane. Default 1_000. */
  eventLogLength: number;
  /** Cgroups whose container is remembered; past it, those no socket refers to go. Default 10_000. */
  maxCgroups: number;
  /**
   * A UDP flow with no datagram either way for this long, in ms, closes (and then leaves with
   * the closed connections); a datagram after that opens it again. Default 30_000, conntrack's
   * timeout for a UDP flow that saw no reply.
   */
  udpFlowIdleMs: number;
}

export const defaultModelOptions: Readonly<ModelOptions> = {
  closedRetentionMs: 60_000,
  maxClosedConnections: 10_000,
  maxConnections: 200_000,
  maxStateHistory: 32,
  rateHistoryLength: 60,
  eventLogLength: 1_000,
  maxCgroups: 10_000,
  udpFlowIdleMs: 30_000,
};

/**
 * What the model knows of one connection right now, between ticks: its local side (bound after
 * a connect's SYN_SENT), its owner as far as resolved, and its counters — exact at its close.
 */
export type ConnectionDescription = Pick<
  ConnectionSnapshot,
  | 'id'
  | 'saddr'
  | 'sport'
  | 'owner'
  | 'preexisting'
  | 'openedAtMs'
  | 'closedAtMs'
  | 'bytesSent'
  | 'bytesReceived'
  | 'segmentsSent'
  | 'segmentsReceived'
  | 'retransmits'
  | 'srttMs'
  | 'nat'
  | 'limit'
  | 'peerName'
>;

function emptySnapshot(): ModelSnapshot {
  return {
    atMs: 0,
    startedAtMs: 0,
    totals: zeroTotals(),
    connections: [],
    listeners: [],
    processes: [],
    peers: [],
    containers: [],
    containerStateProblems: {},
    drops: [],
    rateHistory: [],
    events: [],
    gauges: emptyHostGauges(),
  };
}

/**
 * The in-memory model: ingests typed records, and at each tick folds them into rates, evicts
 * by policy and publishes an immutable snapshot. Pure and deterministic: time comes only from
 * the records and from `tick`.
 */
export class ConnectionModel {
  private readonly options: ModelOptions;
  private readonly connections = new IntegerMap<ConnectionEntry>();
  /**
   * `connections` by cookie, until one comes or goes. A settled table (every idle connection of a
   * busy host) then makes no table-sized arrays a tick: each was 320 KB at 40,000 sockets,
   * allocated straight into the old generation.
   */
  private entriesInOrder: ConnectionEntry[] | null = null;
  private readonly columns = new ConnectionColumns();
  private readonly flowLimits = new FlowLimitTracker();
  private readonly closedConnections = new IntegerMap<ConnectionEntry>();
  private readonly listeners = new ListenerTable();
  private readonly tuples = new TupleIndex<ConnectionEntry>();
  private readonly processes = new ProcessTable();
  private readonly containers: ContainerTable;
  private readonly pendingResets = new PendingResets();
  private readonly capacityEviction: CapacityEviction;
  private readonly totals = new CaptureTotals();
  private readonly rateHistory: RateHistory;
  private readonly eventLog: EventLog;
  private readonly gauges = new HostGaugesTable();
  private readonly udpFlows = new UdpFlowIndex();
  private readonly peerNames = new PeerNameTable();

  /**
   * The highest cookie evicted so far. Cookies only grow, so a timewait sock with a cookie up
   * to it most likely belongs to a row already evicted: it does not come back as a new one,
   * which under churn would be evicted again at the next tick, and created again after it.
   */
  private highestEvictedCookie = 0;
  /** The capture's start: the first record's time, or the first tick's. */
  private startedAtMs: number | null = null;
  private lastTickAtMs: number | null = null;
  private published = emptySnapshot();

  constructor(options: Partial<ModelOptions> = {}) {
    this.options = { ...defaultModelOptions, ...options };
    this.capacityEviction = new CapacityEviction(Math.max(1, Math.ceil(this.options.maxConnections / 20)));
    this.rateHistory = new RateHistory(this.options.rateHistoryLength);
    this.eventLog = new EventLog(this.options.eventLogLength);
    this.containers = new ContainerTable(this.options.maxCgroups);
  }

  /** The last published snapshot (an empty one before the first tick). */
  get snapshot(): ModelSnapshot {
    return this.published;
  }

  /**
   * The connection with this socket cookie as the table holds it now, null when it holds none
   * (a listener, cookie 0, an evicted connection). Reads only: the event stream describes each
   * record's connection right after the record was ingested, without waiting for a tick.
   */
  describe(cookie: number): ConnectionDescription | null {
    const connection = this.connections.get(cookie);
    if (connection === undefined) return null;
    return {
      id: connection.cookie,
      saddr: connection.saddr,
      sport: connection.sport,
      owner: connection.owner.toSnapshot(this.processes, this.containers),
      preexisting: connection.preexisting,
      openedAtMs: connection.openedAtMs,
      closedAtMs: connection.closedAtMs,
      bytesSent: connection.bytesSent,
      bytesReceived: connection.bytesReceived,
      segmentsSent: connection.segmentsSent,
      segmentsReceived: connection.segmentsReceived,
      retransmits: connection.retransmits,
      srttMs: connection.srttMs,
      nat: connection.nat,
      limit: connection.limit,
      // Looked up now, without adopting it: a connect's event line comes before the next tick.
      peerName: connection.peerName ?? this.peerNames.lookup(connection.netns, connection.daddr, connection.owner.cgroupId, connection.openedAtMs),
    };
  }

  /**
   * The socket cookie of the connection a reset or drop counts toward: the record's own, or for
   * a packet the kernel had no socket for, the connection on its tuple; 0 when there is none.
   * Reads only.
   */
  connectionCookieOf(record: ResetRecord | DropRecord): number {
    if (record.cookie !== 0) return record.cookie;
    return this.connectionWithoutCookie(record)?.cookie ?? 0;
  }

  /** The id of the UDP flow the record counts, 0 when the table holds none. Reads only. */
  udpFlowIdOf(record: UdpFlowRecord): number {
    return this.udpFlows.find(record)?.cookie ?? 0;
  }

  /**
   * Folds one record in. Records may arrive somewhat out of order (events and samples travel
   * separate paths). The hot path: a record about a known socket allocates nothing.
   */
  ingest(record: ModelRecord): void {
    this.startedAtMs ??= record.atMs;
    switch (record.kind) {
      case 'state':
        this.eventLog.push(record);
        return this.ingestStateChange(record);
      case 'sample':
        return this.ingestSample(record);
      case 'retransmit':
        this.eventLog.push(record);
        return this.ingestRetransmit(record);
      case 'reset':
        this.eventLog.push(record);
        return this.ingestReset(record);
      case 'drop':
        return this.eventLog.push(record, this.ingestDrop(record));
      case 'owner':
        return this.ingestOwner(record);
      case 'container':
        return this.containers.update(record);
      case 'sweep':
        return this.ingestSweep(record);
      case 'lost':
        return this.totals.noteLostEvents(record.total);
      case 'gauges':
        return this.gauges.ingest(record);
      case 'nat':
        return this.ingestNat(record);
      case 'udpFlow':
        return this.ingestUdpFlow(record);
      case 'udpSocket':
        return this.ingestUdpSocket(record);
      case 'udpRefused':
        return this.totals.noteUdpFlowsRefused(record.total);
      case 'name':
        return this.peerNames.add(record);
    }
  }

  private ingestUdpFlow(record: UdpFlowRecord): void {
    let flow = this.udpFlows.find(record);
    if (flow === undefined) {
      flow = this.createUdpFlow(record);
    } else if (!flow.isOpen) {
      const closedAtMs = flow.closedAtMs as number;
      if (record.counters.lastPacketAtMs <= closedAtMs) return;
      flow.reopen();
      this.recordState(flow, TcpState.ESTABLISHED, record.counters.lastPacketAtMs);
      this.closedConnections.delete(flow.cookie);
    }
    flow.learnNetns(record.endpoints.netns);
    flow.foldUdpCounters(record.counters);
    flow.noteActivity(record.atMs);
    if (record.owner !== null && !flow.owner.settled) flow.adoptOwner(record.owner);
    if (record.socketClosed) {
      this.recordState(flow, TcpState.CLOSE, record.atMs);
      this.closeConnection(flow, record.atMs);
    }
  }

  private createUdpFlow(record: UdpFlowRecord): UdpFlowEntry {
    this.makeRoom();
    const flow = new UdpFlowEntry(this.udpFlows.idFor(record), record, this.options.maxStateHistory, this.columns);
    this.connections.set(flow.cookie, flow);
    this.entriesInOrder = null;
    this.udpFlows.add(flow);
    const sample = this.udpFlows.sampleOf(record.cookie);
    if (sample !== undefined) flow.applySocketSample(sample);
    const owner = this.udpFlows.ownerOf(record.cookie);
    if (owner !== undefined) flow.adoptOwner(owner);
    return flow;
  }

  private ingestUdpSocket(record: UdpSocketRecord): void {
    this.udpFlows.noteSample(record);
    for (const flow of this.udpFlows.flowsOf(record.cookie)) if (flow.isOpen) flow.applySocketSample(record);
    if (record.listening) this.listeners.sampleUdp(record);
  }

  /** Closes the UDP flows that saw no datagram for `udpFlowIdleMs`. */
  private ageUdpFlows(nowMs: number): void {
    const idleSinceMs = nowMs - this.options.udpFlowIdleMs;
    for (const flow of this.udpFlows.all()) {
      if (!flow.isOpen || flow.lastPacketAt >= idleSinceMs) continue;
      this.recordState(flow, TcpState.CLOSE, nowMs);
      this.closeConnection(flow, nowMs);
    }
  }

  /** A translation for a connection no longer in the table is of no use: nothing shows it. */
  private ingestNat(record: NatRecord): void {
    const { destination, originalDestination, direction, table, udpPeer } = record;
    // A UDP flow's id is not its socket's cookie when the socket is unconnected: the peer finds it.
    const entry = udpPeer === undefined ? this.connections.get(record.cookie) : this.udpFlows.findPeer(record.cookie, udpPeer);
    entry?.adoptNat({ destination, originalDestination, direction, table });
  }

  private ingestStateChange(record: StateChangeRecord): void {
    if (record.cookie === 0) return;
    if (record.newState === TcpState.LISTEN) return this.listeners.listen(record);
    // A listener leaves LISTEN only for CLOSE; LISTEN → SYN_RECV is a new child socket (its own
    // cookie) cloned from the listener for an incoming connection.
    if (record.oldState === TcpState.LISTEN && record.newState === TcpState.CLOSE) return this.listeners.remove(record.cookie);
    const opening = isOpeningState(record.oldState);
    let connection = this.connections.get(record.cookie);
    if (connection === undefined) {
      connection = this.createConnection(record.cookie, record.endpoints, record.atMs, !opening);
      if (opening) this.totals.connectionsOpened++;
    } else {
      this.learnLocalEndpoint(connection, record.endpoints);
      // Nothing follows a close; earlier events arriving late still fill in the history. A
      // birth and the owner still count: recordings made before the samples were stamped by the
      // events' clock closed a row at its timewait sock's whole-ms time, and the events of its
      // whole life could be stamped a moment after.
      if (connection.closedAtMs !== null && record.atMs > connection.closedAtMs) {
        if (opening) this.noteOpening(connection, record);
        if (record.owner !== null && !connection.owner.settled) connection.adoptOwner(record.owner);
        return;
      }
      if (opening) this.noteOpening(connection, record);
      connection.noteActivity(record.atMs);
    }
    connection.foldCounters(record.counters, record.atMs);
    // The task that connects is the owner; other changes (close, softirq) only fill a gap.
    if (record.owner !== null && (!connection.owner.settled || record.newState === TcpState.SYN_SENT)) {
      connection.adoptOwner(record.owner);
    }
    // A close event arriving after its timewait sock was sampled says when that sock began.
    const lingering = record.newState === TcpState.CLOSE && connection.lingers;
    this.recordState(connection, lingering ? connection.currentState : record.newState, record.atMs);
    if (record.newState === TcpState.CLOSE) this.closeConnection(connection, record.atMs);
  }

  /** Any record about the socket may carry the local port bound after its SYN_SENT (a refused connect only has its reset). */
  private learnLocalEndpoint(connection: ConnectionEntry, endpoints: Endpoints): void {
    if (!connection.learnsLocalEndpoint(endpoints)) return;
    this.tuples.remove(connection);
    connection.adoptLocalEndpoint(endpoints);
    this.tuples.add(connection);
  }

  /**
   * An opening event for a connection already in the table. Stamped before we first saw it, it
   * proves the connection was born during the capture: the ring buffer is drained before the
   * sampling pass, but a socket born in between shows up in the sample first.
   */
  private noteOpening(connection: ConnectionEntry, record: StateChangeRecord): void {
    // Leaving CLOSE (connect) or LISTEN (a child cloned for an accept) happens only at birth,
    // whatever the clocks say; SYN_SENT/SYN_RECV → ESTABLISHED can also finish a handshake
    // that began before the capture, so only its time can tell.
    const provesBirth = record.oldState === TcpState.CLOSE || record.oldState === TcpState.LISTEN;
    if (connection.preexisting) {
      if (!provesBirth && record.atMs >= connection.firstSeenAtMs) return;
      connection.markBornAt(Math.min(record.atMs, connection.firstSeenAtMs));
      this.totals.connectionsOpened++;
      // Closed already, it was made from its timewait sock (a pass's events are in before the
      // next pass), whose close was not counted: born during the capture, it closed during it.
      if (connection.closedAtMs !== null) this.totals.connectionsClosed++;
    } else if (record.atMs < connection.openedAtMs) {
      connection.markBornAt(record.atMs);
    }
  }

  private ingestSample(record: SocketSampleRecord): void {
    const timewait = isTimewaitSample(record);
    const connection = this.connections.get(record.cookie);
    if (connection !== undefined) {
      if (timewait) this.applyTimewaitSample(connection, record);
      else if (connection.closedAtMs === null) this.applySample(connection, record);
      return;
    }
    if (record.cookie === 0) return;
    if (record.state === TcpState.LISTEN) return this.listeners.sample(record);
    // A socket sampled in CLOSE is already over: nothing to show.
    if (record.state === TcpState.CLOSE || (timewait && record.cookie <= this.highestEvictedCookie)) return;
    // Rows of timewait socks closed before the capture: a churned host holds a hundred thousand,
    // and made all before the tick evicts them, they grew the table (and its columns) to their
    // number. Past twice the cap the oldest closed rows go at once, as the tick would evict them.
    if (timewait && this.closedConnections.size >= 2 * this.options.maxClosedConnections) {
      for (const oldest of closedPastRetention(this.closedConnections, Number.NEGATIVE_INFINITY, 0, this.options.maxClosedConnections)) this.evict(oldest);
    }
    const created = this.createConnection(record.cookie, record.endpoints, record.atMs, true);
    this.recordState(created, record.state, record.atMs);
    if (!timewait) return this.applySample(created, record);
    // Closed before the capture: a row in the state its timewait sock is in, as if netscope had
    // seen the close (the close itself is not counted: it was not during the capture).
    created.noteActivity(record.atMs);
    created.close(record.atMs);
    this.closedConnections.set(created.cookie, created);
    this.capacityEviction.noteClosed();
  }

  /**
   * The connection's timewait sock: its row moves on to TIME_WAIT (or stays in FIN_WAIT2), owner
   * and counters kept. Without tcp_info, inode or uid, it tells nothing else.
   */
  private applyTimewaitSample(connection: ConnectionEntry, record: SocketSampleRecord): void {
    connection.noteActivity(record.atMs);
    const closedAtMs = connection.closedAtMs;
    if (closedAtMs === null) {
      // Its close event is on its way, was lost, or never comes (the procfs fallback): the
      // connection closed when it became a timewait sock.
      this.recordState(connection, record.state, record.atMs);
      return this.closeConnection(connection, record.atMs);
    }
    if (record.atMs >= closedAtMs) connection.lingerAs(record.state);
  }

  private applySample(connection: ConnectionEntry, record: SocketSampleRecord): void {
    connection.noteActivity(record.atMs);
    if (record.counters !== null) connection.foldCounters(record.counters, record.atMs);
    connection.foldLimits(record, this.flowLimits);
    connection.noteSampleUid(record.uid);
    // State events are authoritative; a sample only moves the state forward (it catches
    // changes whose events were lost, and is the only source in the procfs fallback).
    const current = connection.currentState;
    if (lifecycleRank(record.state) > lifecycleRank(current) && record.atMs > connection.currentStateSinceMs) {
      this.recordState(connection, record.state, record.atMs);
      if (record.state === TcpState.CLOSE) this.closeConnection(connection, record.atMs);
    }
  }

  private ingestRetransmit(record: RetransmitRecord): void {
    if (record.cookie === 0) {
      this.totals.retransmitsWithoutSocket++;
      return;
    }
    let connection = this.connections.get(record.cookie);
    if (connection === undefined) {
      connection = this.createConnection(record.cookie, record.endpoints, record.atMs, true);
      this.recordState(connection, record.state, record.atMs);
    } else {
      this.learnLocalEndpoint(connection, record.endpoints);
      connection.noteActivity(record.atMs);
    }
    connection.foldCounters(record.counters, record.atMs);
    connection.addRetransmit(record.atMs);
  }

  private ingestReset(record: ResetRecord): void {
    this.totals.countReset(record.direction);
    if (record.cookie === 0) {
      this.connectionWithoutCookie(record)?.addResets(record.direction, record.atMs);
      return;
    }
    const connection = this.connections.get(record.cookie);
    if (connection === undefined) return this.pendingResets.add(record);
    this.learnLocalEndpoint(connection, record.endpoints);
    connection.noteActivity(record.atMs);
    if (record.counters !== null) connection.foldCounters(record.counters, record.atMs);
    connection.addResets(record.direction, record.atMs);
  }

  /** Returns the cookie of the connection the drop was credited to (0: none), for the event log. */
  private ingestDrop(record: DropRecord): number {
    this.totals.drops.add(record.reason);
    if (record.cookie === 0) {
      const connection = this.connectionWithoutCookie(record);
      connection?.addDrop(record.reason, record.atMs);
      return connection?.cookie ?? 0;
    }
    const connection = this.connections.get(record.cookie);
    if (connection === undefined) return record.cookie;
    connection.noteActivity(record.atMs);
    connection.addDrop(record.reason, record.atMs);
    return record.cookie;
  }

  /** The connection a reset or drop the kernel had no socket for belongs to, by its tuple (a reset's is local side first). */
  private connectionWithoutCookie(record: ResetRecord | DropRecord): ConnectionEntry | undefined {
    return record.kind === 'reset'
      ? this.tuples.find(record.endpoints.saddr, record.endpoints.sport, record.endpoints.daddr, record.endpoints.dport, record.endpoints.netns)
      : this.connectionForPacket(record.packet);
  }

  /**
   * The local connection a packet belongs to. An incoming packet (its destination is the
   * connection's local side) is the likelier case for a drop, so that match wins.
   */
  private connectionForPacket(packet: Endpoints): ConnectionEntry | undefined {
    return (
      this.tuples.find(packet.daddr, packet.dport, packet.saddr, packet.sport, packet.netns) ??
      this.tuples.find(packet.saddr, packet.sport, packet.daddr, packet.dport, packet.netns)
    );
  }

  private ingestOwner(record: OwnerRecord): void {
    this.processes.update(record);
    if (record.cookie === 0) return;
    if (this.udpFlows.noteOwner(record)) {
      for (const flow of this.udpFlows.flowsOf(record.cookie)) if (!flow.owner.settled) flow.adoptOwner(record);
    }
    const connection = this.connections.get(record.cookie);
    if (connection !== undefined) {
      connection.noteActivity(record.atMs);
      if (!connection.owner.settled) connection.adoptOwner(record);
      return;
    }
    this.listeners.resolveOwner(record);
  }

  /**
   * Closes what a sampling pass no longer found: sockets in the swept namespaces with no record
   * (sample or otherwise) since the pass started; a closed connection's timewait sock that
   * expired leaves its row CLOSE.
   */
  private ingestSweep(record: SweepRecord): void {
    const sweptNetns = new Set(record.netns);
    // forEach, not for-of: an iterator result per connection, every pass, until the optimizing compiler takes the loop.
    this.connections.forEach((connection) => {
      if (connection.lastActivityAtMs >= record.sinceMs || !sweptNetns.has(connection.netns)) return;
      if (connection.isOpen) {
        this.recordState(connection, TcpState.CLOSE, record.atMs);
        this.closeConnection(connection, record.atMs);
      } else if (connection.lingers) {
        // Its timewait sock expired.
        this.recordState(connection, TcpState.CLOSE, record.atMs);
      }
    });
    this.listeners.sweep(record.sinceMs, sweptNetns);
  }

  /**
   * A TCP socket with no owner yet on a listener's port was accepted from it: it shows the
   * listener's owner, marked provisional, until an event or /proc names its own. A socket waiting
   * in the accept queue of a server that stopped accepting is in no process's fd table at all.
   */
  private adoptListenerOwner(entry: ConnectionEntry): void {
    if (entry instanceof UdpFlowEntry || entry.sport === 0) return;
    const listenerOwner = this.listeners.ownerOfPort(entry.netns, entry.sport);
    if (listenerOwner !== null) entry.adoptProvisionalOwner(listenerOwner);
  }

  /** A new connection or flow beyond `maxConnections` evicts one first. */
  private makeRoom(): void {
    if (this.connections.size >= this.options.maxConnections) {
      const victim = this.capacityEviction.take(this.connections, this.closedConnections);
      if (victim !== undefined) this.evict(victim);
    }
  }

  private createConnection(cookie: number, endpoints: Endpoints, atMs: number, preexisting: boolean): ConnectionEntry {
    this.makeRoom();
    const connection = new ConnectionEntry(cookie, endpoints, { preexisting, atMs }, this.columns);
    this.connections.set(cookie, connection);
    this.entriesInOrder = null;
    this.tuples.add(connection);
    const pending = this.pendingResets.take(cookie);
    if (pending !== undefined) {
      // A reset seen before its connection: dated when the connection came to be, the nearest known time.
      connection.addResets('sent', atMs, pending.sent);
      connection.addResets('received', atMs, pending.received);
    }
    return connection;
  }

  /** Records `state` in the connection's history, within the model's limit of stays. */
  private recordState(connection: ConnectionEntry, state: TcpStateNumber, atMs: number): void {
    connection.recordState(state, atMs, this.options.maxStateHistory);
  }

  private closeConnection(connection: ConnectionEntry, atMs: number): void {
    if (!connection.close(atMs)) return;
    // The totals count TCP connections; a UDP flow is no connection opened or closed.
    if (!(connection instanceof UdpFlowEntry)) this.totals.connectionsClosed++;
    this.closedConnections.set(connection.cookie, connection);
    this.capacityEviction.noteClosed();
  }

  private evict(connection: ConnectionEntry): void {
    this.highestEvictedCookie = Math.max(this.highestEvictedCookie, connection.cookie);
    this.connections.delete(connection.cookie);
    this.entriesInOrder = null;
    this.closedConnections.delete(connection.cookie);
    this.tuples.remove(connection);
    this.totals.noteEvicted(connection);
    if (connection instanceof UdpFlowEntry) this.udpFlows.remove(connection);
    connection.release(this.columns, this.flowLimits);
  }

  /** Folds the records since the previous tick into rates, evicts, and publishes a snapshot. */
  tick(nowMs: number): ModelSnapshot {
    this.startedAtMs ??= nowMs;
    const elapsedS = (nowMs - (this.lastTickAtMs ?? this.startedAtMs)) / 1000;
    this.lastTickAtMs = nowMs;

    const { closedRetentionMs, maxClosedConnections } = this.options;
    this.ageUdpFlows(nowMs);
    this.udpFlows.pruneSamples(nowMs - closedRetentionMs);
    for (const expired of closedPastRetention(this.closedConnections, nowMs, closedRetentionMs, maxClosedConnections)) {
      this.evict(expired);
    }
    this.pendingResets.prune(nowMs - closedRetentionMs);

    const entries = (this.entriesInOrder ??= this.connections.valuesArray().sort((a, b) => a.cookie - b.cookie));
    const previous = this.published.connections;
    // The table published last tick while every row is the one it had: readers keep it unchanged.
    let connections: ConnectionSnapshot[] | null = entries.length === previous.length ? null : [];
    const processesChanged = this.processes.takeChanged();
    const containersChanged = this.containers.takeChanged();
    const referenced = { pids: new Set<number>(), cgroupIds: new Set<number>() };
    const owners = new OwnerSnapshots(this.processes, this.containers);
    const tableSums: TableSums = { bytesSent: 0, bytesReceived: 0, retransmits: 0 };
    const nameGeneration = this.peerNames.generation;
    for (let index = 0; index < entries.length; index++) {
      const entry = entries[index]!;
      entry.updateRates(elapsedS);
      if (entry.peerNameGeneration !== nameGeneration) {
        entry.adoptPeerName(this.peerNames.lookup(entry.netns, entry.daddr, entry.owner.cgroupId, nowMs));
        entry.peerNameGeneration = nameGeneration;
      }
      tableSums.bytesSent += entry.bytesSent;
      tableSums.bytesReceived += entry.bytesReceived;
      tableSums.retransmits += entry.retransmits;
      if (entry.owner.pid === null) this.adoptListenerOwner(entry);
      const { pid, cgroupId } = entry.owner;
      if (pid !== null) referenced.pids.add(pid);
      if (cgroupId !== null) referenced.cgroupIds.add(cgroupId);
      const ownerDetailsChanged =
        (pid !== null && (processesChanged.has(pid) || containersChanged.pids.has(pid))) ||
        (cgroupId !== null && containersChanged.cgroupIds.has(cgroupId));
      const snapshot = entry.toSnapshot(owners, ownerDetailsChanged);
      if (connections === null && snapshot !== previous[index]) connections = previous.slice(0, index);
      if (connections !== null) connections.push(snapshot);
    }
    const totals = this.totals.toTotals(tableSums);
    const published = connections ?? previous;

    this.published = {
      atMs: nowMs,
      startedAtMs: this.startedAtMs,
      totals,
      connections: published,
      listeners: this.listeners.toSnapshots(owners, referenced),
      processes: aggregateByProcess(entries, this.processes, this.containers),
      get peers() {
        return peersOf(published);
      },
      containers: aggregateByContainer(entries, this.containers),
      containerStateProblems: this.containers.problemCounts(),
      drops: this.totals.drops.toSorted(),
      rateHistory: this.rateHistory.append(nowMs, elapsedS, totals),
      events: this.eventLog.toEvents((cookie) => {
        const connection = this.connections.get(cookie);
        return connection === undefined ? null : owners.of(connection.owner);
      }),
      gauges: this.gauges.toSnapshot((pid) => this.processes.get(pid)?.comm ?? null),
    };
    this.processes.prune(referenced.pids, nowMs - closedRetentionMs);
    this.containers.prune(referenced);
    return this.published;
  }
}
