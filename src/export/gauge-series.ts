/**
 * The host gauges as metric series, for --prometheus and --otlp alike: each gauge's use and
 * limit, the TIME_WAIT and CLOSE_WAIT counts per namespace, and the kernel's pressure counters.
 * No peer address becomes a label: ephemeral ports are the busiest destination's per
 * namespace, so the series stay a handful per namespace.
 */
import { gaugePressures, type GaugeName } from '../model/gauge-pressure.js';
import type { KernelPressureCounters } from '../model/records.js';
import type { ModelSnapshot } from '../model/snapshot-types.js';

/** One gauge against its limit. Empty text where a label does not apply. */
export interface LimitSeries {
  gauge: GaugeName;
  /** Network namespace inode as text; '' for host-wide gauges and processes' descriptors. */
  netns: string;
  /** The listener (`0.0.0.0:8080`) for accept queues, the pid for descriptors; '' otherwise. */
  subject: string;
  /** The process holding the most of it; '' when none is known. */
  process: string;
  used: number;
  limit: number;
}

export function limitSeries(snapshot: ModelSnapshot): LimitSeries[] {
  const series: LimitSeries[] = [];
  const portsSeen = new Set<number | null>();
  // Most pressing first, so the first ephemeral-ports gauge of a namespace is its busiest destination.
  for (const pressure of gaugePressures(snapshot)) {
    if (pressure.gauge === 'ephemeralPorts') {
      if (portsSeen.has(pressure.netns)) continue;
      portsSeen.add(pressure.netns);
    }
    const keepsSubject = pressure.gauge === 'acceptQueue' || pressure.gauge === 'descriptors';
    series.push({
      gauge: pressure.gauge,
      netns: pressure.netns === null ? '' : String(pressure.netns),
      subject: keepsSubject ? (pressure.subject ?? '') : '',
      process: pressure.holder?.name ?? '',
      used: pressure.used,
      limit: pressure.limit,
    });
  }
  return series;
}

export interface NamespaceSocketSeries {
  netns: string;
  state: 'time_wait' | 'close_wait';
  count: number;
}

export function namespaceSocketSeries(snapshot: ModelSnapshot): NamespaceSocketSeries[] {
  return snapshot.gauges.namespaces.flatMap((namespace) => [
    { netns: String(namespace.netns), state: 'time_wait' as const, count: namespace.timeWait },
    { netns: String(namespace.netns), state: 'close_wait' as const, count: namespace.closeWait },
  ]);
}

/** The kernel's names for the counters, as /proc/net/netstat spells them. */
const KERNEL_COUNTER_NAMES: Readonly<Record<keyof KernelPressureCounters, string>> = {
  listenOverflows: 'ListenOverflows',
  listenDrops: 'ListenDrops',
  tcpAbortOnMemory: 'TCPAbortOnMemory',
  tcpMemoryPressures: 'TCPMemoryPressures',
  tcpBacklogDrop: 'TCPBacklogDrop',
  tcpTimeWaitOverflow: 'TCPTimeWaitOverflow',
};

export interface KernelCounterSeries {
  netns: string;
  /** The TcpExt name, e.g. `ListenOverflows`. */
  counter: string;
  /** Cumulative, as the kernel counts it. */
  value: number;
}

export function kernelCounterSeries(snapshot: ModelSnapshot): KernelCounterSeries[] {
  return snapshot.gauges.namespaces.flatMap((namespace) => {
    const counters = namespace.kernelCounters;
    if (counters === null) return [];
    return (Object.keys(KERNEL_COUNTER_NAMES) as (keyof KernelPressureCounters)[]).map((field) => ({
      netns: String(namespace.netns),
      counter: KERNEL_COUNTER_NAMES[field],
      value: counters[field],
    }));
  });
}
