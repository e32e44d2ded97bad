/**
 * The header: who and how long, connection counts by state, host-wide rates with the last
 * minute's sparkline, open findings and health counters, and — only when set — the probes that
 * are off, the scope and a replay's position. Each is one line, already fitted to the width.
 */
import type { HeaderView, Tone } from './view-types.js';
import type { UiState } from './ui-state.js';
import type { ReplayProgress, ScreenInput } from './screen-input.js';
import type { ModelSnapshot, SourceInfo, TcpStateName } from '../../model/snapshot-types.js';
import { formatClockTime, formatCount, formatDuration, formatInterval, formatPerSecond, formatRate, formatSpeed, formatState, truncate } from './format.js';
import { describeScope } from './scope.js';
import { severityRank, type Finding } from '../../findings/finding.js';
import { severityMark, severityTone } from './finding-format.js';
import { sparkline } from './sparkline.js';
import { displayWidth } from './text-width.js';
import { selectGaugesLine } from './select-gauges.js';

/** Lines the header always takes: title, states, rates, health. */
const HEADER_BASE_LINES = 4;
/** Most points of the rate sparkline: a minute at the default 1 s tick. */
const HEADER_SPARKLINE_POINTS = 60;
/** What the header component puts between the rates and the sparkline. */
const RATES_SPARKLINE_GAP = 2;
/** Cells the header component's ` PAUSED ` banner takes on the title line (with its margin). */
const PAUSED_BANNER_WIDTH = 9;
/** What the header component puts between the findings count and the health counters. */
export const FINDINGS_HEALTH_SEPARATOR = ' · ';
/** Most cells of a replay's position bar. */
const REPLAY_BAR_CELLS = 40;

/** States in the order a connection lives through them; CLOSE is counted as `closed`. */
const STATE_ORDER: readonly TcpStateName[] = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'NEW_SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'CLOSE_WAIT',
  'CLOSING',
  'LAST_ACK',
  'TIME_WAIT',
  'LISTEN',
  'CLOSE',
];

/** Lines `header` takes on screen: the base four, plus one each for gauges, probes off, scope and replay. */
export function headerLineCount(header: HeaderView): number {
  return HEADER_BASE_LINES + (header.gauges === null ? 0 : 1) + (header.probesOff === null ? 0 : 1) + (header.scope === null ? 0 : 1) + (header.replay === null ? 0 : 1);
}

/** The header for this tick, every line fitted to `width` cells. */
export function selectHeader(input: ScreenInput, state: UiState, width: number): HeaderView {
  const { snapshot, source, host } = input;
  const uptime = formatDuration(Math.max(0, snapshot.atMs - snapshot.startedAtMs));
  // A replay ticks when the recording did: no interval of its own to show, but the recorded
  // time of day at the position, which is what an incident timeline is written in.
  const pace = input.replay === null ? ` · every ${formatInterval(state.intervalMs)}` : '';
  const recordedAt = input.replay === null ? '' : ` · at ${formatClockTime(snapshot.atMs)}`;
  const title = `netscope · ${host.hostname} · up ${uptime}${recordedAt} · ${source.kind}${pace}`;
  const latest = snapshot.rateHistory.at(-1);
  const rates = `↑ ${formatRate(latest?.sendRate ?? 0)} ↓ ${formatRate(latest?.receiveRate ?? 0)}`;
  const sparklineWidth = Math.max(0, Math.min(HEADER_SPARKLINE_POINTS, width - displayWidth(rates) - RATES_SPARKLINE_GAP));
  const lost = snapshot.totals.lostEvents;
  const health = [
    `retrans ${formatPerSecond(latest?.retransmitsPerSecond ?? 0)}`,
    `drops ${formatPerSecond(latest?.dropsPerSecond ?? 0)}`,
    `resets ${formatPerSecond(latest?.resetsPerSecond ?? 0)}`,
    `lost ${formatCount(lost)}`,
    ...(snapshot.totals.evicted > 0 ? [`evicted ${formatCount(snapshot.totals.evicted)}`] : []),
  ].join(' · ');
  const troubled = (latest?.retransmitsPerSecond ?? 0) + (latest?.dropsPerSecond ?? 0) + (latest?.resetsPerSecond ?? 0) > 0;
  const healthTone: Tone = lost > 0 ? 'bad' : troubled ? 'warn' : 'normal';
  const probesOff = describeProbesOff(source);
  const scope = describeScope(state.scope, snapshot);
  const open = openFindings(input.findings);
  // The count comes first on its line: at 80 columns the health counters lose their end, not it.
  const findings = open === null ? null : truncate(open.text, width);
  const healthWidth = findings === null ? width : Math.max(0, width - displayWidth(findings) - FINDINGS_HEALTH_SEPARATOR.length);
  return {
    title: truncate(title, width - (state.paused ? PAUSED_BANNER_WIDTH : 0)),
    states: truncate(describeStates(snapshot), width),
    rates: truncate(rates, width),
    sparkline: sparklineWidth === 0 ? '' : sparkline(snapshot.rateHistory.map((point) => point.sendRate + point.receiveRate), sparklineWidth),
    health: truncate(health, healthWidth),
    healthTone,
    findings,
    findingsTone: open?.tone ?? 'normal',
    gauges: selectGaugesLine(snapshot, width),
    probesOff: probesOff === null ? null : truncate(probesOff, width),
    scope: scope === null ? null : truncate(scope, width),
    replay: input.replay === null ? null : truncate(describeReplay(input.replay, state.replaySpeed ?? 1, width), width),
    paused: state.paused,
  };
}

