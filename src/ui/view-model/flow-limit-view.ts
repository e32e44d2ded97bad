/**
 * How a connection's flow limit reads on screen: the LIMIT cell, its order when sorted, whether
 * it is a problem worth a column on a narrow terminal, and the detail page's lines with the
 * shares and counters behind the verdict (docs/flow-limits.md).
 */
import type { FlowLimit } from '../../model/flow-limit.js';
import type { FlowLimitSnapshot, LimitedSeconds } from '../../model/flow-limit-tracker.js';
import type { DetailView, Tone } from './view-types.js';
import { formatBytes, formatCount, formatDuration, formatRate } from './format.js';

/** The LIMIT cell: one word, at most 8 cells (`stalled-reader` reads `stalled`). */
const CELL_LABELS: Record<FlowLimit, string> = {
  'stalled-reader': 'stalled',
  receiver: 'receiver',
  network: 'network',
  sndbuf: 'sndbuf',
  app: 'app',
  idle: 'idle',
};

/** Most telling first when the column sorts descending: our own stall, then what holds a flow back, then the harmless. */
const RANKS: Record<FlowLimit, number> = { 'stalled-reader': 6, network: 5, receiver: 4, sndbuf: 3, app: 2, idle: 1 };

/** What the verdict means, in the words of the detail page. */
const MEANINGS: Record<FlowLimit, string> = {
  'stalled-reader': 'this side is not reading: bytes wait unread and it advertises a zero window',
  receiver: "the peer's receive window held sending back",
  network: 'loss: segments had to be retransmitted',
  sndbuf: 'the send buffer was full: everything written was in flight',
  app: 'the application: nothing held back what it gave to send',
  idle: 'nothing was sent',
};

/** slow-start threshold before any loss (TCP_INFINITE_SSTHRESH). */
const NO_SSTHRESH = 0x7fffffff;

export function flowLimitCell(limit: FlowLimitSnapshot | null): string {
  return limit === null ? '-' : CELL_LABELS[limit.verdict];
}

export function flowLimitRank(limit: FlowLimitSnapshot | null): number | null {
  return limit === null ? null : RANKS[limit.verdict];
}

/** A verdict that names something holding the flow back (app and idle do not). */
export function isLimitProblem(limit: FlowLimitSnapshot | null): boolean {
  return limit !== null && limit.verdict !== 'app' && limit.verdict !== 'idle';
}

export function flowLimitTone(limit: FlowLimitSnapshot | null): Tone {
  if (limit === null) return 'normal';
  if (limit.verdict === 'stalled-reader') return 'bad';
  return isLimitProblem(limit) ? 'warn' : 'normal';
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function windowBytes(bytes: number | null): string {
  return bytes === null ? 'unknown' : formatBytes(bytes);
}

/** `receiver 12s · app 3.0s`, longest first. */
function describeLimitedSeconds(limitedSeconds: LimitedSeconds): string {
  const entries = (Object.entries(limitedSeconds) as [FlowLimit, number][]).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? 'none yet' : entries.map(([verdict, seconds]) => `${verdict} ${formatDuration(seconds * 1000)}`).join(' · ');
}

/**
 * The detail page's field: the verdict, what it means and the shares behind it, over the last
 * interval. None while unknown: at 80×24 every line counts, and the table already shows `-`.
 */
export function flowLimitFields(limit: FlowLimitSnapshot | null): DetailView['fields'] {
  if (limit === null) return [];
  const shares = `busy ${percent(limit.busyShare)}, idle ${percent(limit.idleShare)}; of busy: rwnd-limited ${percent(limit.rwndLimitedShare)}, sndbuf-limited ${percent(limit.sndbufLimitedShare)}; retransmitted ${percent(limit.retransmitShare)}`;
  return [{ label: 'Limit', value: `${limit.verdict} — ${MEANINGS[limit.verdict]} · last ${formatDuration(limit.intervalMs)}: ${shares}`, tone: flowLimitTone(limit) }];
}

/** The counters behind the verdict, one group of lines under the page's other sections (cut first when short). */
export function flowLimitCounterLines(limit: FlowLimitSnapshot | null): string[] {
  if (limit === null) return [];
  const ssthresh = limit.sndSsthresh >= NO_SSTHRESH ? 'none (no loss yet)' : formatCount(limit.sndSsthresh);
  const delivery = `${formatRate(limit.deliveryRate)}${limit.appLimited ? ' (app-limited)' : ''}`;
  const probing = limit.probeTimerArmed ? ` · probe timer armed, ${formatCount(limit.probes)} probes` : '';
  return [
    `busy ${formatDuration(limit.busyMs)} · rwnd-limited ${formatDuration(limit.rwndLimitedMs)} · sndbuf-limited ${formatDuration(limit.sndbufLimitedMs)} · ${formatCount(limit.retransmits)} of ${formatCount(limit.segmentsSent)} segments retransmitted`,
    `peer window ${windowBytes(limit.sndWnd)} · our window ${windowBytes(limit.rcvWnd)} · cwnd ${formatCount(limit.sndCwnd)} · ssthresh ${ssthresh}${probing}`,
    `unread ${formatBytes(limit.receiveQueue)} · unacknowledged ${formatBytes(limit.sendQueue)} · not sent ${formatBytes(limit.notsentBytes)} · delivery ${delivery}`,
    `limited for ${describeLimitedSeconds(limit.limitedSeconds)}`,
  ];
}
