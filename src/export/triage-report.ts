/**
 * `netscope triage`'s report: the findings of a short capture as a few lines a person reads
 * during an incident — worst first, each with its summary, since when, the evidence counters and
 * the next step — and the verdict its exit code says. Pure: the capture's end is given, so a
 * replay reports exactly what the live run did.
 *
 * Every string a finding carries is escaped once more before it is printed (a finding replayed
 * from a recording carries text from a file anyone may have edited); colour only when asked.
 */
import { escapeRecordedText } from '../enrich/untrusted-text.js';
import { severityRank, type EvidenceCounter, type Finding, type FindingKind, type FindingSeverity } from '../findings/finding.js';

/** What the exit code says: nothing open, warnings at worst, or a critical finding open. Info findings alone count as nothing wrong. */
export type TriageVerdict = 'nothingOpen' | 'warnings' | 'critical';

export function triageVerdict(findings: readonly Finding[]): TriageVerdict {
  const open = findings.filter((finding) => finding.state === 'open');
  if (open.some((finding) => finding.severity === 'critical')) return 'critical';
  return open.some((finding) => finding.severity === 'warning') ? 'warnings' : 'nothingOpen';
}

/** Open before resolved, then critical → warning → info, then the oldest evidence first; the id settles ties, so the order is the same on every run. */
export function worstFirst(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      Number(a.state === 'resolved') - Number(b.state === 'resolved') ||
      severityRank[a.severity] - severityRank[b.severity] ||
      a.sinceMs - b.sinceMs ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** What the report says about the capture it comes from. */
export interface TriageContext {
  /** When the capture's last tick was, ms since the epoch: ages ("for 12 s") count to it. */
  endedAtMs: number;
  /** How long the capture ran (from its first tick), ms. */
  durationMs: number;
  /** Connections and processes the findings were drawn from (after --pid/--port… scoping). */
  connections: number;
  processes: number;
  /** Where the findings come from when it is not a live capture, e.g. `replay of incident.ndjson`; null otherwise. */
  note: string | null;
  /** What the capture could not see (e.g. `without eBPF: no retransmit, reset or drop events`); null for a full view. Nothing found in a partial view is not "nothing is wrong". */
  partialView: string | null;
  /** Severity words in colour (a terminal, no --no-color, no NO_COLOR). */
  color: boolean;
}

const SEVERITY_WORDS: Readonly<Record<FindingSeverity, string>> = { critical: 'CRITICAL', warning: 'WARNING', info: 'INFO' };
/** Red, yellow, and the terminal's dim: colour only where it means something. */
const SEVERITY_COLOURS: Readonly<Record<FindingSeverity, string>> = { critical: '\u001b[1;31m', warning: '\u001b[33m', info: '\u001b[2m' };
const RESET_COLOUR = '\u001b[0m';
/** A symptom another finding took in, as the report names it. */
const SYMPTOM_WORDS: Readonly<Record<FindingKind, string>> = {
  loss: 'retransmits',
  unreachable: 'unanswered SYNs',
  refused: 'refused connections',
  resets: 'resets',
  closeWaitLeak: 'CLOSE_WAIT sockets',
  acceptQueueOverflow: 'accept queue overflows',
  drops: 'kernel drops',
  slowHandshake: 'slow handshakes',
  hostLimit: 'host limits',
  stalledReader: 'stalled readers',
};
/** Counters shown per finding at most: the engine puts the telling ones first. */
const MAX_COUNTERS_SHOWN = 6;
const MAX_REASONS_SHOWN = 3;

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** `12 s`, `3m05s`, `2h04m`: how long, at a glance. */
export function shortDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** `09:12:04Z`: the time of day in UTC (the capture is minutes long; the header gives the date). */
function timeOfDay(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)}Z`;
}

function counterText({ name, value, unit }: EvidenceCounter): string {
  // An age of 10366 ms reads as 10 s.
  if (unit === 'ms' && value >= 1000) return `${escapeRecordedText(name)} ${shortDuration(value)}`;
  const number = Number.isInteger(value) ? String(value) : value.toFixed(1);
  const shownUnit = unit === null ? '' : unit === '%' ? '%' : ` ${escapeRecordedText(unit)}`;
  return `${escapeRecordedText(name)} ${number}${shownUnit}`;
}

function severityWord(severity: FindingSeverity, color: boolean): string {
  const word = SEVERITY_WORDS[severity].padEnd(8);
  return color ? `${SEVERITY_COLOURS[severity]}${word}${RESET_COLOUR}` : word;
}

function findingLines(finding: Finding, index: number, context: TriageContext): string[] {
  const { evidence } = finding;
  const number = `${index + 1}.`.padEnd(4);
  const lines = [`${number}${severityWord(finding.severity, context.color)} ${escapeRecordedText(finding.summary)}`];
  const indent = ' '.repeat(4);
  const openFor = shortDuration(context.endedAtMs - finding.sinceMs);
  lines.push(
    finding.state === 'open'
      ? `${indent}since ${timeOfDay(finding.sinceMs)} (for ${openFor}), last seen ${timeOfDay(finding.lastSeenMs)}`
      : `${indent}resolved at ${timeOfDay(finding.resolvedAtMs ?? finding.lastSeenMs)}, after ${shortDuration((finding.resolvedAtMs ?? finding.lastSeenMs) - finding.sinceMs)} since ${timeOfDay(finding.sinceMs)}`,
  );
  const counters = evidence.counters.slice(0, MAX_COUNTERS_SHOWN).map(counterText);
  if (evidence.reasons.length > 0) counters.push(`kernel reasons ${evidence.reasons.slice(0, MAX_REASONS_SHOWN).map(escapeRecordedText).join(', ')}`);
  const sockets = evidence.connectionIds.length + evidence.listenerIds.length;
  if (sockets > 0) counters.push(plural(sockets, 'socket'));
  if (counters.length > 0) lines.push(`${indent}evidence: ${counters.join(' · ')}`);
  if (evidence.absorbed.length > 0) lines.push(`${indent}also explains: ${evidence.absorbed.map((kind) => SYMPTOM_WORDS[kind]).join(', ')}`);
  lines.push(`${indent}next: ${escapeRecordedText(finding.nextStep)}`);
  return lines;
}

function headline(findings: readonly Finding[], context: TriageContext): string {
  const seen = `${shortDuration(context.durationMs)} over ${plural(context.connections, 'connection')} of ${plural(context.processes, 'process', 'processes')}`;
  const note = context.note === null ? '' : ` (${context.note})`;
  const open = findings.filter((finding) => finding.state === 'open');
  const partial = context.partialView === null ? '' : ` — a partial view (${context.partialView})`;
  if (triageVerdict(findings) === 'nothingOpen') {
    const infoOnly = open.length > 0 ? `, ${plural(open.length, 'note')} for information` : '';
    if (context.partialView !== null) return `netscope triage: no warning or critical finding in ${seen}${note}${infoOnly}${partial}: run it as root to rule the rest out`;
    return `netscope triage: nothing is wrong — no warning or critical finding in ${seen}${note}${infoOnly}`;
  }
  const bySeverity = (['critical', 'warning', 'info'] as const)
    .map((severity) => [severity, open.filter((finding) => finding.severity === severity).length] as const)
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => `${count} ${severity}`)
    .join(', ');
  return `netscope triage: ${plural(open.length, 'finding')} open (${bySeverity}) in ${seen}${note}${partial}`;
}

/** The whole report, newline-terminated: a headline, then each finding worst first (resolved ones last). */
export function triageReportText(findings: readonly Finding[], context: TriageContext): string {
  const ordered = worstFirst(findings);
  const blocks = ordered.map((finding, index) => findingLines(finding, index, context).join('\n'));
  return `${[headline(findings, context), ...blocks].join('\n\n')}\n`;
}
