/**
 * What a chunk said last about each socket, as the encoder keeps it: the numbers in one row of a
 * shared Float64Array, the endpoints beside them. Kept as objects — the sample's counters and
 * limit counters themselves, and a summary of the rest — a socket cost about 400 bytes, and
 * every sampling pass's counters objects lived on until the next pass replaced them: at 20,000
 * open connections 40,000 of each, promoted to the old generation only to die there.
 */
import type { Endpoints, FlowLimitCounters, SocketSampleRecord, TcpCounters } from '../model/records.js';

/** Which of the row's parts are known, and the limit counters' yes/no facts. */
const HAS_COUNTERS = 1;
const HAS_IDENTITY = 2;
const HAS_LIMITS = 4;
const HAS_SAMPLE = 8;
const SND_WND_NULL = 16;
const RCV_WND_NULL = 32;
const DROPS_ABSENT = 64;
const APP_LIMITED = 128;
const PROBE_TIMER_ARMED = 256;

/** One row's fields, as offsets into it. */
const FLAGS = 0;
const BYTES_ACKED = 1;
const BYTES_RECEIVED = 2;
const SEGS_OUT = 3;
const SEGS_IN = 4;
const TOTAL_RETRANS = 5;
const SRTT_US = 6;
const INODE = 7;
const UID = 8;
const BUSY_US = 9;
const RWND_LIMITED_US = 10;
const SNDBUF_LIMITED_US = 11;
const DELIVERY_RATE = 12;
const NOTSENT_BYTES = 13;
const SND_CWND = 14;
const SND_SSTHRESH = 15;
const SND_WND = 16;
const RCV_WND = 17;
const PROBES = 18;
const STATE = 19;
const RECEIVE_QUEUE = 20;
const SEND_QUEUE = 21;
const DROPS = 22;
/** What the last sample's limits were, as flight-codec's LIMITS_* marker keeps them. */
const SAMPLE_LIMITS = 23;
const FIELDS = 24;

const INITIAL_ROWS = 64;
const GROWTH_FACTOR = 1.5;

export class EncodedSockets {
  private readonly indexByCookie = new Map<number, number>();
  private readonly endpointsByIndex: (Endpoints | null)[] = [];
  private values = new Float64Array(INITIAL_ROWS * FIELDS);

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
    const index = this.endpointsByIndex.length;
    this.indexByCookie.set(cookie, index);
    this.endpointsByIndex.push(null);
    if ((index + 1) * FIELDS > this.values.length) {
      const grown = new Float64Array(Math.ceil((index + 1) * GROWTH_FACTOR) * FIELDS);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[index * FIELDS + FLAGS] = 0;
    return index;
  }

  private has(index: number, flag: number): boolean {
    return ((this.values[index * FIELDS + FLAGS] as number) & flag) !== 0;
  }

  private field(index: number, field: number): number {
    return this.values[index * FIELDS + field] as number;
  }

  private setFlag(index: number, flag: number, on: boolean): void {
    const at = index * FIELDS + FLAGS;
    const flags = this.values[at] as number;
    this.values[at] = on ? flags | flag : flags & ~flag;
  }

  endpoints(index: number): Endpoints | null {
    return this.endpointsByIndex[index] ?? null;
  }

  setEndpoints(index: number, endpoints: Endpoints): void {
    this.endpointsByIndex[index] = endpoints;
  }

  sameCounters(index: number, counters: TcpCounters): boolean {
    return (
      this.has(index, HAS_COUNTERS) &&
      this.field(index, BYTES_ACKED) === counters.bytesAcked &&
      this.field(index, BYTES_RECEIVED) === counters.bytesReceived &&
      this.field(index, SEGS_OUT) === counters.segsOut &&
      this.field(index, SEGS_IN) === counters.segsIn &&
      this.field(index, TOTAL_RETRANS) === counters.totalRetrans &&
      this.field(index, SRTT_US) === counters.srttUs
    );
  }

  /** The counters the socket's next ones are written as differences from: its last, or zeros (also for index -1: no socket). */
  previousCounter(index: number, field: 'bytesAcked' | 'bytesReceived' | 'segsOut' | 'segsIn' | 'totalRetrans' | 'srttUs'): number {
    if (index < 0 || !this.has(index, HAS_COUNTERS)) return 0;
    return this.field(index, COUNTER_FIELDS[field]);
  }

  setCounters(index: number, counters: TcpCounters): void {
    const base = index * FIELDS;
    const values = this.values;
    values[base + BYTES_ACKED] = counters.bytesAcked;
    values[base + BYTES_RECEIVED] = counters.bytesReceived;
    values[base + SEGS_OUT] = counters.segsOut;
    values[base + SEGS_IN] = counters.segsIn;
    values[base + TOTAL_RETRANS] = counters.totalRetrans;
    values[base + SRTT_US] = counters.srttUs;
    this.setFlag(index, HAS_COUNTERS, true);
  }

  sameIdentity(index: number, inode: number, uid: number): boolean {
    return index >= 0 && this.has(index, HAS_IDENTITY) && this.field(index, INODE) === inode && this.field(index, UID) === uid;
  }

  setIdentity(index: number, inode: number, uid: number): void {
    this.values[index * FIELDS + INODE] = inode;
    this.values[index * FIELDS + UID] = uid;
    this.setFlag(index, HAS_IDENTITY, true);
  }

