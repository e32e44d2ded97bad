/**
 * The network namespaces the NAT pass asks conntrack in: netscope's own, the host's (the
 * namespace of the host's pid 1, which a DaemonSet without hostNetwork does not share), and
 * any other by inode, found among the processes' namespaces.
 */
import { join } from 'node:path';
import type { HostPaths } from '../probes/host-paths.js';
import { currentNetnsInode, listNetworkNamespaces, netnsInode } from '../probes/proc-netns.js';
import type { NatNamespaces } from './nat-pass.js';

/** A namespace not known yet is looked for among the processes at most this often, ms. */
const RESCAN_INTERVAL_MS = 2_000;

export function natNamespaces(paths: HostPaths, clockMs: () => number = Date.now): NatNamespaces {
  const own = currentNetnsInode(paths);
  const hostPath = join(paths.proc, '1', 'ns', 'net');
  const hostNetns = netnsInode(hostPath);
  let known = new Map<number, string>();
  let scannedAtMs = -Infinity;
  return {
    own,
    host: hostNetns === 0 || hostNetns === own ? { netns: own, path: null } : { netns: hostNetns, path: hostPath },
    pathOf(netns) {
      if (!known.has(netns) && clockMs() - scannedAtMs >= RESCAN_INTERVAL_MS) {
        known = listNetworkNamespaces(paths);
        scannedAtMs = clockMs();
      }
      return known.get(netns) ?? null;
    },
    forget(netns) {
      known.delete(netns);
    },
  };
}
