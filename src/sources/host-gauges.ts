/**
 * The `host-gauges` source: how close the host is to running out. Once a tick, after the socket
 * pass, it counts what that pass saw (TIME_WAIT, CLOSE_WAIT, ephemeral ports per destination)
 * and reads each namespace's limits and kernel counters; every few seconds it also counts the
 * file descriptors of the processes that own sockets.
 *
 * Port ranges, somaxconn, tcp_max_tw_buckets and conntrack counts belong to a network
 * namespace. The net.* sysctls answer for the namespace of the task that opens them, whatever
 * /proc mount the path goes through — `/proc/<pid>/root/proc/sys/…` shows netscope's own
 * values, not the process's — so the addon enters each namespace to read them. The files under
 * `/proc/<pid>/net/` follow that process's namespace, and are read through a process in it.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DestinationPorts, GaugesRecord, HostTcpGauges, NamespaceGauges, ProcessDescriptors } from '../model/records.js';
import type { HostPaths } from '../probes/host-paths.js';
import { nativeAddon } from '../probes/native.js';
import type { NamespaceSockets, SampledSockets } from './sampled-sockets.js';
import { parseNetstatCounters, parseOpenFilesLimit, parseSockstatTcp, parseWholeNumber, parseWholeNumbers } from './proc-gauge-parsers.js';
import { BusiestDestinations } from './busiest-destinations.js';

/** Options of the host-gauges source. */
export interface HostGaugesOptions {
  /**
   * How often descriptors are counted, ms. Default 5_000: a count reads a directory per
   * process (O(its descriptors) on kernels before 6.2, which lack the count in the
   * directory's size), and a descriptor leak takes minutes to exhaust a limit, not a tick.
   */
  descriptorIntervalMs: number;
  /** Destinations kept per namespace, busiest first. Default 5. */
  destinationsPerNamespace: number;
  /** Processes whose descriptors are reported, highest share of their limit first. Default 20. */
  processesReported: number;
}

export const defaultHostGaugesOptions: Readonly<HostGaugesOptions> = {
  descriptorIntervalMs: 5_000,
  destinationsPerNamespace: 5,
  processesReported: 20,
};

/** The net.* sysctls read inside each namespace, in this order. */
const NAMESPACE_SYSCTLS = [
  'sys/net/ipv4/ip_local_port_range',
  'sys/net/ipv4/tcp_max_tw_buckets',
  'sys/net/core/somaxconn',
  'sys/net/netfilter/nf_conntrack_count',
  'sys/net/netfilter/nf_conntrack_max',
] as const;

/** Host-wide sysctls (one value for every namespace), read in netscope's own. */
const HOST_SYSCTLS = ['sys/net/ipv4/tcp_mem', 'sys/net/ipv4/tcp_max_orphans'] as const;

export class HostGauges {
  private readonly options: HostGaugesOptions;
  /** Processes seen owning a socket; dropped once their /proc entry is gone. */
  private readonly socketOwners = new Set<number>();
  private lastDescriptorCountAtMs = -Infinity;

  constructor(
    private readonly paths: HostPaths,
    options: Partial<HostGaugesOptions> = {},
  ) {
    this.options = { ...defaultHostGaugesOptions, ...options };
  }

  private readonly timeWaitTallies = new WeakMap<NamespaceSockets, { low: number; high: number; listening: ReadonlySet<number>; tally: PortTally }>();

  /** A process was seen owning a socket: its descriptors count from the next count on. */
  noteSocketOwner(pid: number): void {
    if (pid > 0) this.socketOwners.add(pid);
  }

