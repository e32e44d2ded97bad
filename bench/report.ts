/**
 * The benchmark's output: one table (configuration, figure, value, ratio, spread, target)
 * printed to the terminal and written, with the machine it ran on, to bench/RESULTS.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

/** Best of several rounds, and how far apart the rounds were. */
export interface Summary {
  best: number;
  worst: number;
  rounds: number;
  /** (worst − best) / best, ≥ 0. */
  spread: number;
}

/** Best (highest, or lowest when `lowerIsBetter`) of the values, with their spread. */
export function summarize(values: number[], lowerIsBetter = false): Summary | null {
  if (values.length === 0) return null;
  const best = lowerIsBetter ? Math.min(...values) : Math.max(...values);
  const worst = lowerIsBetter ? Math.max(...values) : Math.min(...values);
  return { best, worst, rounds: values.length, spread: best === 0 ? 0 : Math.abs(worst - best) / Math.abs(best) };
}

export function spreadText(summary: Summary): string {
  return summary.rounds < 2 ? `1 run` : `${(summary.spread * 100).toFixed(1)}% (${summary.rounds} runs)`;
}

export interface Row {
  configuration: string;
  figure: string;
  value: string;
  ratio: string;
  spread: string;
  target: string;
}

export interface Section {
  title: string;
  rows: Row[];
  notes?: string[];
}

export interface Verdict {
  target: string;
  measured: string;
  /** null: not measured. */
  pass: boolean | null;
}

export interface NotMeasured {
  configuration: string;
  reason: string;
}

export interface Report {
  mode: string;
  /** machineDescription(), taken when the run started. */
  machine: string[];
  startedAt: Date;
  durationSeconds: number;
  sections: Section[];
  verdicts: Verdict[];
  notMeasured: NotMeasured[];
  notes: string[];
}

export const verdictWord = (pass: boolean | null) => (pass === null ? 'NOT MEASURED' : pass ? 'PASS' : 'SHORT');

export function machineDescription(): string[] {
  const memoryGiB = (os.totalmem() / 1024 ** 3).toFixed(1);
  let cpuModel = os.cpus()[0]?.model ?? 'unknown CPU';
  cpuModel = cpuModel.replace(/\s+/g, ' ').trim();
  let distribution = '';
  try {
    distribution = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? '';
  } catch {
    // not Linux-like: leave it out
  }
  let nproc = String(os.availableParallelism());
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // os.availableParallelism() it is
  }
  return [
    `machine: ${nproc} CPUs (nproc; ${cpuModel}), ${memoryGiB} GiB memory`,
    `kernel: ${os.release()}${distribution ? ` (${distribution})` : ''}`,
    `node: ${process.version}`,
    `load average at the start: ${os.loadavg().map((load) => load.toFixed(2)).join(' ')}`,
  ];
}

const HEADERS: Row = { configuration: 'configuration', figure: 'figure', value: 'value', ratio: 'ratio', spread: 'spread', target: 'target' };
const COLUMNS = ['configuration', 'figure', 'value', 'ratio', 'spread', 'target'] as const;
const RIGHT_ALIGNED = new Set<keyof Row>(['value', 'ratio']);

function widths(rows: Row[]): Record<keyof Row, number> {
  const result = {} as Record<keyof Row, number>;
  for (const column of COLUMNS) result[column] = Math.max(...[HEADERS, ...rows].map((row) => [...row[column]].length));
  return result;
}

function pad(text: string, width: number, right: boolean): string {
  const gap = ' '.repeat(Math.max(0, width - [...text].length));
  return right ? gap + text : text + gap;
}

