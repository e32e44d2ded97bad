/** A connection's flow limit as the JSON document carries it (schema: `$defs/flowLimit`). */
import type { FlowLimit } from './flow-limit.js';
import type { FlowLimitSnapshot, LimitedSeconds } from './flow-limit-tracker.js';

export interface FlowLimitDocument {
  /** What limited sending over the last sampling interval (docs/flow-limits.md). */
  verdict: FlowLimit;
  intervalMs: number;
  /** Shares, 0–1 to three decimals: busy and idle of the interval; rwnd- and sndbuf-limited of busy time; retransmitted of segments sent. */
  busyShare: number;
  idleShare: number;
  rwndLimitedShare: number;
  sndbufLimitedShare: number;
  retransmitShare: number;
  /** The counters behind them, over the interval. */
  busyMs: number;
  rwndLimitedMs: number;
  sndbufLimitedMs: number;
  segmentsSent: number;
  retransmits: number;
  /** The socket at the interval's end. */
  receiveQueue: number;
  sendQueue: number;
  notsentBytes: number;
  appLimited: boolean;
  /** Bytes/s. */
  deliveryRate: number;
  /** Segments. */
  sndCwnd: number;
  sndSsthresh: number;
  /** Bytes; null when the kernel does not report it. */
  sndWnd: number | null;
  rcvWnd: number | null;
  probes: number;
  probeTimerArmed: boolean;
  /** Seconds under each verdict since netscope first judged the connection (idle not counted). */
  limitedSeconds: LimitedSeconds;
}

function roundShare(share: number): number {
  return Math.round(share * 1000) / 1000;
}

function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export function flowLimitDocument(limit: FlowLimitSnapshot | null): FlowLimitDocument | null {
  if (limit === null) return null;
  const limitedSeconds: LimitedSeconds = {};
  for (const [verdict, seconds] of Object.entries(limit.limitedSeconds) as [keyof LimitedSeconds, number][]) {
    limitedSeconds[verdict] = roundMs(seconds);
  }
  return {
    verdict: limit.verdict,
    intervalMs: roundMs(limit.intervalMs),
    busyShare: roundShare(limit.busyShare),
    idleShare: roundShare(limit.idleShare),
    rwndLimitedShare: roundShare(limit.rwndLimitedShare),
    sndbufLimitedShare: roundShare(limit.sndbufLimitedShare),
    retransmitShare: roundShare(limit.retransmitShare),
    busyMs: roundMs(limit.busyMs),
    rwndLimitedMs: roundMs(limit.rwndLimitedMs),
    sndbufLimitedMs: roundMs(limit.sndbufLimitedMs),
    segmentsSent: limit.segmentsSent,
    retransmits: limit.retransmits,
    receiveQueue: limit.receiveQueue,
    sendQueue: limit.sendQueue,
    notsentBytes: limit.notsentBytes,
    appLimited: limit.appLimited,
    deliveryRate: limit.deliveryRate,
    sndCwnd: limit.sndCwnd,
    sndSsthresh: limit.sndSsthresh,
    sndWnd: limit.sndWnd,
    rcvWnd: limit.rcvWnd,
    probes: limit.probes,
    probeTimerArmed: limit.probeTimerArmed,
    limitedSeconds,
  };
}
