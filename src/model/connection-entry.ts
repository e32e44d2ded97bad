import type { Endpoints, OwnerRecord, SocketSampleRecord, TaskOwner, TcpCounters, TcpStateNumber } from './records.js';
import type { ConnectionSnapshot, DropCount, NatSnapshot, PeerName, StateStay, UdpFlowSnapshot } from './snapshot-types.js';
import type { OwnerSnapshots } from './owner-snapshots.js';
import type { TupleIndexed } from './tuple-index.js';
import { ConnectionColumns as C, type ConnectionColumns } from './connection-columns.js';
import { RowBlocks } from './row-blocks.js';
import { DropCounter } from './drop-counter.js';
import { dropClassOf } from './drop-classes.js';
import { NO_PROBLEM_TIMES, ProblemTrail, type ProblemEvent, type ProblemKind } from './problem-trail.js';
import type { FlowLimitSnapshot, FlowLimitTracker } from './flow-limit-tracker.js';
import { SocketOwner } from './socket-owner.js';
import { PublishedConnection, type LiveFields } from './published-connection.js';
import { NO_STAYS, currentState, currentStateSinceMs, handshakeMs, publishedStays, recordStay, reviseLatestStay, type HistoryHolder } from './state-history.js';
import { TcpState } from './records.js';
import { tcpStateName } from './tcp-states.js';

/** Shared by every connection without drops (nearly all): snapshots are never mutated. */
const NO_DROPS: readonly DropCount[] = Object.freeze([]);
/** Shared by every connection without problems, as NO_DROPS. */
const NO_PROBLEM_EVENTS: readonly ProblemEvent[] = Object.freeze([]);

// One small-integer field holds the entry's yes/no facts: as separate fields they cost 8 bytes
// each, on every connection in the table.
/** Something published changed since the last snapshot. */
const CHANGED = 1;
const OWNER_CHANGED = 2;
const HISTORY_CHANGED = 4;
const DROPS_CHANGED = 8;
const PROBLEMS_CHANGED = 128;
const ALL_CHANGED = CHANGED | OWNER_CHANGED | HISTORY_CHANGED | DROPS_CHANGED | PROBLEMS_CHANGED;
/** Open before the capture started: its bytes count from `firstSeenAtMs`. */
const PREEXISTING = 16;
// Cumulative kernel counters are kept as the highest value seen, since records arrive out of
// order; their baselines are the counters at first sight of a preexisting connection (all 0
// for one born during the capture).
const BASELINE_KNOWN = 32;
const IPV6 = 64;
/** Its published row still reads its fields from it: it detaches the row before it changes one. */
const PUBLISHED_LIVE = 256;

/**
 * One connection's mutable state inside the model. Every field is set in the constructor so all
 * entries share one shape; its times, counters and rates live in its row of the table's
 * columns (see ConnectionColumns), where the ingest path writes them in place, and its state
 * history is two fields here (see state-history.ts). The table holds one entry per connection, so
 * each other field left here is one the snapshot needs by reference. Its published row reads it in
 * place until it changes (see published-connection.ts): whatever changes a field the row reads
 * calls `willChange` first.
 */
export class ConnectionEntry implements TupleIndexed, HistoryHolder, LiveFields {
  /** Local address and port: connect() reports SYN_SENT before the kernel binds them, so they may arrive later. */
  saddr: string;
  sport: number;
  readonly daddr: string;
  readonly dport: number;
  private currentOwner = SocketOwner.UNKNOWN;
  /** Its state history (see state-history.ts): only that module's functions change these two. */
  stays: readonly StateStay[] = NO_STAYS;
  historyBits = 0;

  /** This connection's row in the table's columns, released when it leaves the table. */
  private readonly row: number;
  /** The block of the columns that holds the row. Where the row starts in it is computed, not kept: a field is 8 bytes on every connection. */
  private readonly values: Float64Array;
  /** The bits above: what changed since the last published snapshot, and the connection's facts. */
  private flags: number;
  /** Drop records attributed to this connection (allocated by the first one: most have none). */
  private drops: DropCounter | null = null;
  /** Its problems: counts, times and last events (allocated by the first problem: most connections have none). */
  private trail: ProblemTrail | null = null;
  /** The translated destination conntrack recorded; null for the many connections without NAT. */
  private translation: NatSnapshot | null = null;
  /** What limited its sending over its last judged interval; null until two samples with limit counters came. */
  private limitVerdict: FlowLimitSnapshot | null = null;
  /** Its row among the flow-limit tracker's interval starts; -1 until its first sample with limit counters. */
  private limitRow = -1;
  // An unchanged connection publishes the row it published last tick, and a changed one reuses
  // the row's references that did not change, so a busy tick allocates little beyond the
  // connections whose numbers moved.
  private published: PublishedConnection | null = null;
  /** The remote address's name once one was known; kept when the name table later forgets it. */
  private knownPeerName: PeerName | null = null;
  /** The name table's generation this connection last looked its name up at (-1: never). */
  peerNameGeneration = -1;