/** `findings 3 ▲critical`: the open findings and the worst severity among them; null when none is open. */
function openFindings(findings: readonly Finding[]): { text: string; tone: Tone } | null {
  let count = 0;
  let worst: Finding['severity'] | null = null;
  for (const finding of findings) {
    if (finding.state !== 'open') continue;
    count++;
    if (worst === null || severityRank[finding.severity] < severityRank[worst]) worst = finding.severity;
  }
  if (worst === null) return null;
  return { text: `findings ${formatCount(count)} ${severityMark(worst)}`, tone: severityTone(worst) };
}

/** `replay 1m12s / 10m00s ━━━━━━━━────────────── ×2`, with `· end` once the last tick is on screen. */
function describeReplay(progress: ReplayProgress, speed: number, width: number): string {
  const position = `replay ${formatDuration(progress.positionMs)} / ${formatDuration(progress.durationMs)}`;
  const after = ` ${formatSpeed(speed)}${progress.atEnd ? ' · end' : ''}`;
  const cells = Math.max(0, Math.min(REPLAY_BAR_CELLS, width - displayWidth(position) - displayWidth(after) - 1));
  const share = progress.durationMs === 0 ? 1 : Math.min(1, progress.positionMs / progress.durationMs);
  const filled = Math.round(cells * share);
  const bar = '━'.repeat(filled) + '─'.repeat(cells - filled);
  return cells === 0 ? `${position}${after}` : `${position} ${bar}${after}`;
}

/** `1,204 conns: 812 ESTAB 3 SYN_SENT 389 TIME_WAIT 12 closed · 14 listening` */
function describeStates(snapshot: ModelSnapshot): string {
  const counts = new Map<TcpStateName, number>();
  for (const connection of snapshot.connections) counts.set(connection.state, (counts.get(connection.state) ?? 0) + 1);
  const parts = STATE_ORDER.flatMap((state) => {
    const count = counts.get(state) ?? 0;
    if (count === 0) return [];
    return [`${formatCount(count)} ${state === 'CLOSE' ? 'closed' : formatState(state)}`];
  });
  const total = `${formatCount(snapshot.connections.length)} conns`;
  const listening = `${formatCount(snapshot.listeners.length)} listening`;
  return `${parts.length === 0 ? total : `${total}: ${parts.join(' ')}`} · ${listening}`;
}

/** `probes off: kfree_skb (unsupported), tcp_retransmit_skb (failed)`; null when every probe is attached. */
function describeProbesOff(source: SourceInfo): string | null {
  if (source.kind === 'procfs') {
    const reason = source.probes[0]?.reason ?? 'eBPF off';
    return `${reason} — counters from sock_diag only: no retransmit, reset or drop events · run as root for everything`;
  }
  const off = source.probes.filter((probe) => probe.status !== 'attached');
  if (off.length === 0) return null;
  return `probes off: ${off.map((probe) => `${probe.name} (${probe.status})`).join(', ')}`;
}
