/**
 * Raw numbers from the model to the strings the screen shows. The model keeps bytes, ms and
 * addresses raw; this is the one place they become `1.2 MiB/s`, `3m12s` or `[::1]:443`.
 * Every function is pure (times of day use the local time zone, as a clock on screen should).
 */
import type { Workload, WorkloadKind } from '../../model/workload.js';
import type { Align } from './view-types.js';
import type { TcpStateName } from '../../model/snapshot-types.js';
import type { ContainerIdentity } from '../../model/records.js';
import { displayWidth, takeWidth, takeWidthFromEnd } from './text-width.js';

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;
const ELLIPSIS = '…';

/**
 * Bytes in IEC units with three significant digits at most: `512 B`, `1.2 KiB`, `12.4 MiB`,
 * `123 MiB`. Never wider than 8 characters (`1023 KiB`).
 */
export function formatBytes(bytes: number): string {
  let value = Number.isFinite(bytes) ? Math.max(0, bytes) : 0;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) {
    const whole = Math.round(value);
    return whole < 1024 ? `${whole} B` : '1.0 KiB';
  }
  if (value < 99.95) return `${value.toFixed(1)} ${BYTE_UNITS[unit]}`;
  const whole = Math.round(value);
  if (whole >= 1024 && unit < BYTE_UNITS.length - 1) return `1.0 ${BYTE_UNITS[unit + 1]}`;
  return `${whole} ${BYTE_UNITS[unit]}`;
}

