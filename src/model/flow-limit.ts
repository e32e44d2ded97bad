/**
 * What limited a connection's sending over one sampling interval, from the differences between
 * two samples of its tcp_info — never from its totals since birth, which would let an hour of
 * history outvote the last second. The rules, their order and their thresholds are explained in
 * docs/flow-limits.md; keep the two together.
 */

/**
 * The verdict, first rule that holds wins:
 * - `stalled-reader`: our side is not reading — bytes wait in the receive queue and we advertise a zero window;
 * - `receiver`: the peer's window is the limit — it advertises zero, or rwnd-limited time dominates busy time;
 * - `idle`: nothing was sent and nothing was in flight in the interval;
 * - `network`: loss — retransmitted segments were a noticeable share of those sent;
 * - `sndbuf`: our send buffer is the limit — sndbuf-limited time is a fifth of busy time or more, and more than rwnd-limited time;
 * - `app`: none of the above: the flow moved as fast as the application handed it data.
 */
export type FlowLimit = 'app' | 'receiver' | 'sndbuf' | 'network' | 'stalled-reader' | 'idle';

/** Every verdict, in the order the rules try them. */
export const FLOW_LIMITS: readonly FlowLimit[] = ['stalled-reader', 'receiver', 'idle', 'network', 'sndbuf', 'app'];

/** A share of busy time at or above this dominates it (rwnd-limited). */
export const DOMINANT_SHARE = 0.5;
/**
 * sndbuf-limited time at or above this share of busy time is the send buffer. Lower than
 * `DOMINANT_SHARE` because the kernel undercounts it: its clock runs only once everything
 * written has left, so a paced sender's time spent sending its buffer's worth counts as plain
 * busy time (docs/flow-limits.md has the measurements).
 */
export const SNDBUF_SHARE = 0.2;
/** Retransmitted segments at or above this share of the segments sent in the interval mean loss. */
export const LOSS_SHARE = 0.01;
/** And at least this many of them: one retransmit among a handful of segments is not a pattern. */
export const MIN_LOSS_RETRANSMITS = 2;

/** One interval's differences and the socket's state at its end: what the rules read. */
export interface FlowLimitInterval {
  /** Length of the interval, µs (between the two samples' times). */
  intervalUs: number;
  /** tcpi_busy_time grown over the interval, µs (includes the two limited times). */
  busyUs: number;
  rwndLimitedUs: number;
  sndbufLimitedUs: number;
  /** Segments sent (tcpi_segs_out) and retransmitted (tcpi_total_retrans) in the interval. */
  segmentsSent: number;
  retransmits: number;
  /** Bytes the peer acknowledged in the interval. */
  bytesAcked: number;
  /** At the interval's end: bytes received and not read (idiag_rqueue). */
  receiveQueue: number;
  /** At the interval's end: bytes written and not acknowledged (idiag_wqueue). */
  sendQueue: number;
  /** At the interval's end: the window we advertise, bytes; null when the kernel does not report it. */
  rcvWnd: number | null;
  /** At the interval's end: the window the peer advertises, bytes; null when the kernel does not report it. */
  sndWnd: number | null;
}

/** The verdict and the shares behind it. */
export interface FlowLimitJudgement {
  verdict: FlowLimit;
  /** Busy time as a share of the interval, 0–1 (the kernel counts in jiffies, so it is clamped). */
  busyShare: number;
  /** The rest of the interval, 0–1. */
  idleShare: number;
  /** rwnd-limited time as a share of busy time, 0–1 (0 when not busy). */
  rwndLimitedShare: number;
  /** sndbuf-limited time as a share of busy time, 0–1 (0 when not busy). */
  sndbufLimitedShare: number;
  /** Retransmitted segments as a share of segments sent, 0–1 (0 when none was sent). */
  retransmitShare: number;
}

function share(part: number, whole: number): number {
  return whole > 0 ? Math.min(1, Math.max(0, part / whole)) : 0;
}

export function judgeFlowLimit(interval: FlowLimitInterval): FlowLimitJudgement {
  const busyShare = share(interval.busyUs, interval.intervalUs);
  const rwndLimitedShare = share(interval.rwndLimitedUs, interval.busyUs);
  const sndbufLimitedShare = share(interval.sndbufLimitedUs, interval.busyUs);
  const retransmitShare = share(interval.retransmits, interval.segmentsSent);
  const shares = { busyShare, idleShare: 1 - busyShare, rwndLimitedShare, sndbufLimitedShare, retransmitShare };
  return { verdict: chooseLimit(interval, shares), ...shares };
}

function chooseLimit(interval: FlowLimitInterval, shares: Omit<FlowLimitJudgement, 'verdict'>): FlowLimit {
  if (interval.rcvWnd === 0 && interval.receiveQueue > 0) return 'stalled-reader';
  if (interval.sndWnd === 0 && interval.sendQueue > 0) return 'receiver';
  if (interval.busyUs <= 0 && interval.bytesAcked <= 0) return 'idle';
  // A flow in retransmission backoff sends little else: every segment of the interval resent is loss too.
  const onlyResent = interval.retransmits > 0 && interval.retransmits >= interval.segmentsSent;
  if ((interval.retransmits >= MIN_LOSS_RETRANSMITS || onlyResent) && shares.retransmitShare >= LOSS_SHARE) return 'network';
  if (shares.rwndLimitedShare >= DOMINANT_SHARE) return 'receiver';
  if (shares.sndbufLimitedShare >= SNDBUF_SHARE && shares.sndbufLimitedShare > shares.rwndLimitedShare) return 'sndbuf';
  return 'app';
}