  constructor(
    cookie: number,
    endpoints: Endpoints,
    options: { preexisting: boolean; atMs: number },
    columns: ConnectionColumns,
  ) {
    this.saddr = endpoints.saddr;
    this.sport = endpoints.sport;
    this.daddr = endpoints.daddr;
    this.dport = endpoints.dport;
    this.flags =
      ALL_CHANGED | (options.preexisting ? PREEXISTING : BASELINE_KNOWN) | (endpoints.family === 'ipv6' ? IPV6 : 0);
    this.row = columns.allocate();
    const values = columns.blockOf(this.row);
    const base = this.base;
    this.values = values;
    values[base + C.COOKIE] = cookie;
    values[base + C.NETNS] = endpoints.netns;
    values[base + C.FIRST_SEEN_AT_MS] = options.atMs;
    values[base + C.OPENED_AT_MS] = options.atMs;
    values[base + C.LAST_ACTIVITY_AT_MS] = options.atMs;
    values[base + C.SRTT_AT_MS] = -Infinity;
  }

  /** The connection left the table: its rows go back, and nothing reads it again. */
  release(columns: ConnectionColumns, flowLimits: FlowLimitTracker): void {
    this.willChange();
    columns.release(this.row);
    if (this.limitRow !== -1) flowLimits.release(this.limitRow);
  }

  /** Where the row starts in `values`. */
  private get base(): number {
    return RowBlocks.offsetIn(this.row, C.FIELDS);
  }

  private get(field: number): number {
    return this.values[this.base + field] as number;
  }

  private set(field: number, value: number): void {
    this.values[this.base + field] = value;
  }

  private has(flag: number): boolean {
    return (this.flags & flag) !== 0;
  }

  /** Marks the published snapshot stale (for subclasses whose own facts changed). */
  protected noteChanged(): void {
    this.note(CHANGED);
  }

  private note(flags: number): void {
    this.flags |= flags;
  }

  /** Called before a field its published row reads changes: the row keeps what it published. */
  private willChange(): void {
    if (!this.has(PUBLISHED_LIVE)) return;
    this.flags &= ~PUBLISHED_LIVE;
    this.published?.detach();
  }

  get protocol(): ConnectionSnapshot['protocol'] {
    return 'tcp';
  }

  get cookie(): number {
    return this.get(C.COOKIE);
  }

  get netns(): number {
    return this.get(C.NETNS);
  }

  get family(): Endpoints['family'] {
    return this.has(IPV6) ? 'ipv6' : 'ipv4';
  }

  /** Open before the capture started: its bytes count from `firstSeenAtMs`. */
  get preexisting(): boolean {
    return this.has(PREEXISTING);
  }

  get resetsSent(): number {
    return this.trail?.resetsSent ?? 0;
  }

  get resetsReceived(): number {
    return this.trail?.resetsReceived ?? 0;
  }

  get firstSeenAtMs(): number {
    return this.get(C.FIRST_SEEN_AT_MS);
  }

  get openedAtMs(): number {
    return this.get(C.OPENED_AT_MS);
  }

  /** Set once the connection closed (or vanished from a sweep). */
  get closedAtMs(): number | null {
    const closedAtMs = this.get(C.CLOSED_AT_MS);
    return Number.isNaN(closedAtMs) ? null : closedAtMs;
  }

  /** Latest time any record about this socket (by cookie) was stamped with. */
  get lastActivityAtMs(): number {
    return this.get(C.LAST_ACTIVITY_AT_MS);
  }

  /** Bytes/s over the last tick. */
  get sendRate(): number {
    return this.get(C.SEND_RATE);
  }

  get receiveRate(): number {
    return this.get(C.RECEIVE_RATE);
  }

  /** True when the record knows the local port this entry was created without. */
  learnsLocalEndpoint(endpoints: Endpoints): boolean {
    return this.sport === 0 && endpoints.sport !== 0;
  }

  /** Takes the local side bound after connect() (see `saddr`); the caller re-indexes the tuple. */
  adoptLocalEndpoint(endpoints: Endpoints): void {
    this.willChange();
    this.saddr = endpoints.saddr;
    this.sport = endpoints.sport;
    this.note(CHANGED);
  }

