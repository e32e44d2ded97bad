import type { Endpoints, OwnerRecord, TaskOwner, TcpCounters, TcpStateNumber } from './records.js';
import type { ConnectionSnapshot, DropCount } from './snapshot-types.js';
import type { OwnerSnapshots } from './owner-snapshots.js';
import type { TupleIndexed } from './tuple-index.js';
import { DropCounter } from './drop-counter.js';
import { SocketOwner } from './socket-owner.js';
import { StateHistory } from './state-history.js';
import { tcpStateName } from './tcp-states.js';
import { endpointsKey } from './tuple-index.js';

/** Shared by every connection without drops (nearly all): snapshots are never mutated. */
const NO_DROPS: readonly DropCount[] = Object.freeze([]);

/**
 * One connection's mutable state inside the model. Every field is set in the constructor so all
 * entries share one shape, and updates on the ingest path write numbers in place.
 */
export class ConnectionEntry implements TupleIndexed {
  readonly family: Endpoints['family'];
  /** Local address and port: connect() reports SYN_SENT before the kernel binds them, so they may arrive later. */
  saddr: string;
  sport: number;
  readonly daddr: string;
  readonly dport: number;
  readonly netns: number;
  /**
   * Null while the local port is unknown: no packet carries port 0. Indexing every connecting
   * socket under one such key made V8's Map keep each removed entry in that key's bucket chain
   * until the table next filled, and lookups walked thousands of them (a fifth of netscope's CPU
   * under connection churn).
   */
  tupleKey: string | null;
  readonly owner = new SocketOwner();
  readonly history: StateHistory;

  /** Open before the capture started: its bytes count from `firstSeenAtMs`. */
  preexisting: boolean;
  readonly firstSeenAtMs: number;
  openedAtMs: number;
  closedAtMs: number | null = null;
  /** Latest time any record about this socket (by cookie) was stamped with. */
  lastActivityAtMs: number;

  // Cumulative kernel counters: the highest value seen, since records arrive out of order.
  private bytesAckedPeak = 0;
  private bytesReceivedPeak = 0;
  private segsOutPeak = 0;
  private segsInPeak = 0;
  private totalRetransPeak = 0;
  // Counters at first sight of a preexisting connection (all 0 for one born during the capture).
  private baselineKnown: boolean;
  private bytesAckedBaseline = 0;
  private bytesReceivedBaseline = 0;
  private segsOutBaseline = 0;
  private segsInBaseline = 0;
  private totalRetransBaseline = 0;
  private srttUs = 0;
  private srttAtMs = -Infinity;

  retransmitRecords = 0;
  resetsSent = 0;
  resetsReceived = 0;
  /** Drop records attributed to this connection (allocated by the first one: most have none). */
  private drops: DropCounter | null = null;

  /** Bytes/s over the last tick. */
  sendRate = 0;
  receiveRate = 0;
  private bytesSentAtLastTick = 0;
  private bytesReceivedAtLastTick = 0;

  // What changed since the last published snapshot. The parts that did not change are reused
  // from it, so a busy tick allocates little beyond the connections whose numbers moved.
  private changed = true;
  private ownerChanged = true;
  private historyChanged = true;
  private dropsChanged = true;
  private published: ConnectionSnapshot | null = null;

  constructor(
    readonly cookie: number,
    endpoints: Endpoints,
    options: { preexisting: boolean; atMs: number; maxStateHistory: number },
  ) {
    this.family = endpoints.family;
    this.saddr = endpoints.saddr;
    this.sport = endpoints.sport;
    this.daddr = endpoints.daddr;
    this.dport = endpoints.dport;
    this.netns = endpoints.netns;
    this.tupleKey = endpoints.sport === 0 ? null : endpointsKey(endpoints);
    this.history = new StateHistory(options.maxStateHistory);
    this.preexisting = options.preexisting;
    this.baselineKnown = !options.preexisting;
    this.firstSeenAtMs = options.atMs;
    this.openedAtMs = options.atMs;
    this.lastActivityAtMs = options.atMs;
  }

