import type { FlowLimitCounters, SocketSampleRecord, TcpCounters } from './records.js';
import { RowBlocks } from './row-blocks.js';
import { FLOW_LIMITS, judgeFlowLimit, type FlowLimit, type FlowLimitJudgement } from './flow-limit.js';

/** Seconds a connection spent under each verdict since netscope first judged it (idle is not counted). */
export type LimitedSeconds = Partial<Record<Exclude<FlowLimit, 'idle'>, number>>;

/** What limited a connection over its last sampling interval, and the counters behind the verdict. */
export interface FlowLimitSnapshot extends FlowLimitJudgement {
  /** Length of the interval, ms. */
  intervalMs: number;
  /** The interval's busy, rwnd-limited and sndbuf-limited time, ms (the kernel counts in jiffies: 4 ms at HZ=250). */
  busyMs: number;
  rwndLimitedMs: number;
  sndbufLimitedMs: number;
  /** Segments sent and retransmitted in the interval. */
  segmentsSent: number;
  retransmits: number;
  /** The socket at the interval's end (see FlowLimitCounters for each). */
  receiveQueue: number;
  sendQueue: number;
  notsentBytes: number;
  appLimited: boolean;
  deliveryRate: number;
  sndCwnd: number;
  sndSsthresh: number;
  sndWnd: number | null;
  rcvWnd: number | null;
  probes: number;
  probeTimerArmed: boolean;
  limitedSeconds: LimitedSeconds;
}

/** Shared by every connection that was never limited (nearly all of a big table): an object each cost 60 bytes. */
const NEVER_LIMITED: LimitedSeconds = Object.freeze({});

/** The shortest interval judged, ms: a dozen jiffies at HZ=250, so a share moves in steps of 8% at most. */
export const MIN_JUDGED_INTERVAL_MS = 50;

/** Verdicts remembered for sharing (a power of two); one whose slot holds another verdict takes the slot. */
const SHARED_VERDICT_SLOTS = 256;

// A connection's interval start: the previous sample's time (NaN until its first sample) and cumulative counters.
const START_AT_MS = 0;
const START_BUSY_US = 1;
const START_RWND_LIMITED_US = 2;
const START_SNDBUF_LIMITED_US = 3;
const START_SEGS_OUT = 4;
const START_TOTAL_RETRANS = 5;
const START_BYTES_ACKED = 6;
const START_FIELDS = 7;

/**
 * Judges each connection's sending interval by interval. A connection's interval start lives in
 * a row of numbers here, handed out at its first sample with limit counters (a connection that
 * never gets one, most of those under churn, costs nothing), and its verdict on its entry: an
 * object for the start, with its boxed numbers, cost 200 bytes on every socket of the table.
 * The first sample only opens an interval, so a connection has no verdict until its second; a
 * sample without limit counters (an older kernel, a recording made before they were sampled)
 * leaves the verdict unknown.
 *
 * Verdicts equal in every field are one object: a table's idle connections mostly are (a pool
 * to one service has the same windows and cwnd, and one sampling pass gives them the same
 * interval). At 20,000 open loopback connections the 40,000 sockets had three distinct
 * verdicts, and one object each had cost them 12 MB.
 */
export class FlowLimitTracker {
  private readonly starts = new RowBlocks(newStartRow());
  private readonly shared: (FlowLimitSnapshot | undefined)[] = new Array<FlowLimitSnapshot | undefined>(SHARED_VERDICT_SLOTS).fill(undefined);

  /** A row for a connection's interval start, no interval open yet. */
  openRow(): number {
    return this.starts.allocate();
  }

  /** Takes back a row of `openRow` (its connection left the table). */
  release(row: number): void {
    this.starts.release(row);
  }