  /**
   * The gauges after a sampling pass.
   * @param namespaces the sampled namespaces with the path that opened each (null: netscope's own).
   * @param complete the namespaces whose pass was complete: only their counts are reported.
   */
  read(
    nowMs: number,
    sockets: SampledSockets,
    namespaces: ReadonlyMap<number, string | null>,
    complete: readonly number[],
  ): GaugesRecord {
    const gauges: NamespaceGauges[] = [];
    for (const netns of complete) {
      const nsPath = namespaces.get(netns);
      if (nsPath === undefined) continue;
      const read = this.readNamespace(netns, nsPath, sockets.in(netns));
      if (read !== null) gauges.push(read);
    }
    const countDescriptors = nowMs - this.lastDescriptorCountAtMs >= this.options.descriptorIntervalMs;
    if (countDescriptors) this.lastDescriptorCountAtMs = nowMs;
    return {
      kind: 'gauges',
      atMs: nowMs,
      namespaces: gauges.sort((a, b) => a.netns - b.netns),
      host: this.readHost(),
      processDescriptors: countDescriptors ? this.countDescriptors() : null,
    };
  }

  /** Null when the namespace's last process left before it could be entered. */
  private readNamespace(netns: number, nsPath: string | null, sockets: NamespaceSockets): NamespaceGauges | null {
    let sysctls: (string | null)[];
    try {
      sysctls = nativeAddon().readFilesInNetns(nsPath, NAMESPACE_SYSCTLS.map((file) => join(this.paths.proc, file)));
    } catch {
      return null;
    }
    const [portRange, twBuckets, somaxconn, conntrackCount, conntrackMax] = sysctls as [string | null, string | null, string | null, string | null, string | null];
    const range = parseWholeNumbers(portRange, 2);
    const ephemeralPortRange = range === null ? null : { low: range[0] as number, high: range[1] as number };
    const entries = parseWholeNumber(conntrackCount);
    const max = parseWholeNumber(conntrackMax);
    return {
      netns,
      ephemeralPortRange,
      ephemeralPortsByDestination: this.busiestDestinations(sockets, ephemeralPortRange),
      timeWait: sockets.timeWait + (sockets.timeWaitPart?.timeWait ?? 0),
      timeWaitLimit: parseWholeNumber(twBuckets),
      closeWait: sockets.closeWait,
      conntrack: entries === null || max === null ? null : { entries, max },
      somaxconn: parseWholeNumber(somaxconn),
      kernelCounters: parseNetstatCounters(readText(join(this.procNetDirectory(nsPath), 'netstat'))),
    };
  }

  /** Sockets to each destination holding a local port in the ephemeral range, busiest first. */
  private busiestDestinations(sockets: NamespaceSockets, range: NamespaceGauges['ephemeralPortRange']): DestinationPorts[] {
    if (range === null) return [];
    const tally: PortTally = new Map();
    addPortsInRange(tally, sockets, range, sockets.listeningPorts);
    const busiest = new BusiestDestinations(this.options.destinationsPerNamespace);
    // The TIME_WAIT tally is read, not copied into this pass's: after churn it holds a destination
    // per client port, and copying it every pass was most of what the gauges allocated.
    // forEach, not for-of: no entry array per destination.
    const timeWait = sockets.timeWaitPart === null ? null : this.timeWaitTally(sockets.timeWaitPart, range, sockets.listeningPorts);
    timeWait?.forEach((byPort, daddr) => {
      const others = tally.get(daddr);
      byPort.forEach((ports, dport) => busiest.offer(daddr, dport, ports + (others?.get(dport) ?? 0)));
    });
    tally.forEach((byPort, daddr) => {
      const inTimeWait = timeWait?.get(daddr);
      byPort.forEach((ports, dport) => {
        if (inTimeWait?.has(dport) !== true) busiest.offer(daddr, dport, ports);
      });
    });
    return busiest.list;
  }

  /**
   * The TIME_WAIT sockets' tally, made once for the passes that share them: a churning host
   * holds them by the hundred thousand and counting them every tick cost more than sampling.
   */
  private timeWaitTally(part: NamespaceSockets, range: PortRange, listening: ReadonlySet<number>): PortTally {
    const cached = this.timeWaitTallies.get(part);
    if (cached !== undefined && cached.low === range.low && cached.high === range.high && sameSet(cached.listening, listening)) return cached.tally;
    const tally: PortTally = new Map();
    addPortsInRange(tally, part, range, listening);
    this.timeWaitTallies.set(part, { low: range.low, high: range.high, listening: new Set(listening), tally });
    return tally;
  }

