/**
 * Samples every TCP socket's counters (and, when asked, every UDP socket) through sock_diag, in
 * every network namespace that has processes: a container's or `ip netns` connection is sampled in its own namespace, never
 * confused with the host's loopback traffic on the same ports.
 */
import type { SocketSampleRecord, UdpSocketRecord } from '../model/records.js';
import type { HostPaths } from './host-paths.js';
import type { KernelClock } from './kernel-clock.js';
import { nativeAddon } from './native.js';
import { currentNetnsInode, listNetworkNamespaces } from './proc-netns.js';
import { decodeEachTcpSample, tcpSampleLayout } from './tcp-samples.js';
import { decodeUdpSamples, parseEphemeralPorts, defaultEphemeralPorts, udpSampleLayout, type EphemeralPorts } from './udp-samples.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * TCP samples read from the kernel at a time: the rest of a dump waits in the kernel, so the
 * buffer stays this size however many sockets the host has (it was every socket's sample at
 * once: 8 MB at 40,000 sockets).
 */
const TCP_SAMPLES_A_READ = 2048;
const INITIAL_UDP_SAMPLES = 4096;
const GROWTH_FACTOR = 1.25;

/** A sampling pass as it went: its TCP samples went to the visitor, one at a time. */
export interface SamplePassSummary {
  /** Every UDP socket (empty unless UDP sockets are sampled). */
  udpSockets: UdpSocketRecord[];
  /** When the pass began, CLOCK_MONOTONIC ms (the clock the packet program stamps flows with). */
  startedMonotonicMs: number;
  /** Namespaces sampled completely in this pass. */
  netns: number[];
  /**
   * When the pass's first read of the kernel's dump returned, ms since the epoch by the events'
   * clock: every sample of the pass is at least this late, every sample of the passes before it
   * earlier.
   */
  firstReadAtMs: number;
  /** When the pass finished, ms since the epoch by the events' clock (the UDP sockets carry it). */
  sampledAtMs: number;
}

/** A sampling pass with its TCP samples gathered. */
export interface SamplePass extends SamplePassSummary {
  records: SocketSampleRecord[];
}

export class SocketSampler {
  /** netns inode → sock_diag socket living in that namespace. */
  private readonly diagSockets = new Map<number, number>();
  /** netns inode → the path that opened it (`<proc>/<pid>/ns/net`); null for netscope's own. */
  private readonly namespacePaths = new Map<number, string | null>();
  private readonly buffer = Buffer.alloc(TCP_SAMPLES_A_READ * tcpSampleLayout.size);
  private udpBuffer = Buffer.alloc(INITIAL_UDP_SAMPLES * udpSampleLayout.size);
  private readonly ownNetns: number;
  /** The host's: a namespace may set its own range, which netscope does not read. */
  private readonly ephemeralPorts: EphemeralPorts;

  /**
   * @param clock the one the kernel's events are stamped by: a socket born and closed within
   *   the millisecond its timewait sock was read in had its whole life stamped after a sample
   *   stamped by `Date.now()` (whole ms), and the model never counted it as opened.
   * @param sampleUdp also sample every UDP socket (the UDP flows need their owners and namespaces).
   */
  constructor(
    private readonly paths: HostPaths,
    private readonly clock: KernelClock,
    private readonly sampleUdp = false,
  ) {
    this.ownNetns = currentNetnsInode(paths);
    this.ephemeralPorts = sampleUdp ? readEphemeralPorts(paths) : defaultEphemeralPorts;
  }

  /** Opens a socket for each new namespace and closes those whose namespace is gone. */
  refreshNamespaces(): void {
    const namespaces = listNetworkNamespaces(this.paths);
    namespaces.set(this.ownNetns, '');
    for (const [netns, fd] of this.diagSockets) {
      if (!namespaces.has(netns)) {
        nativeAddon().closeFd(fd);
        this.diagSockets.delete(netns);
        this.namespacePaths.delete(netns);
      }
    }
    for (const [netns, path] of namespaces) {
      if (this.diagSockets.has(netns)) continue;
      try {
        const openedBy = netns === this.ownNetns ? null : path;
        this.diagSockets.set(netns, nativeAddon().openNetnsDiagSocket(openedBy));
        this.namespacePaths.set(netns, openedBy);
      } catch {
        // The only process in it exited between listing and opening: nothing left to sample.
      }
    }
  }

