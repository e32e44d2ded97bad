/**
 * What a chunk said last about each socket, as the encoder keeps it: the numbers in rows of
 * Float64Arrays (a sampled socket has a second row for what samples carry), the endpoints beside them. Kept as objects — the sample's counters and
 * limit counters themselves, and a summary of the rest — a socket cost about 400 bytes, and
 * every sampling pass's counters objects lived on until the next pass replaced them: at 20,000
 * open connections 40,000 of each, promoted to the old generation only to die there.
 */
import type { Endpoints, FlowLimitCounters, SocketSampleRecord, TcpCounters } from '../model/records.js';
import { IntegerMap } from '../model/integer-map.js';
import { RowBlocks } from '../model/row-blocks.js';

/**
 * The counters, in the order the codec writes them. Each is read by its name where it is used:
 * a loop over the names made every read a keyed load whose key kept changing, which V8 looks up
 * the slow way (4% of netscope's CPU under churn). The same for the limit counters below.
 */
export const Counter = { bytesAcked: 0, bytesReceived: 1, segsOut: 2, segsIn: 3, totalRetrans: 4, srttUs: 5 } as const;
/** The limit counters that are plain numbers, in the order the codec writes them (the windows may be null, the facts are flags). */
export const Limit = { busyUs: 0, rwndLimitedUs: 1, sndbufLimitedUs: 2, deliveryRate: 3, notsentBytes: 4, sndCwnd: 5, sndSsthresh: 6, probes: 7 } as const;

/** Which of the socket's parts are known, and the limit counters' yes/no facts. */
const HAS_COUNTERS = 1;
const HAS_IDENTITY = 2;
const HAS_LIMITS = 4;
const HAS_SAMPLE = 8;
const SND_WND_NULL = 16;
const RCV_WND_NULL = 32;
const DROPS_ABSENT = 64;
const APP_LIMITED = 128;
const PROBE_TIMER_ARMED = 256;

/** Every socket's row: its flags, counters, and its sample row (-1 before its first sample). */
const FLAGS = 0;
/** The counters, in Counter's order from here. */
const FIRST_COUNTER = 1;
const SAMPLE_ROW = 7;
const SOCKET_FIELDS = 8;

/** A sampled socket's second row: what only samples carry. Under churn most sockets are never sampled. */
const INODE = 0;
const UID = 1;
/** The limit counters that are plain numbers, in Limit's order from here. */
const FIRST_LIMIT = 2;
const SND_WND = 10;
const RCV_WND = 11;
const STATE = 12;
const RECEIVE_QUEUE = 13;
const SEND_QUEUE = 14;
const DROPS = 15;
/** What the last sample's limits were, as flight-codec's LIMITS_* marker keeps them. */
const SAMPLE_LIMITS = 16;
const SAMPLE_FIELDS = 17;

export class EncodedSockets {
  private readonly indexByCookie = new IntegerMap<number>();
  private readonly endpointsByIndex: (Endpoints | null)[] = [];
  // Rows in blocks: a chunk under churn meets tens of thousands of sockets (see RowBlocks).
  private readonly sockets = RowBlocks.ofZeros(SOCKET_FIELDS);
  private readonly samples = RowBlocks.ofZeros(SAMPLE_FIELDS);

  /** Sockets met in this chunk. */
  get size(): number {
    return this.endpointsByIndex.length;
  }

  /** The socket's index among the chunk's sockets (in order of first mention); -1 before its first. */
  indexOf(cookie: number): number {
    return this.indexByCookie.get(cookie) ?? -1;
  }

  /** A socket first mentioned: its index, nothing known of it yet. */
  add(cookie: number): number {
    const index = this.sockets.allocate();
    this.indexByCookie.set(cookie, index);
    this.endpointsByIndex.push(null);
    this.sockets.set(index, SAMPLE_ROW, -1);
    return index;
  }

  private has(index: number, flag: number): boolean {
    return (this.sockets.get(index, FLAGS) & flag) !== 0;
  }

  private setFlag(index: number, flag: number, on: boolean): void {
    const flags = this.sockets.get(index, FLAGS);
    this.sockets.set(index, FLAGS, on ? flags | flag : flags & ~flag);
  }

  /** The socket's sample row; made by its first sample. */
  private sampleRow(index: number): number {
    let row = this.sockets.get(index, SAMPLE_ROW);
    if (row < 0) {
      row = this.samples.allocate();
      this.sockets.set(index, SAMPLE_ROW, row);
    }
    return row;
  }