  get isOpen(): boolean {
    return Number.isNaN(this.get(C.CLOSED_AT_MS));
  }

  get bytesSent(): number {
    return this.get(C.BYTES_ACKED_PEAK) - this.get(C.BYTES_ACKED_BASELINE);
  }

  get bytesReceived(): number {
    return this.get(C.BYTES_RECEIVED_PEAK) - this.get(C.BYTES_RECEIVED_BASELINE);
  }

  get segmentsSent(): number {
    return this.get(C.SEGS_OUT_PEAK) - this.get(C.SEGS_OUT_BASELINE);
  }

  get segmentsReceived(): number {
    return this.get(C.SEGS_IN_PEAK) - this.get(C.SEGS_IN_BASELINE);
  }

  /** Smoothed RTT in ms, null until measured. */
  get nat(): NatSnapshot | null {
    return this.translation;
  }

  get srttMs(): number | null {
    const srttUs = this.get(C.SRTT_US);
    return srttUs === 0 ? null : srttUs / 1000;
  }

  /** Drops whose reason matters (class `matters`). */
  get dropCount(): number {
    return this.drops === null ? 0 : this.drops.mattering;
  }

  /** The kernel's count when it is higher, else the retransmits we saw one by one. */
  get retransmits(): number {
    return Math.max(this.get(C.TOTAL_RETRANS_PEAK) - this.get(C.TOTAL_RETRANS_BASELINE), this.retransmitRecords);
  }

  private get retransmitRecords(): number {
    return this.trail?.retransmitRecords ?? 0;
  }

  noteActivity(atMs: number): void {
    if (atMs > this.lastActivityAtMs) this.set(C.LAST_ACTIVITY_AT_MS, atMs);
  }

  foldCounters(counters: TcpCounters, atMs: number): void {
    const values = this.values;
    const row = this.base;
    if (!this.has(BASELINE_KNOWN)) {
      this.willChange();
      this.note(BASELINE_KNOWN);
      values[row + C.BYTES_ACKED_BASELINE] = counters.bytesAcked;
      values[row + C.BYTES_RECEIVED_BASELINE] = counters.bytesReceived;
      values[row + C.SEGS_OUT_BASELINE] = counters.segsOut;
      values[row + C.SEGS_IN_BASELINE] = counters.segsIn;
      values[row + C.TOTAL_RETRANS_BASELINE] = counters.totalRetrans;
    }
    let changed = this.raisePeak(row + C.BYTES_ACKED_PEAK, counters.bytesAcked);
    changed = this.raisePeak(row + C.BYTES_RECEIVED_PEAK, counters.bytesReceived) || changed;
    changed = this.raisePeak(row + C.SEGS_OUT_PEAK, counters.segsOut) || changed;
    changed = this.raisePeak(row + C.SEGS_IN_PEAK, counters.segsIn) || changed;
    if (this.raisePeak(row + C.TOTAL_RETRANS_PEAK, counters.totalRetrans)) {
      changed = true;
      // The kernel counted retransmits no event told of (the probe is off, or its event was lost).
      if (this.retransmits > this.retransmitRecords) this.noteProblemTime('retransmit', atMs);
    }
    // 0 means "not measured yet", so it never replaces a measurement.
    if (counters.srttUs !== 0 && atMs >= (values[row + C.SRTT_AT_MS] as number)) {
      if (counters.srttUs !== values[row + C.SRTT_US]) {
        changed = true;
        this.willChange();
      }
      values[row + C.SRTT_US] = counters.srttUs;
      values[row + C.SRTT_AT_MS] = atMs;
    }
    if (changed) this.note(CHANGED);
  }

  /** Raises the counter at `offset` to `value` when that is higher; returns whether it did. */
  private raisePeak(offset: number, value: number): boolean {
    if (value <= (this.values[offset] as number)) return false;
    this.willChange();
    this.values[offset] = value;
    return true;
  }

  /** What limited its sending over the last sampling interval; null until known. */
  get limit(): FlowLimitSnapshot | null {
    return this.limitVerdict;
  }

  /** Judges the interval since the previous sample (see flow-limit.ts). */
  foldLimits(record: SocketSampleRecord, tracker: FlowLimitTracker): void {
    if (record.limits == null) return;
    if (this.limitRow === -1) this.limitRow = tracker.openRow();
    const verdict = tracker.fold(this.limitRow, record, this.limitVerdict);
    if (verdict === this.limitVerdict) return;
    this.willChange();
    this.limitVerdict = verdict;
    this.note(CHANGED);
  }

