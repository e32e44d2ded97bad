import type { GaugesRecord, KernelPressureCounters, NamespaceGauges } from '../../src/model/records.js';
import { HOST_NETNS } from './record-builders.js';

export function kernelCounters(fields: Partial<KernelPressureCounters> = {}): KernelPressureCounters {
  return { listenOverflows: 0, listenDrops: 0, tcpAbortOnMemory: 0, tcpMemoryPressures: 0, tcpBacklogDrop: 0, tcpTimeWaitOverflow: 0, ...fields };
}

/** The host namespace with the kernel's default limits and nothing in use. */
export function namespaceGauges(fields: Partial<NamespaceGauges> = {}): NamespaceGauges {
  return {
    netns: HOST_NETNS,
    ephemeralPortRange: { low: 32768, high: 60999 },
    ephemeralPortsByDestination: [],
    timeWait: 0,
    timeWaitLimit: 131072,
    closeWait: 0,
    conntrack: null,
    somaxconn: 4096,
    kernelCounters: kernelCounters(),
    ...fields,
  };
}

export function gaugesRecord(fields: Partial<GaugesRecord> & Pick<GaugesRecord, 'atMs'>): GaugesRecord {
  return {
    kind: 'gauges',
    namespaces: [namespaceGauges()],
    host: { memoryPages: 100, memoryLimitPages: { low: 1000, pressure: 2000, high: 3000 }, orphans: 0, maxOrphans: 4096 },
    processDescriptors: null,
    ...fields,
  };
}
