import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the host's kernel and configuration file systems are mounted, as seen by netscope.
 * On the host itself these are `/proc`, `/sys` and `/etc`; in a container that mounts the
 * host's file systems under a host root (say `/host`, from `--host-root`), they are
 * `/host/proc` and so on. Every host reader takes one of these instead of hard-coding a path.
 */
export interface HostPaths {
  /** The host's `/`, under which container runtimes' state (`/var/lib/docker`, `/run/containerd`) is found. */
  root: string;
  /** The host's procfs mount (`/proc`). */
  proc: string;
  /** The host's sysfs mount (`/sys`). */
  sys: string;
  /** The host's configuration directory (`/etc`), for passwd. */
  etc: string;
}

/**
 * The host paths under a host root.
 * @param hostRoot directory the host's file systems are mounted under; default `''`, the
 *   host itself. A trailing slash is accepted (`/host/` and `/host` are the same root).
 */
export function hostPaths(hostRoot = ''): HostPaths {
  const root = hostRoot === '' ? '/' : hostRoot;
  return { root: join(root, '.'), proc: join(root, 'proc'), sys: join(root, 'sys'), etc: join(root, 'etc') };
}

const cgroupV2MountBySys = new Map<string, string>();

/**
 * The directory where the host's cgroup v2 hierarchy is mounted: `<sys>/fs/cgroup` on a pure
 * v2 host (its root holds `cgroup.controllers`), `<sys>/fs/cgroup/unified` on a hybrid host
 * (v1 controllers with v2 beside them). Detected on first use for each sysfs path and then
 * remembered: the layout is chosen at boot and does not change while netscope runs.
 * On a v1-only host the returned directory does not exist, so cgroup ids resolve to 0.
 */
export function cgroupV2Mount(paths: HostPaths): string {
  let mount = cgroupV2MountBySys.get(paths.sys);
  if (mount === undefined) {
    const cgroupRoot = join(paths.sys, 'fs', 'cgroup');
    const isPureV2 = existsSync(join(cgroupRoot, 'cgroup.controllers'));
    mount = isPureV2 ? cgroupRoot : join(cgroupRoot, 'unified');
    cgroupV2MountBySys.set(paths.sys, mount);
  }
  return mount;
}

/**
 * The pids of all processes in /proc. /proc lists thread-group leaders only: thread ids are
 * reachable as /proc/TID but not listed.
 * @returns pids in the order /proc lists them (ascending); empty when /proc cannot be read.
 */
export function listPids(paths: HostPaths = hostPaths()): number[] {
  let entries: string[];
  try {
    entries = readdirSync(paths.proc);
  } catch {
    return [];
  }
  // Names like "self", "net" and "sys" sit beside the pid directories.
  return entries.filter((entry) => /^\d+$/.test(entry)).map(Number);
}
