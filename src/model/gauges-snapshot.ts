import type { HostTcpGauges, KernelPressureCounters, NamespaceGauges, ProcessDescriptors } from './records.js';

/** One network namespace's gauges as published: the latest read, its kernel counters as rates. */
export interface NamespaceGaugesSnapshot extends Omit<NamespaceGauges, 'kernelCounters'> {
  /**
   * The TcpExt counters per second over the interval between the namespace's last two reads;
   * null until it was read twice (or when /proc/net/netstat could not be read).
   */
  kernelCounterRates: KernelPressureCounters | null;
  /** The TcpExt counters as last read, cumulative since the namespace was made; null when unreadable. */
  kernelCounters: KernelPressureCounters | null;
}

/** A socket-owning process's descriptors, with its name as the model knows it. */
export interface ProcessDescriptorsSnapshot extends ProcessDescriptors {
  /** The process's name; null when no owner record described it. */
  comm: string | null;
}

/** The host gauges as of the latest `gauges` record. */
export interface HostGaugesSnapshot {
  /** When the latest gauges were read, ms since the epoch; null before any (or in a v1 recording). */
  atMs: number | null;
  /** One entry per namespace of the latest read, by netns inode. */
  namespaces: readonly NamespaceGaugesSnapshot[];
  host: HostTcpGauges;
  /** Socket owners' descriptors as of the latest count, highest share of the limit first. */
  processDescriptors: readonly ProcessDescriptorsSnapshot[];
  /** When descriptors were last counted, ms since the epoch; null before. */
  descriptorsAtMs: number | null;
}

/** What the model publishes before any gauges arrived. */
export function emptyHostGauges(): HostGaugesSnapshot {
  return {
    atMs: null,
    namespaces: [],
    host: { memoryPages: null, memoryLimitPages: null, orphans: null, maxOrphans: null },
    processDescriptors: [],
    descriptorsAtMs: null,
  };
}