/** The table as the terminal shows it. */
export function formatTerminal(report: Report): string {
  const lines: string[] = [];
  lines.push(`netscope benchmark (${report.mode}) — ${report.startedAt.toISOString()}, ${report.durationSeconds.toFixed(0)} s`);
  lines.push(...report.machine);
  const allRows = report.sections.flatMap((section) => section.rows);
  const width = widths(allRows);
  const formatRow = (row: Row) => COLUMNS.map((column) => pad(row[column], width[column], RIGHT_ALIGNED.has(column))).join('  ').trimEnd();
  const total = formatRow(HEADERS).length;
  for (const section of report.sections) {
    lines.push('', section.title);
    lines.push(formatRow(HEADERS));
    lines.push('─'.repeat(total));
    for (const row of section.rows) lines.push(formatRow(row));
    for (const note of section.notes ?? []) lines.push(`  · ${note}`);
  }
  lines.push('', 'Targets');
  for (const verdict of report.verdicts) lines.push(`  ${pad(verdictWord(verdict.pass), 12, false)} ${verdict.target}: ${verdict.measured}`);
  lines.push('', 'Not measured');
  if (report.notMeasured.length === 0) lines.push('  (everything was measured)');
  for (const entry of report.notMeasured) lines.push(`  ${entry.configuration}: ${entry.reason}`);
  if (report.notes.length > 0) {
    lines.push('', 'Notes');
    for (const note of report.notes) lines.push(`  · ${note}`);
  }
  return `${lines.join('\n')}\n`;
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/** The same, as Markdown, with the machine, kernel and date. */
export function formatMarkdown(report: Report): string {
  const lines: string[] = [];
  lines.push('# netscope benchmark results', '');
  lines.push(`Written by \`bin/node-runtime dist/bench/run.js${report.mode === 'quick' ? ' --quick' : ''}\` (bench/run.ts). Do not edit by hand.`, '');
  lines.push(`- date: ${report.startedAt.toISOString()} (run took ${report.durationSeconds.toFixed(0)} s, ${report.mode} mode)`);
  for (const line of report.machine) lines.push(`- ${line}`);
  lines.push('');
  for (const section of report.sections) {
    lines.push(`## ${section.title}`, '');
    lines.push(`| ${COLUMNS.map((column) => HEADERS[column]).join(' | ')} |`);
    lines.push(`|${COLUMNS.map((column) => (RIGHT_ALIGNED.has(column) ? '---:' : '---')).join('|')}|`);
    for (const row of section.rows) lines.push(`| ${COLUMNS.map((column) => cell(row[column])).join(' | ')} |`);
    lines.push('');
    for (const note of section.notes ?? []) lines.push(`- ${note}`);
    if ((section.notes ?? []).length > 0) lines.push('');
  }
  lines.push('## Targets', '');
  lines.push('| verdict | target | measured |', '|---|---|---|');
  for (const verdict of report.verdicts) lines.push(`| ${verdictWord(verdict.pass)} | ${cell(verdict.target)} | ${cell(verdict.measured)} |`);
  lines.push('', '## Not measured', '');
  if (report.notMeasured.length === 0) lines.push('Everything was measured.');
  for (const entry of report.notMeasured) lines.push(`- **${entry.configuration}**: ${entry.reason}`);
  if (report.notes.length > 0) {
    lines.push('', '## Notes', '');
    for (const note of report.notes) lines.push(`- ${note}`);
  }
  return `${lines.join('\n')}\n`;
}

export function writeMarkdown(report: Report, filePath: string): void {
  writeFileSync(filePath, formatMarkdown(report));
}

// Number formats shared by the sections.
export const fmt = {
  gbits: (bitsPerSecond: number) => `${(bitsPerSecond / 1e9).toFixed(2)} Gbit/s`,
  perSecond: (value: number, unit: string) => `${Math.round(value).toLocaleString('en-US')} ${unit}/s`,
  ms: (value: number) => (value >= 100 ? `${value.toFixed(0)} ms` : value >= 10 ? `${value.toFixed(1)} ms` : `${value.toFixed(2)} ms`),
  mib: (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`,
  mb: (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`,
  percent: (value: number) => `${value.toFixed(1)}%`,
  ratio: (value: number) => value.toFixed(3),
  count: (value: number) => value.toLocaleString('en-US'),
};
