/** A connection's flow limit as the JSON document carries it (schema: `$defs/flowLimit`). */
import type { FlowLimitSnapshot, LimitedSeconds } from './flow-limit-tracker.js';

/**
 * The snapshot's fields, with times (ms) and shares (0–1) rounded to three decimals: the document
 * carries what the live view shows, so one shape serves both.
 */
export type FlowLimitDocument = FlowLimitSnapshot;

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
