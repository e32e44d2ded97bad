/**
 * The host gauges as the JSON document carries them (`gauges`, schema/snapshot.schema.json):
 * the latest reads per namespace, the host-wide TCP limits, the socket owners' descriptors, and
 * every gauge's pressure against its limit. Netns inodes are decimal strings, times RFC 3339.
 */
import type { HostGaugesSnapshot } from './gauges-snapshot.js';
import type { GaugeHolder, GaugeName, GaugePressure, PressureLevel } from './gauge-pressure.js';
import type { DestinationPorts, KernelPressureCounters } from './records.js';
import type { ModelSnapshot } from './snapshot-types.js';
import { gaugePressures } from './gauge-pressure.js';

export interface GaugesDocument {
  /** When the gauges were read; null before the first read (and in a replay of a version 1 recording). */
  readAt: string | null;
  namespaces: NamespaceGaugesDocument[];
  host: {
    /** Pages TCP holds (/proc/net/sockstat `mem`). */
    tcpMemoryPages: number | null;
    /** net.ipv4.tcp_mem, pages. */
    tcpMemoryLimitPages: { low: number; pressure: number; high: number } | null;
    orphans: number | null;
    maxOrphans: number | null;
  };
  /** Socket owners' open descriptors against RLIMIT_NOFILE (null: unlimited), highest share first. */
  processDescriptors: { pid: number; comm: string | null; descriptors: number; limit: number | null }[];
  /** When the descriptors were counted (every 5 s); null before. */
  descriptorsCountedAt: string | null;
  /** Every gauge with a limit, highest share first; `warning` from 0.8, `critical` from 0.95. */
  pressures: GaugePressureDocument[];
}

export interface NamespaceGaugesDocument {
  netns: string;
  ephemeralPortRange: { low: number; high: number } | null;
  ephemeralPortsByDestination: DestinationPorts[];
  timeWait: number;
  timeWaitLimit: number | null;
  closeWait: number;
  conntrack: { entries: number; max: number } | null;
  somaxconn: number | null;
  /** TcpExt counters per second over the last interval, three decimals; null until read twice. */
  kernelCounterRates: KernelPressureCounters | null;
}

export interface GaugePressureDocument {
  gauge: GaugeName;
  netns: string | null;
  subject: string | null;
  used: number;
  limit: number;
  /** used / limit, four decimals. */
  share: number;
  level: PressureLevel;
  holder: GaugeHolder | null;
}

function timestampOrNull(atMs: number | null): string | null {
  return atMs === null ? null : new Date(atMs).toISOString();
}

function round(value: number, decimals: number): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

function ratesDocument(rates: KernelPressureCounters | null): KernelPressureCounters | null {
  if (rates === null) return null;
  const rounded = {} as KernelPressureCounters;
  for (const field of Object.keys(rates) as (keyof KernelPressureCounters)[]) rounded[field] = round(rates[field], 3);
  return rounded;
}

function pressureDocument(pressure: GaugePressure): GaugePressureDocument {
  return {
    gauge: pressure.gauge,
    netns: pressure.netns === null ? null : String(pressure.netns),
    subject: pressure.subject,
    used: pressure.used,
    limit: pressure.limit,
    share: round(pressure.share, 4),
    level: pressure.level,
    holder: pressure.holder === null ? null : { ...pressure.holder },
  };
}

export function gaugesDocument(snapshot: ModelSnapshot): GaugesDocument {
  const gauges: HostGaugesSnapshot = snapshot.gauges;
  return {
    readAt: timestampOrNull(gauges.atMs),
    namespaces: gauges.namespaces.map((namespace) => ({
      netns: String(namespace.netns),
      ephemeralPortRange: namespace.ephemeralPortRange === null ? null : { ...namespace.ephemeralPortRange },
      ephemeralPortsByDestination: namespace.ephemeralPortsByDestination.map((destination) => ({ ...destination })),
      timeWait: namespace.timeWait,
      timeWaitLimit: namespace.timeWaitLimit,
      closeWait: namespace.closeWait,
      conntrack: namespace.conntrack === null ? null : { ...namespace.conntrack },
      somaxconn: namespace.somaxconn,
      kernelCounterRates: ratesDocument(namespace.kernelCounterRates),
    })),
    host: {
      tcpMemoryPages: gauges.host.memoryPages,
      tcpMemoryLimitPages: gauges.host.memoryLimitPages === null ? null : { ...gauges.host.memoryLimitPages },
      orphans: gauges.host.orphans,
      maxOrphans: gauges.host.maxOrphans,
    },
    processDescriptors: gauges.processDescriptors.map(({ pid, comm, descriptors, limit }) => ({ pid, comm, descriptors, limit })),
    descriptorsCountedAt: timestampOrNull(gauges.descriptorsAtMs),
    pressures: gaugePressures(snapshot).map(pressureDocument),
  };
}
