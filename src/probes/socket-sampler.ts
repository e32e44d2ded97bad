/**
 * Samples every TCP socket's counters through sock_diag, in every network namespace that has
 * processes: a container's or `ip netns` connection is sampled in its own namespace, never
 * confused with the host's loopback traffic on the same ports.
 */
import type { SocketSampleRecord } from '../model/records.js';
import type { HostPaths } from './host-paths.js';
import { nativeAddon } from './native.js';
import { currentNetnsInode, listNetworkNamespaces } from './proc-netns.js';
import { decodeTcpSamples, tcpSampleLayout } from './tcp-samples.js';

const INITIAL_SAMPLES = 4096;
const GROWTH_FACTOR = 1.5;

export interface SamplePass {
  records: SocketSampleRecord[];
  /** Namespaces sampled completely in this pass. */
  netns: number[];
  /**
   * When the pass finished, ms since the epoch: every record carries it. Stamped after the
   * dump, so an event about a socket the dump saw is never later than the sample.
   */
  sampledAtMs: number;
}

export class SocketSampler {
  /** netns inode → sock_diag socket living in that namespace. */
  private readonly diagSockets = new Map<number, number>();
  /** netns inode → the path that opened it (`<proc>/<pid>/ns/net`); null for netscope's own. */
  private readonly namespacePaths = new Map<number, string | null>();
  private buffer = Buffer.alloc(INITIAL_SAMPLES * tcpSampleLayout.size);
  private readonly ownNetns: number;

  constructor(private readonly paths: HostPaths) {
    this.ownNetns = currentNetnsInode(paths);
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

  sample(): SamplePass {
    const pass: SamplePass = { records: [], netns: [], sampledAtMs: 0 };
    for (const [netns, fd] of this.diagSockets) {
      let result = nativeAddon().sampleTcpSockets(fd, this.buffer);
      if (result.needed > result.count) {
        this.buffer = Buffer.alloc(Math.ceil(result.needed * GROWTH_FACTOR) * tcpSampleLayout.size);
        result = nativeAddon().sampleTcpSockets(fd, this.buffer);
      }
      for (const record of decodeTcpSamples(this.buffer, result.count, 0, netns)) pass.records.push(record);
      if (result.needed <= result.count) pass.netns.push(netns);
    }
    pass.sampledAtMs = Date.now();
    for (const record of pass.records) record.atMs = pass.sampledAtMs;
    return pass;
  }

  close(): void {
    for (const fd of this.diagSockets.values()) nativeAddon().closeFd(fd);
    this.diagSockets.clear();
    this.namespacePaths.clear();
  }
}
