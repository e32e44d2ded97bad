import type { GaugesRecord, KernelPressureCounters, NamespaceGauges, ProcessDescriptors } from './records.js';
import type { HostGaugesSnapshot, NamespaceGaugesSnapshot } from './gauges-snapshot.js';
import { emptyHostGauges } from './gauges-snapshot.js';

/** A namespace's latest read and the one before, whose counters the rates are taken against. */
interface NamespaceReads {
  latest: NamespaceGauges;
  latestAtMs: number;
  rates: KernelPressureCounters | null;
}

/**
 * The latest gauges per network namespace, and the kernel's pressure counters turned into rates
 * between a namespace's consecutive reads. Pure: times come from the records.
 */
export class HostGaugesTable {
  private readonly namespaces = new Map<number, NamespaceReads>();
  private latest: GaugesRecord | null = null;
  private descriptors: readonly ProcessDescriptors[] = [];
  private descriptorsAtMs: number | null = null;

  ingest(record: GaugesRecord): void {
    // Records can arrive out of order in a merged replay: an older read never replaces a newer.
    if (this.latest !== null && record.atMs < this.latest.atMs) return;
    this.latest = record;
    const read = new Set<number>();
    for (const gauges of record.namespaces) {
      read.add(gauges.netns);
      const previous = this.namespaces.get(gauges.netns);
      const rates = previous === undefined ? null : counterRates(previous.latest.kernelCounters, gauges.kernelCounters, (record.atMs - previous.latestAtMs) / 1000);
      this.namespaces.set(gauges.netns, { latest: gauges, latestAtMs: record.atMs, rates });
    }
    // A namespace the pass did not read is gone (its last process left).
    for (const netns of this.namespaces.keys()) if (!read.has(netns)) this.namespaces.delete(netns);
    if (record.processDescriptors !== null) {
      this.descriptors = record.processDescriptors;
      this.descriptorsAtMs = record.atMs;
    }
  }

  /** The gauges as published, each process named by `commOf`. */
  toSnapshot(commOf: (pid: number) => string | null): HostGaugesSnapshot {
    if (this.latest === null) return emptyHostGauges();
    const namespaces: NamespaceGaugesSnapshot[] = [...this.namespaces.values()]
      .sort((a, b) => a.latest.netns - b.latest.netns)
      .map(({ latest, rates }) => ({
        netns: latest.netns,
        ephemeralPortRange: latest.ephemeralPortRange,
        ephemeralPortsByDestination: latest.ephemeralPortsByDestination,
        timeWait: latest.timeWait,
        timeWaitLimit: latest.timeWaitLimit,
        closeWait: latest.closeWait,
        conntrack: latest.conntrack,
        somaxconn: latest.somaxconn,
        kernelCounterRates: rates,
        kernelCounters: latest.kernelCounters,
      }));
    return {
      atMs: this.latest.atMs,
      namespaces,
      host: this.latest.host,
      processDescriptors: this.descriptors.map((entry) => ({ ...entry, comm: commOf(entry.pid) })),
      descriptorsAtMs: this.descriptorsAtMs,
    };
  }
}

/** Per-second increase of each counter; null without both reads or time between them. A counter that went back (a namespace reused) reads 0. */
function counterRates(
  before: KernelPressureCounters | null,
  after: KernelPressureCounters | null,
  elapsedS: number,
): KernelPressureCounters | null {
  if (before === null || after === null || elapsedS <= 0) return null;
  const rates = {} as KernelPressureCounters;
  for (const field of Object.keys(after) as (keyof KernelPressureCounters)[]) {
    rates[field] = Math.max(0, after[field] - before[field]) / elapsedS;
  }
  return rates;
}