/** Bytes per second: `1.2 MiB/s`, `0 B/s`; a trickle below half a byte a second reads `<1 B/s`, not zero. */
export function formatRate(bytesPerSecond: number): string {
  if (bytesPerSecond > 0 && bytesPerSecond < 0.5) return '<1 B/s';
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Events per second for the health line: `0/s`, `0.5/s`, `3/s`, `1,204/s`. */
export function formatPerSecond(perSecond: number): string {
  const value = Number.isFinite(perSecond) ? Math.max(0, perSecond) : 0;
  if (value > 0 && value < 9.95 && !Number.isInteger(value)) return `${value.toFixed(1)}/s`;
  return `${formatCount(value)}/s`;
}

/**
 * A span of time, coarser as it grows: `850ms`, `3.2s`, `42s`, `3m12s`, `1h02m`, `2d03h`.
 * Whole units are floored so an uptime never runs ahead of the clock.
 */
export function formatDuration(ms: number): string {
  const value = Number.isFinite(ms) ? Math.max(0, ms) : 0;
  if (value < 1000) return `${Math.floor(value)}ms`;
  if (value < 10_000) return `${(Math.floor(value / 100) / 10).toFixed(1)}s`;
  const totalSeconds = Math.floor(value / 1000);
  if (totalSeconds < 60) return `${totalSeconds}s`;
  const totalMinutes = Math.floor(totalSeconds / 60);
  if (totalMinutes < 60) return `${totalMinutes}m${twoDigits(totalSeconds % 60)}s`;
  const totalHours = Math.floor(totalMinutes / 60);
  if (totalHours < 24) return `${totalHours}h${twoDigits(totalMinutes % 60)}m`;
  return `${Math.floor(totalHours / 24)}d${twoDigits(totalHours % 24)}h`;
}

/** A tick interval as set with + and -: `100ms`, `250ms`, `1s`, `2.5s`. */
export function formatInterval(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${Number((ms / 1000).toFixed(1))}s`;
}

/** A replay speed: `×1`, `×2`, `×0.25`. */
export function formatSpeed(speed: number): string {
  return `×${Number(speed.toPrecision(3))}`;
}

/**
 * A network latency (RTT, connect time), finer than a duration: `42us`, `3.21ms`, `123.4ms`,
 * `1.2s`. Microseconds are `us`, as wrk prints them: Ink measures every line that is not plain
 * ASCII grapheme by grapheme, and a µ in the RTT column made a 10k-connection frame 40% slower.
 */
export function formatLatency(ms: number): string {
  const value = Number.isFinite(ms) ? Math.max(0, ms) : 0;
  if (value < 0.9995) return `${Math.round(value * 1000)}us`;
  if (value < 9.995) return `${value.toFixed(2)}ms`;
  if (value < 999.95) return `${value.toFixed(1)}ms`;
  return formatDuration(value);
}

/** Local time of day with milliseconds: `12:03:04.120`. */
export function formatTimeOfDay(epochMs: number): string {
  const date = new Date(epochMs);
  const millis = String(date.getMilliseconds()).padStart(3, '0');
  return `${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}:${twoDigits(date.getSeconds())}.${millis}`;
}

/** `127.0.0.1:443`, or `[::1]:443` for IPv6 so the port stays readable. */
export function formatEndpoint(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * A whole count with thousands separators: `1,204` (rounded half away from zero). Grouped by
 * hand: Intl.NumberFormat reads the locale's data from the node binary, 4.6 MiB more resident
 * memory for netscope, which loads this file in every mode.
 */
export function formatCount(count: number): string {
  if (!Number.isFinite(count)) return Number.isNaN(count) ? 'NaN' : count > 0 ? '∞' : '-∞';
  const whole = Math.round(Math.abs(count));
  const grouped = String(whole).replace(/\B(?=(\d{3})+$)/g, ',');
  return count < 0 && whole !== 0 ? `-${grouped}` : grouped;
}

/** The TCP state as tables show it: `ESTABLISHED` is long and common, so it reads `ESTAB` (as in ss). */
export function formatState(state: TcpStateName): string {
  if (state === 'ESTABLISHED') return 'ESTAB';
  if (state === 'NEW_SYN_RECV') return 'NEW_SYN';
  return state;
}

/** A Kubernetes pod as `namespace/name`, or its name alone when the namespace is unknown; null outside a pod. */
export function formatPod(container: ContainerIdentity): string | null {
  if (container.pod === null) return null;
  return container.namespace === null ? container.pod : `${container.namespace}/${container.pod}`;
}

/** A container in a few words: `web (docker)`, `postgres (containerd) in pod prod/db-0`. */
/** kubectl's short names: a CronJob's pods read `cj/backup`. */
const WORKLOAD_SHORT_NAMES: Record<WorkloadKind, string> = { Deployment: 'deploy', StatefulSet: 'sts', DaemonSet: 'ds', Job: 'job', CronJob: 'cj' };

/** `deploy/api`, `sts/db`; `ds|job/fluentd` where the pod name cannot tell which; null outside a pod. */
export function formatWorkload(workload: Workload | null): string | null {
  if (workload === null) return null;
  return `${workload.kind === null ? 'ds|job' : WORKLOAD_SHORT_NAMES[workload.kind]}/${workload.name}`;
}

export function formatContainer(container: ContainerIdentity): string {
  const pod = formatPod(container);
  return `${container.name} (${container.runtime})${pod === null ? '' : ` in pod ${pod}`}`;
}

/** Cuts `text` to at most `width` cells, ending in `…` when something was cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  return takeWidth(text, width - 1) + ELLIPSIS;
}

/**
 * Cuts `text` to at most `width` cells by removing its middle: for endpoints, whose port (at
 * the end) matters as much as the start of the address.
 */
export function truncateMiddle(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  const kept = width - 1;
  const tailWidth = Math.floor(kept / 2);
  return takeWidth(text, kept - tailWidth) + ELLIPSIS + takeWidthFromEnd(text, tailWidth);
}

/** Exactly `width` cells: `text` truncated, then padded with spaces on the side opposite `align`. */
export function pad(text: string, width: number, align: Align): string {
  const fitted = truncate(text, width);
  const padding = ' '.repeat(Math.max(0, width - displayWidth(fitted)));
  return align === 'right' ? padding + fitted : fitted + padding;
}

function twoDigits(value: number): string {
  return String(value).padStart(2, '0');
}

/** `12:03:04`: the local time of day to the second, for where milliseconds are noise (the replay header). */
export function formatClockTime(epochMs: number): string {
  return formatTimeOfDay(epochMs).slice(0, '00:00:00'.length);
}