  /** True when the record knows the local port this entry was created without. */
  learnsLocalEndpoint(endpoints: Endpoints): boolean {
    return this.sport === 0 && endpoints.sport !== 0;
  }

  /** Takes the local side bound after connect() (see `saddr`); the caller re-indexes the tuple. */
  adoptLocalEndpoint(endpoints: Endpoints): void {
    this.saddr = endpoints.saddr;
    this.sport = endpoints.sport;
    this.tupleKey = endpointsKey(endpoints);
    this.changed = true;
  }

  get isOpen(): boolean {
    return this.closedAtMs === null;
  }

  get bytesSent(): number {
    return this.bytesAckedPeak - this.bytesAckedBaseline;
  }

  get bytesReceived(): number {
    return this.bytesReceivedPeak - this.bytesReceivedBaseline;
  }

  get segmentsSent(): number {
    return this.segsOutPeak - this.segsOutBaseline;
  }

  get segmentsReceived(): number {
    return this.segsInPeak - this.segsInBaseline;
  }

  /** Smoothed RTT in ms, null until measured. */
  get srttMs(): number | null {
    return this.srttUs === 0 ? null : this.srttUs / 1000;
  }

  get dropCount(): number {
    return this.drops === null ? 0 : this.drops.total;
  }

  /** The kernel's count when it is higher, else the retransmits we saw one by one. */
  get retransmits(): number {
    return Math.max(this.totalRetransPeak - this.totalRetransBaseline, this.retransmitRecords);
  }

  noteActivity(atMs: number): void {
    if (atMs > this.lastActivityAtMs) this.lastActivityAtMs = atMs;
  }

  foldCounters(counters: TcpCounters, atMs: number): void {
    if (!this.baselineKnown) {
      this.baselineKnown = true;
      this.bytesAckedBaseline = counters.bytesAcked;
      this.bytesReceivedBaseline = counters.bytesReceived;
      this.segsOutBaseline = counters.segsOut;
      this.segsInBaseline = counters.segsIn;
      this.totalRetransBaseline = counters.totalRetrans;
    }
    let changed = false;
    if (counters.bytesAcked > this.bytesAckedPeak) {
      this.bytesAckedPeak = counters.bytesAcked;
      changed = true;
    }
    if (counters.bytesReceived > this.bytesReceivedPeak) {
      this.bytesReceivedPeak = counters.bytesReceived;
      changed = true;
    }
    if (counters.segsOut > this.segsOutPeak) {
      this.segsOutPeak = counters.segsOut;
      changed = true;
    }
    if (counters.segsIn > this.segsInPeak) {
      this.segsInPeak = counters.segsIn;
      changed = true;
    }
    if (counters.totalRetrans > this.totalRetransPeak) {
      this.totalRetransPeak = counters.totalRetrans;
      changed = true;
    }
    // 0 means "not measured yet", so it never replaces a measurement.
    if (counters.srttUs !== 0 && atMs >= this.srttAtMs) {
      if (counters.srttUs !== this.srttUs) changed = true;
      this.srttUs = counters.srttUs;
      this.srttAtMs = atMs;
    }
    if (changed) this.changed = true;
  }

  adoptOwner(owner: TaskOwner | OwnerRecord): void {
    this.owner.adopt(owner);
    this.changed = true;
    this.ownerChanged = true;
  }

  noteSampleUid(uid: number): void {
    if (this.owner.sampleUid === uid) return;
    this.owner.sampleUid = uid;
    this.changed = true;
    this.ownerChanged = true;
  }

  /**
   * The connection turned out to be born during the capture (its opening event was stamped
   * before we first saw it): everything it moved counts.
   */
  markBornAt(atMs: number): void {
    this.preexisting = false;
    this.baselineKnown = true;
    this.bytesAckedBaseline = 0;
    this.bytesReceivedBaseline = 0;
    this.segsOutBaseline = 0;
    this.segsInBaseline = 0;
    this.totalRetransBaseline = 0;
    this.openedAtMs = atMs;
    this.changed = true;
  }

