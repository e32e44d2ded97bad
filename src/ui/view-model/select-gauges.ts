/**
 * The host gauges on screen: one header line with the most pressing gauge of each kind and the
 * TIME_WAIT / CLOSE_WAIT counts, and the gauges page (`L`) with every gauge against its limit,
 * each namespace's counts and kernel counters, and the host-wide TCP limits.
 */
import type { GaugesView, Tone } from './view-types.js';
import type { ModelSnapshot } from '../../model/snapshot-types.js';
import { gaugePressures, type GaugeName, type GaugePressure, type PressureLevel } from '../../model/gauge-pressure.js';
import type { KernelPressureCounters } from '../../model/records.js';
import { formatCount, formatPerSecond, formatTimeOfDay, truncate } from './format.js';

const GAUGE_LABELS: Record<GaugeName, string> = {
  ephemeralPorts: 'ports',
  timeWait: 'TIME_WAIT',
  conntrack: 'conntrack',
  descriptors: 'fds',
  acceptQueue: 'accept queue',
  tcpMemory: 'tcp mem',
  orphans: 'orphans',
};

const LEVEL_TONES: Record<PressureLevel, Tone> = { ok: 'normal', warning: 'warn', critical: 'bad' };

function percent(share: number): string {
  return `${Math.floor(share * 100)}%`;
}

function worstTone(pressures: readonly GaugePressure[]): Tone {
  if (pressures.some((pressure) => pressure.level === 'critical')) return 'bad';
  return pressures.some((pressure) => pressure.level === 'warning') ? 'warn' : 'normal';
}

function holderText(pressure: GaugePressure): string {
  const { holder } = pressure;
  if (holder === null || holder.pid === null) return '';
  return `${holder.name ?? '?'} (${holder.pid}) ×${formatCount(holder.holds)}`;
}

/** Listen overflows and drops per second, summed over the namespaces; null until known. */
function listenDropsPerSecond(snapshot: ModelSnapshot): number | null {
  const rates = snapshot.gauges.namespaces.flatMap((namespace) => (namespace.kernelCounterRates === null ? [] : [namespace.kernelCounterRates]));
  return rates.length === 0 ? null : rates.reduce((sum, rate) => sum + rate.listenDrops, 0);
}

/**
 * `gauges: ports 91% 10.0.0.7:443 curl · TIME_WAIT 1,204 · CLOSE_WAIT 3 · listen drops 0/s · fds 12% nginx`:
 * the worst gauge of each kind at warning or worse, the counts, then the rest; null before the first read.
 */
export function selectGaugesLine(snapshot: ModelSnapshot, width: number): { text: string; tone: Tone } | null {
  if (snapshot.gauges.atMs === null) return null;
  const pressures = gaugePressures(snapshot);
  const worstByKind = new Map<GaugeName, GaugePressure>();
  for (const pressure of pressures) if (!worstByKind.has(pressure.gauge)) worstByKind.set(pressure.gauge, pressure);
  // Where and who only for a gauge that presses: at ease they would be names on every screen that mean nothing.
  const describe = (pressure: GaugePressure): string => {
    if (pressure.level === 'ok') return `${GAUGE_LABELS[pressure.gauge]} ${percent(pressure.share)}`;
    const where = pressure.gauge === 'ephemeralPorts' || pressure.gauge === 'acceptQueue' ? ` ${pressure.subject ?? ''}` : '';
    const who = pressure.holder?.name != null && pressure.gauge !== 'acceptQueue' ? ` ${pressure.holder.name}` : '';
    return `${GAUGE_LABELS[pressure.gauge]} ${percent(pressure.share)}${where}${who}`;
  };
  // TIME_WAIT is counted below; its share of tcp_max_tw_buckets shows only when it presses.
  const worst = [...worstByKind.values()].filter((pressure) => pressure.gauge !== 'timeWait' || pressure.level !== 'ok');
  const { namespaces } = snapshot.gauges;
  const counts = [
    `TIME_WAIT ${formatCount(namespaces.reduce((sum, namespace) => sum + namespace.timeWait, 0))}`,
    `CLOSE_WAIT ${formatCount(namespaces.reduce((sum, namespace) => sum + namespace.closeWait, 0))}`,
  ];
  const drops = listenDropsPerSecond(snapshot);
  if (drops !== null) counts.push(`listen drops ${formatPerSecond(drops)}`);
  // What presses first, then the counts, then the gauges at ease: a narrow line keeps what matters.
  const parts = [
    ...worst.filter((pressure) => pressure.level !== 'ok').map(describe),
    ...counts,
    ...worst.filter((pressure) => pressure.level === 'ok').map(describe),
  ];
  return { text: truncate(`gauges: ${parts.join(' · ')}`, width), tone: worstTone(pressures) };
}