  get owner(): SocketOwner {
    return this.currentOwner;
  }

  adoptOwner(owner: TaskOwner | OwnerRecord): void {
    this.currentOwner = this.currentOwner.adopting(owner);
    this.note(CHANGED | OWNER_CHANGED);
  }

  /** Takes its listener's owner until its own is known (see SocketOwner.provisional). */
  adoptProvisionalOwner(listenerOwner: SocketOwner): void {
    this.currentOwner = this.currentOwner.provisionallyAdopting(listenerOwner);
    this.note(CHANGED | OWNER_CHANGED);
  }

  noteSampleUid(uid: number): void {
    if (this.currentOwner.sampleUid === uid) return;
    this.currentOwner = this.currentOwner.withSampleUid(uid);
    this.note(CHANGED | OWNER_CHANGED);
  }

  /**
   * The connection turned out to be born during the capture (its opening event was stamped
   * before we first saw it): everything it moved counts.
   */
  markBornAt(atMs: number): void {
    this.willChange();
    // Its history now reads from a birth: the connect latency counts.
    this.flags = (this.flags & ~PREEXISTING) | BASELINE_KNOWN | CHANGED | HISTORY_CHANGED;
    this.set(C.BYTES_ACKED_BASELINE, 0);
    this.set(C.BYTES_RECEIVED_BASELINE, 0);
    this.set(C.SEGS_OUT_BASELINE, 0);
    this.set(C.SEGS_IN_BASELINE, 0);
    this.set(C.TOTAL_RETRANS_BASELINE, 0);
    this.set(C.OPENED_AT_MS, atMs);
  }

  /** The state it is in, by its latest stay. Only valid once a state was recorded. */
  get currentState(): TcpStateNumber {
    return currentState(this);
  }

  /** When its latest stay began (-Infinity before its first). */
  get currentStateSinceMs(): number {
    return currentStateSinceMs(this);
  }

  /** Records that it was in `state` from `atMs`; its history keeps at most `maxStays` stays. */
  recordState(state: TcpStateNumber, atMs: number, maxStays: number): void {
    if (!recordStay(this, state, atMs, maxStays)) return;
    this.note(CHANGED | HISTORY_CHANGED);
  }

  /** The close left a timewait sock behind: the row lives on in `state` (TIME_WAIT, or FIN_WAIT2 for an orphan). */
  lingerAs(state: TcpStateNumber): void {
    if (reviseLatestStay(this, state)) this.note(CHANGED | HISTORY_CHANGED);
  }

  /**
   * Closed, but its timewait sock is still there: the connection is over for its application
   * (its counters final), while the kernel still holds its port and tuple.
   */
  get lingers(): boolean {
    return !this.isOpen && this.currentState !== TcpState.CLOSE;
  }

  /** A closed flow came back to life (UDP: a datagram after it aged out); it leaves the closed set. */
  reopen(): void {
    this.willChange();
    this.set(C.CLOSED_AT_MS, Number.NaN);
    this.note(CHANGED);
  }

  /** The namespace became known after the entry was created (UDP: the socket's first sample). */
  learnNetns(netns: number): void {
    if (netns === 0 || netns === this.netns) return;
    this.willChange();
    this.set(C.NETNS, netns);
    this.note(CHANGED);
  }

  /** What a UDP flow adds to its snapshot; null for a TCP connection. */
  protected udpFacts(): UdpFlowSnapshot | null {
    return null;
  }

  /** Returns true when this closes the connection (false if it was closed already). */
  close(atMs: number): boolean {
    this.willChange();
    this.note(CHANGED);
    const closedAtMs = this.closedAtMs;
    if (closedAtMs !== null) {
      // A sweep closes at the end of its pass; the kernel's own close event is earlier and exact.
      if (atMs < closedAtMs) this.set(C.CLOSED_AT_MS, atMs);
      return false;
    }
    this.set(C.CLOSED_AT_MS, atMs);
    return true;
  }

  addDrop(reason: string, atMs: number): void {
    this.drops ??= new DropCounter();
    this.drops.add(reason);
    this.note(CHANGED | DROPS_CHANGED);
    // A purged queue or a segment for a closed socket is no loss: only drops that matter are problems.
    if (dropClassOf(reason) === 'matters') this.addProblem({ atMs, kind: 'drop', detail: reason });
  }

