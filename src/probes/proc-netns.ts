import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { type HostPaths, hostPaths, listPids } from './host-paths.js';

/**
 * The network namespaces that have at least one process, each with a path that opens it:
 * `<proc>/<pid>/ns/net` of the lowest pid in it (the longest-lived, usually: init, a
 * container's first process). The path is only good while that process lives, so open it
 * right away. Namespaces that no process is in (kept alive only by a bind mount such as
 * /run/netns/NAME, or by sockets) are not listed. Processes whose namespace link cannot be
 * read (exited, or EACCES for a protected pid 1) are skipped.
 * @returns netns inode → path to open it.
 */
export function listNetworkNamespaces(paths: HostPaths = hostPaths()): Map<number, string> {
  const pathByInode = new Map<number, string>();
  const pids = listPids(paths).sort((a, b) => a - b);
  for (const pid of pids) {
    const nsPath = join(paths.proc, String(pid), 'ns', 'net');
    const inode = netnsInode(nsPath);
    if (inode !== 0 && !pathByInode.has(inode)) pathByInode.set(inode, nsPath);
  }
  return pathByInode;
}

/** The inode of netscope's own network namespace (`<proc>/self/ns/net`); 0 when unreadable. */
export function currentNetnsInode(paths: HostPaths = hostPaths()): number {
  return netnsInode(join(paths.proc, 'self', 'ns', 'net'));
}

/** Reads a namespace link, `net:[4026531840]`; 0 when it cannot be read. */
export function netnsInode(nsPath: string): number {
  let target: string;
  try {
    target = readlinkSync(nsPath);
  } catch {
    return 0;
  }
  const inode = /^net:\[(\d+)\]$/.exec(target)?.[1];
  return inode === undefined ? 0 : Number(inode);
}