  /**
   * The namespaces being sampled, each with the path that opened it (`<proc>/<pid>/ns/net`,
   * good while that process lives); null for netscope's own.
   */
  namespaces(): ReadonlyMap<number, string | null> {
    return this.namespacePaths;
  }

  knows(netns: number): boolean {
    return this.diagSockets.has(netns);
  }

  /** Samples every socket, gathering the TCP samples (see `sampleEach`). */
  sample(): SamplePass {
    const records: SocketSampleRecord[] = [];
    const summary = this.sampleEach((record) => records.push(record), () => true);
    return { ...summary, records };
  }

  /**
   * Samples every socket and hands each TCP sample to `visit` as it is decoded, none kept: on a
   * host with tens of thousands of sockets a pass gathered whole outlived the young generation,
   * and every pass's records were promoted only to die there. Each read of the kernel's dump is
   * stamped when it returns, so an event about a socket the dump saw is never later than the
   * sample. A namespace for which `withTimeWait` says false is sampled without its sockets in
   * TIME_WAIT.
   */
  sampleEach(visit: (record: SocketSampleRecord) => void, withTimeWait: (netns: number) => boolean): SamplePassSummary {
    const startedMonotonicMs = monotonicMs();
    const pass: SamplePassSummary = { udpSockets: [], startedMonotonicMs, netns: [], firstReadAtMs: 0, sampledAtMs: 0 };
    for (const [netns, fd] of this.diagSockets) {
      nativeAddon().startTcpDump(fd, withTimeWait(netns));
      for (;;) {
        const { count, done } = nativeAddon().readTcpDump(fd, this.buffer);
        const readAtMs = this.clock.toWallMs(monotonicMs());
        if (pass.firstReadAtMs === 0) pass.firstReadAtMs = readAtMs;
        decodeEachTcpSample(this.buffer, count, readAtMs, netns, visit);
        if (done) break;
      }
      if (this.sampleUdpSockets(fd, netns, pass.udpSockets)) pass.netns.push(netns);
    }
    pass.sampledAtMs = this.clock.toWallMs(monotonicMs());
    if (pass.firstReadAtMs === 0) pass.firstReadAtMs = pass.sampledAtMs;
    for (const record of pass.udpSockets) record.atMs = pass.sampledAtMs;
    return pass;
  }

  /** Appends the namespace's UDP sockets; false when not all of them fitted. */
  private sampleUdpSockets(fd: number, netns: number, into: UdpSocketRecord[]): boolean {
    if (!this.sampleUdp) return true;
    let result = nativeAddon().sampleUdpSockets(fd, this.udpBuffer);
    if (result.needed > result.count) {
      this.udpBuffer = Buffer.alloc(Math.ceil(result.needed * GROWTH_FACTOR) * udpSampleLayout.size);
      result = nativeAddon().sampleUdpSockets(fd, this.udpBuffer);
    }
    for (const record of decodeUdpSamples(this.udpBuffer, result.count, 0, netns, this.ephemeralPorts)) into.push(record);
    return result.needed <= result.count;
  }

  close(): void {
    for (const fd of this.diagSockets.values()) nativeAddon().closeFd(fd);
    this.diagSockets.clear();
    this.namespacePaths.clear();
  }
}

function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function readEphemeralPorts(paths: HostPaths): EphemeralPorts {
  try {
    return parseEphemeralPorts(readFileSync(join(paths.proc, 'sys', 'net', 'ipv4', 'ip_local_port_range'), 'utf8'));
  } catch {
    return defaultEphemeralPorts;
  }
}