  recordState(state: TcpStateNumber, atMs: number): void {
    if (!this.history.record(state, atMs)) return;
    this.changed = true;
    this.historyChanged = true;
  }

  /** Returns true when this closes the connection (false if it was closed already). */
  close(atMs: number): boolean {
    this.changed = true;
    if (this.closedAtMs !== null) {
      // A sweep closes at the end of its pass; the kernel's own close event is earlier and exact.
      if (atMs < this.closedAtMs) this.closedAtMs = atMs;
      return false;
    }
    this.closedAtMs = atMs;
    return true;
  }

  addDrop(reason: string): void {
    this.drops ??= new DropCounter();
    this.drops.add(reason);
    this.changed = true;
    this.dropsChanged = true;
  }

  addResets(direction: 'sent' | 'received', count = 1): void {
    if (direction === 'sent') this.resetsSent += count;
    else this.resetsReceived += count;
    this.changed = true;
  }

  addRetransmit(): void {
    this.retransmitRecords++;
    this.changed = true;
  }

  /** Folds the bytes moved since the previous tick into rates, `elapsedS` seconds later. */
  updateRates(elapsedS: number): void {
    const bytesSent = this.bytesSent;
    const bytesReceived = this.bytesReceived;
    const sendRate = elapsedS > 0 ? (bytesSent - this.bytesSentAtLastTick) / elapsedS : 0;
    const receiveRate = elapsedS > 0 ? (bytesReceived - this.bytesReceivedAtLastTick) / elapsedS : 0;
    if (sendRate !== this.sendRate || receiveRate !== this.receiveRate) this.changed = true;
    this.sendRate = sendRate;
    this.receiveRate = receiveRate;
    this.bytesSentAtLastTick = bytesSent;
    this.bytesReceivedAtLastTick = bytesReceived;
  }

  /**
   * The connection as published. An unchanged connection returns the object it published last
   * tick: snapshots share what did not change and are never mutated. `ownerDetailsChanged`:
   * the owner's process or cgroup was described anew since.
   */
  toSnapshot(owners: OwnerSnapshots, ownerDetailsChanged: boolean): ConnectionSnapshot {
    const previous = this.published;
    if (previous !== null && !this.changed && !ownerDetailsChanged) return previous;
    const owner = previous === null || this.ownerChanged || ownerDetailsChanged ? owners.of(this.owner) : previous.owner;
    const stateHistory = previous === null || this.historyChanged ? this.history.toStays() : previous.stateHistory;
    const drops = previous === null || this.dropsChanged ? (this.drops?.toSorted() ?? NO_DROPS) : previous.drops;
    this.changed = this.ownerChanged = this.historyChanged = this.dropsChanged = false;
    this.published = {
      id: this.cookie,
      family: this.family,
      saddr: this.saddr,
      sport: this.sport,
      daddr: this.daddr,
      dport: this.dport,
      netns: this.netns,
      owner,
      state: tcpStateName(this.history.current),
      stateHistory,
      openedAtMs: this.openedAtMs,
      closedAtMs: this.closedAtMs,
      bytesSent: this.bytesSent,
      bytesReceived: this.bytesReceived,
      segmentsSent: this.segmentsSent,
      segmentsReceived: this.segmentsReceived,
      sendRate: this.sendRate,
      receiveRate: this.receiveRate,
      retransmits: this.retransmits,
      resetsSent: this.resetsSent,
      resetsReceived: this.resetsReceived,
      drops,
      srttMs: this.srttMs,
      // Only a connection born during the capture had its SYN_SENT stay seen from the start.
      connectLatencyMs: this.preexisting ? null : this.history.handshakeMs(),
      preexisting: this.preexisting,
    };
    return this.published;
  }
}