  /**
   * Folds a sample into the connection whose interval start is in `row`; returns its verdict,
   * which is `published` itself when nothing about it changed.
   */
  fold(row: number, record: SocketSampleRecord, published: FlowLimitSnapshot | null): FlowLimitSnapshot | null {
    const { limits, counters } = record;
    if (limits == null || counters === null) return published;
    const values = this.starts.blockOf(row);
    const start = this.starts.offsetOf(row);
    const startAtMs = values[start + START_AT_MS] as number;
    if (Number.isNaN(startAtMs)) {
      takeStart(values, start, record.atMs, limits, counters);
      return published;
    }
    if (record.atMs <= startAtMs) return published;
    const startBusyUs = values[start + START_BUSY_US] as number;
    const startSegsOut = values[start + START_SEGS_OUT] as number;
    // A counter that went back means the socket is not the one sampled before: start over.
    if (limits.busyUs < startBusyUs || counters.segsOut < startSegsOut) {
      takeStart(values, start, record.atMs, limits, counters);
      return published;
    }
    const intervalMs = record.atMs - startAtMs;
    // The kernel counts these times in jiffies (4 ms at HZ=250): a sample a few ms after the last
    // (a capture's final tick) says nothing, so the interval runs on to the next, or the verdict stands.
    if (intervalMs < MIN_JUDGED_INTERVAL_MS) return published;
    const busyUs = limits.busyUs - startBusyUs;
    const rwndLimitedUs = Math.max(0, limits.rwndLimitedUs - (values[start + START_RWND_LIMITED_US] as number));
    const sndbufLimitedUs = Math.max(0, limits.sndbufLimitedUs - (values[start + START_SNDBUF_LIMITED_US] as number));
    const segmentsSent = counters.segsOut - startSegsOut;
    const retransmits = Math.max(0, counters.totalRetrans - (values[start + START_TOTAL_RETRANS] as number));
    const bytesAcked = Math.max(0, counters.bytesAcked - (values[start + START_BYTES_ACKED] as number));
    takeStart(values, start, record.atMs, limits, counters);
    // Idle again, its end state unchanged: the rules would say idle again (the two before it read
    // only the end state), so the verdict published stands and nothing is built. A table's many
    // idle connections come through here every tick.
    if (published?.verdict === 'idle' && busyUs <= 0 && bytesAcked <= 0 && sameEndState(published, record, limits)) return published;
    const judgement = judgeFlowLimit({
      intervalUs: intervalMs * 1000,
      busyUs,
      rwndLimitedUs,
      sndbufLimitedUs,
      segmentsSent,
      retransmits,
      bytesAcked,
      receiveQueue: record.receiveQueue,
      sendQueue: record.sendQueue,
      rcvWnd: limits.rcvWnd,
      sndWnd: limits.sndWnd,
    });
    // Replaced, never changed: the published verdicts share it.
    let limitedSeconds = published?.limitedSeconds ?? NEVER_LIMITED;
    if (judgement.verdict !== 'idle') {
      limitedSeconds = { ...limitedSeconds, [judgement.verdict]: (limitedSeconds[judgement.verdict] ?? 0) + intervalMs / 1000 };
    }
    // Every field written out, none spread: an object built by spreading got its fields in a
    // separate property array, 200 bytes more on each connection that has a verdict.
    const verdict: FlowLimitSnapshot = {
      verdict: judgement.verdict,
      busyShare: judgement.busyShare,
      idleShare: judgement.idleShare,
      rwndLimitedShare: judgement.rwndLimitedShare,
      sndbufLimitedShare: judgement.sndbufLimitedShare,
      retransmitShare: judgement.retransmitShare,
      intervalMs,
      busyMs: busyUs / 1000,
      rwndLimitedMs: rwndLimitedUs / 1000,
      sndbufLimitedMs: sndbufLimitedUs / 1000,
      segmentsSent,
      retransmits,
      receiveQueue: record.receiveQueue,
      sendQueue: record.sendQueue,
      notsentBytes: limits.notsentBytes,
      appLimited: limits.appLimited,
      deliveryRate: limits.deliveryRate,
      sndCwnd: limits.sndCwnd,
      sndSsthresh: limits.sndSsthresh,
      sndWnd: limits.sndWnd,
      rcvWnd: limits.rcvWnd,
      probes: limits.probes,
      probeTimerArmed: limits.probeTimerArmed,
      limitedSeconds,
    };
    return this.share(verdict);
  }