  /** A field of the socket's sample row, which must exist (a flag said so). */
  private sampled(index: number, field: number): number {
    return this.samples.get(this.sockets.get(index, SAMPLE_ROW), field);
  }

  /**
   * The socket's sample row as its block and where the row starts, for a comparison that reads
   * many fields: found once, not once a field (a repeated sample's comparisons were 7% of
   * netscope's CPU at 20,000 idle connections).
   */
  private sampleAt(index: number): { row: Float64Array; at: number } {
    const sampleRow = this.sockets.get(index, SAMPLE_ROW);
    return { row: this.samples.blockOf(sampleRow), at: this.samples.offsetOf(sampleRow) };
  }

  endpoints(index: number): Endpoints | null {
    return this.endpointsByIndex[index] ?? null;
  }

  setEndpoints(index: number, endpoints: Endpoints): void {
    this.endpointsByIndex[index] = endpoints;
  }

  sameCounters(index: number, counters: TcpCounters): boolean {
    const row = this.sockets.blockOf(index);
    const at = this.sockets.offsetOf(index);
    if ((row[at + FLAGS]! & HAS_COUNTERS) === 0) return false;
    const first = at + FIRST_COUNTER;
    return (
      row[first + Counter.bytesAcked] === counters.bytesAcked &&
      row[first + Counter.bytesReceived] === counters.bytesReceived &&
      row[first + Counter.segsOut] === counters.segsOut &&
      row[first + Counter.segsIn] === counters.segsIn &&
      row[first + Counter.totalRetrans] === counters.totalRetrans &&
      row[first + Counter.srttUs] === counters.srttUs
    );
  }

  /** The counter (a Counter) the socket's next is written as a difference from: its last, or 0 (also for index -1: no socket). */
  previousCounter(index: number, counter: number): number {
    if (index < 0 || !this.has(index, HAS_COUNTERS)) return 0;
    return this.sockets.get(index, FIRST_COUNTER + counter);
  }

  setCounters(index: number, counters: TcpCounters): void {
    const { sockets } = this;
    sockets.set(index, FIRST_COUNTER + Counter.bytesAcked, counters.bytesAcked);
    sockets.set(index, FIRST_COUNTER + Counter.bytesReceived, counters.bytesReceived);
    sockets.set(index, FIRST_COUNTER + Counter.segsOut, counters.segsOut);
    sockets.set(index, FIRST_COUNTER + Counter.segsIn, counters.segsIn);
    sockets.set(index, FIRST_COUNTER + Counter.totalRetrans, counters.totalRetrans);
    sockets.set(index, FIRST_COUNTER + Counter.srttUs, counters.srttUs);
    this.setFlag(index, HAS_COUNTERS, true);
  }

  sameIdentity(index: number, inode: number, uid: number): boolean {
    if (index < 0 || !this.has(index, HAS_IDENTITY)) return false;
    const { row, at } = this.sampleAt(index);
    return row[at + INODE] === inode && row[at + UID] === uid;
  }

  setIdentity(index: number, inode: number, uid: number): void {
    const row = this.sampleRow(index);
    this.samples.set(row, INODE, inode);
    this.samples.set(row, UID, uid);
    this.setFlag(index, HAS_IDENTITY, true);
  }

  sameLimits(index: number, limits: FlowLimitCounters): boolean {
    if (index < 0) return false;
    const flags = this.sockets.get(index, FLAGS);
    if ((flags & HAS_LIMITS) === 0) return false;
    const { row, at } = this.sampleAt(index);
    const first = at + FIRST_LIMIT;
    return (
      row[first + Limit.busyUs] === limits.busyUs &&
      row[first + Limit.rwndLimitedUs] === limits.rwndLimitedUs &&
      row[first + Limit.sndbufLimitedUs] === limits.sndbufLimitedUs &&
      row[first + Limit.deliveryRate] === limits.deliveryRate &&
      row[first + Limit.notsentBytes] === limits.notsentBytes &&
      row[first + Limit.sndCwnd] === limits.sndCwnd &&
      row[first + Limit.sndSsthresh] === limits.sndSsthresh &&
      row[first + Limit.probes] === limits.probes &&
      ((flags & APP_LIMITED) !== 0) === limits.appLimited &&
      ((flags & PROBE_TIMER_ARMED) !== 0) === limits.probeTimerArmed &&
      sameNullable((flags & SND_WND_NULL) !== 0, row[at + SND_WND]!, limits.sndWnd) &&
      sameNullable((flags & RCV_WND_NULL) !== 0, row[at + RCV_WND]!, limits.rcvWnd)
    );
  }