  /** `<proc>/<pid>/net` of the process whose namespace link opened it; `<proc>/self/net` for netscope's own. */
  private procNetDirectory(nsPath: string | null): string {
    return nsPath === null ? join(this.paths.proc, 'self', 'net') : join(dirname(dirname(nsPath)), 'net');
  }

  private readHost(): HostTcpGauges {
    const sockstat = parseSockstatTcp(readText(join(this.paths.proc, 'self', 'net', 'sockstat')));
    const [tcpMem, maxOrphans] = HOST_SYSCTLS.map((file) => readText(join(this.paths.proc, file)));
    const memory = parseWholeNumbers(tcpMem ?? null, 3);
    return {
      memoryPages: sockstat?.memoryPages ?? null,
      memoryLimitPages: memory === null ? null : { low: memory[0] as number, pressure: memory[1] as number, high: memory[2] as number },
      orphans: sockstat?.orphans ?? null,
      maxOrphans: parseWholeNumber(maxOrphans ?? null),
    };
  }

  private countDescriptors(): ProcessDescriptors[] {
    const counted: ProcessDescriptors[] = [];
    for (const pid of this.socketOwners) {
      const processDirectory = join(this.paths.proc, String(pid));
      const descriptors = countDescriptors(join(processDirectory, 'fd'));
      const limit = parseOpenFilesLimit(readText(join(processDirectory, 'limits')));
      if (descriptors === null || limit === undefined) {
        this.socketOwners.delete(pid);
        continue;
      }
      counted.push({ pid, descriptors, limit });
    }
    const share = (entry: ProcessDescriptors): number => (entry.limit === null ? 0 : entry.descriptors / entry.limit);
    return counted
      .sort((a, b) => share(b) - share(a) || b.descriptors - a.descriptors || a.pid - b.pid)
      .slice(0, this.options.processesReported);
  }
}

/** A small /proc file's text; null when it cannot be read. */
function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Open descriptors of a process: since Linux 6.2 the size of its fd directory is the count, one
 * stat; before, the directory is listed. Null when the process is gone (or not ours to look at).
 */
function countDescriptors(fdDirectory: string): number | null {
  try {
    const size = statSync(fdDirectory).size;
    return size > 0 ? size : readdirSync(fdDirectory).length;
  } catch {
    return null;
  }
}

type PortRange = NonNullable<NamespaceGauges['ephemeralPortRange']>;
/** Local ports held, by destination address and port. */
type PortTally = Map<string, Map<number, number>>;

/**
 * Counts the sockets holding a local port in the ephemeral range. An accepted connection shares
 * its listener's port and takes none of the range (a listener bound to port 0 may sit inside
 * it), so sockets on a listening port are left out.
 */
function addPortsInRange(tally: PortTally, sockets: NamespaceSockets, range: PortRange, listening: ReadonlySet<number>): void {
  const { localPorts, destinationAddresses, destinationPorts } = sockets;
  for (let index = 0; index < sockets.count; index++) {
    const sport = localPorts[index] as number;
    if (sport < range.low || sport > range.high || listening.has(sport)) continue;
    addPorts(tally, destinationAddresses[index] as string, destinationPorts[index] as number, 1);
  }
}

function addPorts(tally: PortTally, daddr: string, dport: number, ports: number): void {
  let byPort = tally.get(daddr);
  if (byPort === undefined) tally.set(daddr, (byPort = new Map()));
  byPort.set(dport, (byPort.get(dport) ?? 0) + ports);
}

function sameSet(a: ReadonlySet<number>, b: ReadonlySet<number>): boolean {
  if (a.size !== b.size) return false;
  for (const value of a) if (!b.has(value)) return false;
  return true;
}