  sameLimits(index: number, limits: FlowLimitCounters): boolean {
    return (
      index >= 0 &&
      this.has(index, HAS_LIMITS) &&
      this.field(index, BUSY_US) === limits.busyUs &&
      this.field(index, RWND_LIMITED_US) === limits.rwndLimitedUs &&
      this.field(index, SNDBUF_LIMITED_US) === limits.sndbufLimitedUs &&
      this.field(index, DELIVERY_RATE) === limits.deliveryRate &&
      this.has(index, APP_LIMITED) === limits.appLimited &&
      this.field(index, NOTSENT_BYTES) === limits.notsentBytes &&
      this.field(index, SND_CWND) === limits.sndCwnd &&
      this.field(index, SND_SSTHRESH) === limits.sndSsthresh &&
      sameNullable(this.has(index, SND_WND_NULL), this.field(index, SND_WND), limits.sndWnd) &&
      sameNullable(this.has(index, RCV_WND_NULL), this.field(index, RCV_WND), limits.rcvWnd) &&
      this.field(index, PROBES) === limits.probes &&
      this.has(index, PROBE_TIMER_ARMED) === limits.probeTimerArmed
    );
  }

  /** The limit counters the socket's next ones are written as differences from: its last, or zeros (windows: 0 for unknown). */
  previousLimit(index: number, field: 'busyUs' | 'rwndLimitedUs' | 'sndbufLimitedUs' | 'deliveryRate' | 'notsentBytes' | 'sndCwnd' | 'sndSsthresh' | 'probes' | 'sndWnd' | 'rcvWnd'): number {
    if (index < 0 || !this.has(index, HAS_LIMITS)) return 0;
    if (field === 'sndWnd' && this.has(index, SND_WND_NULL)) return 0;
    if (field === 'rcvWnd' && this.has(index, RCV_WND_NULL)) return 0;
    return this.field(index, LIMIT_FIELDS[field]);
  }

  setLimits(index: number, limits: FlowLimitCounters): void {
    const base = index * FIELDS;
    const values = this.values;
    values[base + BUSY_US] = limits.busyUs;
    values[base + RWND_LIMITED_US] = limits.rwndLimitedUs;
    values[base + SNDBUF_LIMITED_US] = limits.sndbufLimitedUs;
    values[base + DELIVERY_RATE] = limits.deliveryRate;
    values[base + NOTSENT_BYTES] = limits.notsentBytes;
    values[base + SND_CWND] = limits.sndCwnd;
    values[base + SND_SSTHRESH] = limits.sndSsthresh;
    values[base + SND_WND] = limits.sndWnd ?? 0;
    values[base + RCV_WND] = limits.rcvWnd ?? 0;
    values[base + PROBES] = limits.probes;
    this.setFlag(index, HAS_LIMITS, true);
    this.setFlag(index, APP_LIMITED, limits.appLimited);
    this.setFlag(index, PROBE_TIMER_ARMED, limits.probeTimerArmed);
    this.setFlag(index, SND_WND_NULL, limits.sndWnd === null);
    this.setFlag(index, RCV_WND_NULL, limits.rcvWnd === null);
  }

  /** Whether `sample` says what the socket's last sample in the chunk said besides its counters and identity, its limits as `limitsMarker` tells. */
  repeatsSample(index: number, sample: SocketSampleRecord, limitsMarker: number): boolean {
    return (
      this.has(index, HAS_SAMPLE) &&
      this.field(index, STATE) === sample.state &&
      this.field(index, RECEIVE_QUEUE) === sample.receiveQueue &&
      this.field(index, SEND_QUEUE) === sample.sendQueue &&
      (sample.drops === undefined ? this.has(index, DROPS_ABSENT) : !this.has(index, DROPS_ABSENT) && this.field(index, DROPS) === sample.drops) &&
      this.field(index, SAMPLE_LIMITS) === limitsMarker
    );
  }

  /** @param limitsKept the sample's limits as a repeat must match them: absent, null, or the kept ones (LIMITS_SAME). */
  setSample(index: number, sample: SocketSampleRecord, limitsKept: number): void {
    const base = index * FIELDS;
    const values = this.values;
    values[base + STATE] = sample.state;
    values[base + RECEIVE_QUEUE] = sample.receiveQueue;
    values[base + SEND_QUEUE] = sample.sendQueue;
    values[base + DROPS] = sample.drops ?? 0;
    values[base + SAMPLE_LIMITS] = limitsKept;
    this.setFlag(index, HAS_SAMPLE, true);
    this.setFlag(index, DROPS_ABSENT, sample.drops === undefined);
  }
}

const COUNTER_FIELDS = { bytesAcked: BYTES_ACKED, bytesReceived: BYTES_RECEIVED, segsOut: SEGS_OUT, segsIn: SEGS_IN, totalRetrans: TOTAL_RETRANS, srttUs: SRTT_US } as const;
const LIMIT_FIELDS = {
  busyUs: BUSY_US,
  rwndLimitedUs: RWND_LIMITED_US,
  sndbufLimitedUs: SNDBUF_LIMITED_US,
  deliveryRate: DELIVERY_RATE,
  notsentBytes: NOTSENT_BYTES,
  sndCwnd: SND_CWND,
  sndSsthresh: SND_SSTHRESH,
  probes: PROBES,
  sndWnd: SND_WND,
  rcvWnd: RCV_WND,
} as const;

/** A window the kernel may not report: the same when both are unknown, or both known and equal. */
function sameNullable(wasNull: boolean, was: number, now: number | null): boolean {
  return now === null ? wasNull : !wasNull && was === now;
}