  addResets(direction: 'sent' | 'received', atMs: number, count = 1): void {
    if (count === 0) return;
    const trail = this.problems();
    if (direction === 'sent') trail.resetsSent += count;
    else trail.resetsReceived += count;
    this.addProblem({ atMs, kind: 'reset', detail: direction });
  }

  /** conntrack found the connection's destination translated; the latest answer wins. */
  adoptNat(nat: NatSnapshot): void {
    this.willChange();
    this.translation = nat;
    this.note(CHANGED);
  }

  addRetransmit(atMs: number): void {
    this.problems().retransmitRecords++;
    this.addProblem({ atMs, kind: 'retransmit', detail: null });
  }

  private problems(): ProblemTrail {
    this.willChange();
    return (this.trail ??= new ProblemTrail());
  }

  private addProblem(event: ProblemEvent): void {
    this.problems().add(event);
    this.note(CHANGED | PROBLEMS_CHANGED);
  }

  /** A problem known only by its time (the kernel counted retransmits no event told of). */
  private noteProblemTime(kind: ProblemKind, atMs: number): void {
    this.problems().noteTime(kind, atMs);
    this.note(CHANGED | PROBLEMS_CHANGED);
  }

  /** Folds the bytes moved since the previous tick into rates, `elapsedS` seconds later. */
  updateRates(elapsedS: number): void {
    const bytesSent = this.bytesSent;
    const bytesReceived = this.bytesReceived;
    const sendRate = elapsedS > 0 ? (bytesSent - this.get(C.BYTES_SENT_AT_LAST_TICK)) / elapsedS : 0;
    const receiveRate = elapsedS > 0 ? (bytesReceived - this.get(C.BYTES_RECEIVED_AT_LAST_TICK)) / elapsedS : 0;
    if (sendRate !== this.sendRate || receiveRate !== this.receiveRate) {
      this.willChange();
      this.note(CHANGED);
    }
    this.set(C.SEND_RATE, sendRate);
    this.set(C.RECEIVE_RATE, receiveRate);
    this.set(C.BYTES_SENT_AT_LAST_TICK, bytesSent);
    this.set(C.BYTES_RECEIVED_AT_LAST_TICK, bytesReceived);
  }

  /** Takes `name` when it differs from the one held (a null lookup keeps the name already known). */
  adoptPeerName(name: PeerName | null): void {
    const known = this.knownPeerName;
    if (name === null || (known !== null && known.name === name.name && known.source === name.source)) return;
    this.willChange();
    this.knownPeerName = name;
    this.note(CHANGED);
  }

  get peerName(): PeerName | null {
    return this.knownPeerName;
  }

  /**
   * The connection as published. An unchanged connection returns the object it published last
   * tick: snapshots share what did not change and are never mutated. `ownerDetailsChanged`:
   * the owner's process or cgroup was described anew since.
   */
  toSnapshot(owners: OwnerSnapshots, ownerDetailsChanged: boolean): PublishedConnection {
    const previous = this.published;
    if (previous !== null && !this.has(CHANGED) && !ownerDetailsChanged) return previous;
    const owner = previous === null || this.has(OWNER_CHANGED) || ownerDetailsChanged ? owners.of(this.owner) : previous.owner;
    const historyChanged = previous === null || this.has(HISTORY_CHANGED);
    const stateHistory = historyChanged ? publishedStays(this) : previous.stateHistory;
    const state = historyChanged ? tcpStateName(this.currentState) : previous.state;
    // Only a connection born during the capture had its SYN_SENT stay seen from the start.
    const connectLatencyMs = historyChanged ? (this.preexisting ? null : handshakeMs(this)) : previous.connectLatencyMs;
    const drops = previous === null || this.has(DROPS_CHANGED) ? (this.drops?.toSorted() ?? NO_DROPS) : previous.drops;
    const problemsChanged = previous === null || this.has(PROBLEMS_CHANGED);
    const problems = problemsChanged ? (this.trail?.times() ?? NO_PROBLEM_TIMES) : previous.problems;
    const problemTrail = problemsChanged ? (this.trail?.toArray() ?? NO_PROBLEM_EVENTS) : previous.problemTrail;
    const udp = previous === null || this.has(CHANGED) ? this.udpFacts() : previous.udp;
    // A row published anew only for its owner's details still reads this connection: it keeps its own fields.
    this.willChange();
    this.flags = (this.flags & ~ALL_CHANGED) | PUBLISHED_LIVE;
    this.published = new PublishedConnection(this, { id: this.cookie, owner, state, stateHistory, drops, problems, problemTrail, udp, connectLatencyMs });
    return this.published;
  }
}