  /** The limit counter (a Limit) the socket's next is written as a difference from: its last, or 0. */
  previousLimit(index: number, limit: number): number {
    if (index < 0 || !this.has(index, HAS_LIMITS)) return 0;
    return this.sampled(index, FIRST_LIMIT + limit);
  }

  /** The window the socket's next is written as a difference from: its last, or 0 (also when it was unknown: kept as 0). */
  previousWindow(index: number, window: 'sndWnd' | 'rcvWnd'): number {
    if (index < 0 || !this.has(index, HAS_LIMITS)) return 0;
    return this.sampled(index, window === 'sndWnd' ? SND_WND : RCV_WND);
  }

  setLimits(index: number, limits: FlowLimitCounters): void {
    const row = this.sampleRow(index);
    const { samples } = this;
    samples.set(row, FIRST_LIMIT + Limit.busyUs, limits.busyUs);
    samples.set(row, FIRST_LIMIT + Limit.rwndLimitedUs, limits.rwndLimitedUs);
    samples.set(row, FIRST_LIMIT + Limit.sndbufLimitedUs, limits.sndbufLimitedUs);
    samples.set(row, FIRST_LIMIT + Limit.deliveryRate, limits.deliveryRate);
    samples.set(row, FIRST_LIMIT + Limit.notsentBytes, limits.notsentBytes);
    samples.set(row, FIRST_LIMIT + Limit.sndCwnd, limits.sndCwnd);
    samples.set(row, FIRST_LIMIT + Limit.sndSsthresh, limits.sndSsthresh);
    samples.set(row, FIRST_LIMIT + Limit.probes, limits.probes);
    this.samples.set(row, SND_WND, limits.sndWnd ?? 0);
    this.samples.set(row, RCV_WND, limits.rcvWnd ?? 0);
    this.setFlag(index, HAS_LIMITS, true);
    this.setFlag(index, APP_LIMITED, limits.appLimited);
    this.setFlag(index, PROBE_TIMER_ARMED, limits.probeTimerArmed);
    this.setFlag(index, SND_WND_NULL, limits.sndWnd === null);
    this.setFlag(index, RCV_WND_NULL, limits.rcvWnd === null);
  }

  /** Whether `sample` says what the socket's last sample in the chunk said besides its counters and identity, its limits as `limitsMarker` tells. */
  repeatsSample(index: number, sample: SocketSampleRecord, limitsMarker: number): boolean {
    const flags = this.sockets.get(index, FLAGS);
    if ((flags & HAS_SAMPLE) === 0) return false;
    const { row, at } = this.sampleAt(index);
    return (
      row[at + STATE] === sample.state &&
      row[at + RECEIVE_QUEUE] === sample.receiveQueue &&
      row[at + SEND_QUEUE] === sample.sendQueue &&
      (sample.drops === undefined ? (flags & DROPS_ABSENT) !== 0 : (flags & DROPS_ABSENT) === 0 && row[at + DROPS] === sample.drops) &&
      row[at + SAMPLE_LIMITS] === limitsMarker
    );
  }

  /** @param limitsKept the sample's limits as a repeat must match them: absent, null, or the kept ones (LIMITS_SAME). */
  setSample(index: number, sample: SocketSampleRecord, limitsKept: number): void {
    const row = this.sampleRow(index);
    const samples = this.samples;
    samples.set(row, STATE, sample.state);
    samples.set(row, RECEIVE_QUEUE, sample.receiveQueue);
    samples.set(row, SEND_QUEUE, sample.sendQueue);
    samples.set(row, DROPS, sample.drops ?? 0);
    samples.set(row, SAMPLE_LIMITS, limitsKept);
    this.setFlag(index, HAS_SAMPLE, true);
    this.setFlag(index, DROPS_ABSENT, sample.drops === undefined);
  }
}


/** A window the kernel may not report: the same when both are unknown, or both known and equal. */
function sameNullable(wasNull: boolean, was: number, now: number | null): boolean {
  return now === null ? wasNull : !wasNull && was === now;
}
