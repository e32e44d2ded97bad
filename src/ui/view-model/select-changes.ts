/**
 * The Changes page (`B`): what changed since the baseline, one item a line — what appeared (`+`),
 * what went (`−`), and what moved, biggest first, with before → after.
 */
import type { MovedMetric } from '../../model/baseline-changes.js';
import type { ScreenChanges } from './screen-input.js';
import type { ChangesView, Tone } from './view-types.js';
import { formatLatency, formatRate, formatTimeOfDay } from './format.js';

const NO_BASELINE = 'No baseline yet: b marks this moment, or start with --baseline FILE (a snapshot or recording taken when all was fine).';

function percent(share: number): string {
  return `${(share * 100).toFixed(share < 0.1 ? 2 : 1)}%`;
}

function value(metric: MovedMetric['metric'], amount: number): string {
  switch (metric) {
    case 'traffic':
      return formatRate(amount);
    case 'retransmitShare':
      return percent(amount);
    case 'rtt':
      return formatLatency(amount);
  }
}

const METRIC_LABEL: Record<MovedMetric['metric'], string> = { traffic: 'traffic', retransmitShare: 'retransmits', rtt: 'RTT' };

function factor(move: MovedMetric): string {
  if (!Number.isFinite(move.factor)) return 'from none';
  return move.factor >= 1 ? `×${move.factor.toFixed(1)}` : `÷${(1 / move.factor).toFixed(1)}`;
}

/** A move that got worse (more retransmits, a longer RTT) warns; traffic either way is news. */
function moveTone(move: MovedMetric): Tone {
  if (move.metric === 'traffic') return 'accent';
  return move.after > move.before ? 'warn' : 'good';
}

function baselineTitle({ changes, origin, file }: ScreenChanges): string {
  const from = origin === 'mark' ? 'marked with b' : `${origin} ${file ?? ''}`.trim();
  return `Changes since the baseline of ${formatTimeOfDay(changes.baselineAtMs)} (${from})`;
}

export function selectChanges(screenChanges: ScreenChanges | null): ChangesView {
  if (screenChanges === null) return { title: 'Changes', lines: [{ label: '', text: NO_BASELINE, tone: 'dim' }] };
  const { changes } = screenChanges;
  const lines: ChangesView['lines'] = [];
  const group = (label: string, items: readonly string[], sign: '+' | '−', tone: Tone) => {
    for (const item of items) lines.push({ label, text: `${sign} ${item}`, tone });
  };
  group('listeners', changes.listeners.appeared, '+', 'accent');
  group('listeners', changes.listeners.gone, '−', 'dim');
  group('processes', changes.processes.startedTalking, '+', 'accent');
  group('processes', changes.processes.stoppedTalking, '−', 'dim');
  group('peers', changes.peers.appeared, '+', 'accent');
  group('peers', changes.peers.gone, '−', 'dim');
  group('containers', changes.containers.appeared, '+', 'accent');
  group('containers', changes.containers.gone, '−', 'dim');
  for (const move of changes.moved) {
    const text = `${move.key}  ${METRIC_LABEL[move.metric]} ${value(move.metric, move.before)} → ${value(move.metric, move.after)} (${factor(move)})`;
    lines.push({ label: move.subject === 'process' ? 'moved' : 'moved peer', text, tone: moveTone(move) });
  }
  if (lines.length === 0) lines.push({ label: '', text: 'Nothing changed since the baseline.', tone: 'good' });
  return { title: baselineTitle(screenChanges), lines };
}
