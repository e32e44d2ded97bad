import type { FlowLimitCounters, SocketSampleRecord, TcpCounters } from './records.js';
import { judgeFlowLimit, type FlowLimit, type FlowLimitJudgement } from './flow-limit.js';

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

/**
 * The previous sample's cumulative counters: the start of the next interval. Copied out of the
 * sample and overwritten in place, so a connection holds no part of a sampling pass: held, every
 * pass's counters objects outlived the young generation and were promoted only to die there.
 */
class IntervalStart {
  atMs = 0;
  busyUs = 0;
  rwndLimitedUs = 0;
  sndbufLimitedUs = 0;
  segsOut = 0;
  totalRetrans = 0;
  bytesAcked = 0;

  take(atMs: number, limits: FlowLimitCounters, counters: TcpCounters): void {
    this.atMs = atMs;
    this.busyUs = limits.busyUs;
    this.rwndLimitedUs = limits.rwndLimitedUs;
    this.sndbufLimitedUs = limits.sndbufLimitedUs;
    this.segsOut = counters.segsOut;
    this.totalRetrans = counters.totalRetrans;
    this.bytesAcked = counters.bytesAcked;
  }
}

/** Shared by every connection that was never limited (nearly all of a big table): an object each cost 60 bytes. */
const NEVER_LIMITED: LimitedSeconds = Object.freeze({});

/** The shortest interval judged, ms: a dozen jiffies at HZ=250, so a share moves in steps of 8% at most. */
export const MIN_JUDGED_INTERVAL_MS = 50;

/**
 * One connection's verdict, kept between samples. The first sample only opens an interval, so
 * a connection has no verdict until its second; a sample without limit counters (an older kernel,
 * a recording made before they were sampled) leaves the verdict unknown.
 */
export class FlowLimitTracker {
  private start: IntervalStart | null = null;
  private published: FlowLimitSnapshot | null = null;
  /** Replaced, never changed: the published verdicts share it. */
  private limitedSeconds: LimitedSeconds = NEVER_LIMITED;

  /** The verdict over the last interval; null until two samples with limit counters came. */
  get snapshot(): FlowLimitSnapshot | null {
    return this.published;
  }

  /** Folds a sample in; returns whether the verdict or its numbers changed. */
  sample(record: SocketSampleRecord): boolean {
    const { limits, counters } = record;
    if (limits == null || counters === null) return false;
    const start = this.start;
    if (start === null) {
      this.start = new IntervalStart();
      this.start.take(record.atMs, limits, counters);
      return false;
    }
    if (record.atMs <= start.atMs) return false;
    // A counter that went back means the socket is not the one sampled before: start over.
    if (limits.busyUs < start.busyUs || counters.segsOut < start.segsOut) {
      start.take(record.atMs, limits, counters);
      return false;
    }
    const intervalMs = record.atMs - start.atMs;
    // The kernel counts these times in jiffies (4 ms at HZ=250): a sample a few ms after the last
    // (a capture's final tick) says nothing, so the interval runs on to the next, or the verdict stands.
    if (intervalMs < MIN_JUDGED_INTERVAL_MS) return false;
    const busyUs = limits.busyUs - start.busyUs;
    const rwndLimitedUs = Math.max(0, limits.rwndLimitedUs - start.rwndLimitedUs);
    const sndbufLimitedUs = Math.max(0, limits.sndbufLimitedUs - start.sndbufLimitedUs);
    const segmentsSent = counters.segsOut - start.segsOut;
    const retransmits = Math.max(0, counters.totalRetrans - start.totalRetrans);
    const bytesAcked = Math.max(0, counters.bytesAcked - start.bytesAcked);
    start.take(record.atMs, limits, counters);
    // Idle again, its end state unchanged: the rules would say idle again (the two before it read
    // only the end state), so the verdict published stands and nothing is built. A table's many
    // idle connections come through here every tick.
    const published = this.published;
    if (published?.verdict === 'idle' && busyUs <= 0 && bytesAcked <= 0 && sameEndState(published, record, limits)) return false;
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
    if (judgement.verdict !== 'idle') {
      this.limitedSeconds = { ...this.limitedSeconds, [judgement.verdict]: (this.limitedSeconds[judgement.verdict] ?? 0) + intervalMs / 1000 };
    }
    // Every field written out, none spread: an object built by spreading got its fields in a
    // separate property array, 200 bytes more on each connection that has a verdict.
    this.published = {
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
      limitedSeconds: this.limitedSeconds,
    };
    return true;
  }
}

function sameEndState(published: FlowLimitSnapshot, record: SocketSampleRecord, limits: FlowLimitCounters): boolean {
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