/** Column widths of the pressure table, cells separated by one space. */
const PRESSURE_COLUMNS = [
  { header: 'LEVEL', width: 8 },
  { header: 'GAUGE', width: 12 },
  { header: 'NETNS', width: 10 },
  { header: 'WHAT', width: 22 },
  { header: 'USED', width: 9 },
  { header: 'LIMIT', width: 9 },
  { header: 'SHARE', width: 5 },
  { header: 'HOLDER', width: 28 },
] as const;

const NAMESPACE_COLUMNS = [
  { header: 'NETNS', width: 10 },
  { header: 'TIME_WAIT', width: 9 },
  { header: 'CLOSE_WAIT', width: 10 },
  { header: 'PORT RANGE', width: 11 },
  { header: 'SOMAXCONN', width: 9 },
  { header: 'CONNTRACK', width: 17 },
  { header: 'OVERFLOW/s', width: 10 },
  { header: 'LISTENDROP/s', width: 12 },
  { header: 'ABORTMEM/s', width: 10 },
] as const;

function row(columns: readonly { width: number }[], cells: readonly string[], width: number): string {
  const line = cells.map((cell, index) => truncate(cell, columns[index]?.width ?? 0).padEnd(columns[index]?.width ?? 0)).join(' ');
  return truncate(line.trimEnd(), width);
}

function countOrDash(value: number | null): string {
  return value === null ? '-' : formatCount(value);
}

function rateOrDash(rates: KernelPressureCounters | null, field: keyof KernelPressureCounters): string {
  return rates === null ? '-' : formatPerSecond(rates[field]);
}

/** The gauges page, every line fitted to `width`. */
export function selectGauges(snapshot: ModelSnapshot, width: number): GaugesView {
  const { gauges } = snapshot;
  const read = gauges.atMs === null ? 'not read yet' : `read ${formatTimeOfDay(gauges.atMs)}`;
  const counted = gauges.descriptorsAtMs === null ? '' : ` · fds counted ${formatTimeOfDay(gauges.descriptorsAtMs)}`;
  const lines: GaugesView['lines'] = [];
  const push = (text: string, tone: Tone = 'normal'): void => {
    lines.push({ text: truncate(text, width), tone });
  };
  push(row(PRESSURE_COLUMNS, PRESSURE_COLUMNS.map((column) => column.header), width), 'dim');
  for (const pressure of gaugePressures(snapshot)) {
    const cells = [
      pressure.level,
      GAUGE_LABELS[pressure.gauge],
      pressure.netns === null ? 'host' : String(pressure.netns),
      pressure.subject ?? '',
      formatCount(pressure.used),
      formatCount(pressure.limit),
      percent(pressure.share),
      holderText(pressure),
    ];
    push(row(PRESSURE_COLUMNS, cells, width), LEVEL_TONES[pressure.level]);
  }
  push('');
  push(row(NAMESPACE_COLUMNS, NAMESPACE_COLUMNS.map((column) => column.header), width), 'dim');
  for (const namespace of gauges.namespaces) {
    const range = namespace.ephemeralPortRange;
    const cells = [
      String(namespace.netns),
      formatCount(namespace.timeWait),
      formatCount(namespace.closeWait),
      range === null ? '-' : `${range.low}-${range.high}`,
      countOrDash(namespace.somaxconn),
      namespace.conntrack === null ? 'off' : `${formatCount(namespace.conntrack.entries)}/${formatCount(namespace.conntrack.max)}`,
      rateOrDash(namespace.kernelCounterRates, 'listenOverflows'),
      rateOrDash(namespace.kernelCounterRates, 'listenDrops'),
      rateOrDash(namespace.kernelCounterRates, 'tcpAbortOnMemory'),
    ];
    push(row(NAMESPACE_COLUMNS, cells, width));
  }
  const { host } = gauges;
  const memory =
    host.memoryPages === null || host.memoryLimitPages === null
      ? 'tcp mem -'
      : `tcp mem ${formatCount(host.memoryPages)} of ${formatCount(host.memoryLimitPages.high)} pages (pressure from ${formatCount(host.memoryLimitPages.pressure)})`;
  push('');
  push(`host: ${memory} · orphans ${countOrDash(host.orphans)} of ${countOrDash(host.maxOrphans)}`);
  return { title: truncate(`Gauges against their limits · ${read}${counted} · L or Esc to close`, width), lines };
}