  /** The equal verdict built before, if its slot still holds it; else `verdict`, which takes the slot. */
  private share(verdict: FlowLimitSnapshot): FlowLimitSnapshot {
    const slot = slotOf(verdict);
    const known = this.shared[slot];
    if (known !== undefined && sameVerdict(known, verdict)) return known;
    this.shared[slot] = verdict;
    return verdict;
  }
}

/** Opens the next interval at this sample. */
function takeStart(values: Float64Array, start: number, atMs: number, limits: FlowLimitCounters, counters: TcpCounters): void {
  values[start + START_AT_MS] = atMs;
  values[start + START_BUSY_US] = limits.busyUs;
  values[start + START_RWND_LIMITED_US] = limits.rwndLimitedUs;
  values[start + START_SNDBUF_LIMITED_US] = limits.sndbufLimitedUs;
  values[start + START_SEGS_OUT] = counters.segsOut;
  values[start + START_TOTAL_RETRANS] = counters.totalRetrans;
  values[start + START_BYTES_ACKED] = counters.bytesAcked;
}

/** An interval start before the first sample. */
function newStartRow(): Float64Array {
  const row = new Float64Array(START_FIELDS);
  row[START_AT_MS] = Number.NaN;
  return row;
}

/** A slot from the fields that tell a table's verdicts apart most often (the rest are compared on a hit). */
function slotOf(verdict: FlowLimitSnapshot): number {
  let hash = FLOW_LIMITS.indexOf(verdict.verdict);
  hash = Math.imul(hash ^ verdict.intervalMs, 0x9e3779b1);
  hash = Math.imul(hash ^ verdict.sndCwnd, 0x85ebca6b);
  hash = Math.imul(hash ^ (verdict.sndWnd ?? -1), 0xc2b2ae35);
  hash = Math.imul(hash ^ (verdict.rcvWnd ?? -1), 0x27d4eb2f);
  hash = Math.imul(hash ^ verdict.receiveQueue ^ verdict.sendQueue ^ verdict.segmentsSent, 0x165667b1);
  return (hash ^ (hash >>> 15)) & (SHARED_VERDICT_SLOTS - 1);
}

function sameVerdict(a: FlowLimitSnapshot, b: FlowLimitSnapshot): boolean {
  return (
    a.verdict === b.verdict &&
    a.busyShare === b.busyShare &&
    a.idleShare === b.idleShare &&
    a.rwndLimitedShare === b.rwndLimitedShare &&
    a.sndbufLimitedShare === b.sndbufLimitedShare &&
    a.retransmitShare === b.retransmitShare &&
    a.intervalMs === b.intervalMs &&
    a.busyMs === b.busyMs &&
    a.rwndLimitedMs === b.rwndLimitedMs &&
    a.sndbufLimitedMs === b.sndbufLimitedMs &&
    a.segmentsSent === b.segmentsSent &&
    a.retransmits === b.retransmits &&
    a.limitedSeconds === b.limitedSeconds &&
    sameEndState(a, b, b)
  );
}

/** What a verdict says of the socket at its interval's end, besides its queues. */
type EndState = Pick<FlowLimitCounters, 'notsentBytes' | 'appLimited' | 'deliveryRate' | 'sndCwnd' | 'sndSsthresh' | 'sndWnd' | 'rcvWnd' | 'probes' | 'probeTimerArmed'>;

/** The socket's state at the interval's end: `record` gives the queues, `limits` the rest (a verdict gives both). */
function sameEndState(published: FlowLimitSnapshot, record: Pick<SocketSampleRecord, 'receiveQueue' | 'sendQueue'>, limits: EndState): boolean {
  return (
    published.receiveQueue === record.receiveQueue &&
    published.sendQueue === record.sendQueue &&
    published.notsentBytes === limits.notsentBytes &&
    published.appLimited === limits.appLimited &&
    published.deliveryRate === limits.deliveryRate &&
    published.sndCwnd === limits.sndCwnd &&
    published.sndSsthresh === limits.sndSsthresh &&
    published.sndWnd === limits.sndWnd &&
    published.rcvWnd === limits.rcvWnd &&
    published.probes === limits.probes &&
    published.probeTimerArmed === limits.probeTimerArmed
  );
}
