import { readdirSync, readlinkSync } from 'node:fs';
import { type HostPaths, hostPaths, listPids } from '../probes/host-paths.js';

/** What /proc/PID/fd/N links to for a socket: `socket:[12345]`. */
const SOCKET_LINK_PREFIX = 'socket:[';

/**
 * Maps every open socket's inode to the process holding it, by reading the fd links of every
 * process: one readdir per process and one readlink per descriptor.
 *
 * Only thread-group leaders are scanned (the /proc/PID entries; /proc lists no thread ids):
 * threads share their leader's descriptor table, so /proc/PID/task/TID/fd would repeat it.
 *
 * A socket held by several processes (inherited across fork, or passed over a UNIX socket)
 * goes to the lowest pid. That is usually the process that created it and forked the others:
 * the master of a pre-forking server (nginx, postgres, sshd) owns its listening socket, not
 * whichever worker /proc lists first, and the answer does not flicker from scan to scan.
 * (Once pids wrap, a child can have a lower pid than its parent; the choice is then still
 * stable, just not the parent.)
 *
 * Processes that exit during the scan, and those whose fds cannot be read (EACCES without
 * CAP_SYS_PTRACE or for a protected pid 1), are skipped silently.
 * @param pids the processes to scan; default every process (one readlink per open fd on the
 *   host: with tens of thousands of connections open, tens of milliseconds).
 * @param everyHolder inodes whose holders are all wanted, each with a set the scan adds every
 *   pid holding it to: a listener inherited by a server's workers, where the sockets it accepts
 *   will be.
 * @returns socket inode → pid.
 */
export function scanSocketOwners(
  paths: HostPaths = hostPaths(),
  pids: Iterable<number> = listPids(paths),
  everyHolder: ReadonlyMap<number, Set<number>> = NO_INODES,
): Map<number, number> {
  const ownerByInode = new Map<number, number>();
  for (const pid of pids) {
    const fdDir = `${paths.proc}/${pid}/fd`;
    for (const fd of readdirOrEmpty(fdDir)) {
      const inode = socketInode(`${fdDir}/${fd}`);
      if (inode === null) continue;
      const owner = ownerByInode.get(inode);
      if (owner === undefined || pid < owner) ownerByInode.set(inode, pid);
      everyHolder.get(inode)?.add(pid);
    }
  }
  return ownerByInode;
}

const NO_INODES: ReadonlyMap<number, Set<number>> = new Map();

function readdirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function socketInode(fdLink: string): number | null {
  let target: string;
  try {
    target = readlinkSync(fdLink);
  } catch {
    // The fd was closed or its process exited since the readdir.
    return null;
  }
  if (!target.startsWith(SOCKET_LINK_PREFIX)) return null;
  return Number(target.slice(SOCKET_LINK_PREFIX.length, -1));
}
