/**
 * Static names from a process's own hosts file, read through /proc/PID/root as that process
 * sees it. The file belongs to whoever controls the process's root (a container image, a
 * namespace's bind mount), so it is read with the care of a runtime state file (state-file.ts):
 * no symlink followed for the file, nor for its `etc` directory (an absolute link there would
 * resolve against netscope's root, not the process's), no FIFO, at most 256 KiB, and every name
 * sanitised and capped.
 */
import { lstatSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalAddressText } from '../probes/ip-address.js';
import { peerNameText } from './peer-name-text.js';
import { readStateText } from './state-file.js';

const MAX_HOSTS_BYTES = 256 * 1024;
/** Lines kept from one file; a generated hosts file of ad blockers has tens of thousands. */
const MAX_HOSTS_ENTRIES = 2_000;

/** One address's canonical name (the first after it on its first line). */
export interface HostsEntry {
  address: string;
  name: string;
}

/** Which hosts file a process sees and where its names apply: its mount and network namespaces. */
export interface HostsIdentity {
  mountNamespace: number;
  netns: number;
}

export function hostsIdentityOf(procPath: string, pid: number): HostsIdentity | null {
  try {
    return { mountNamespace: statSync(join(procPath, String(pid), 'ns', 'mnt')).ino, netns: statSync(join(procPath, String(pid), 'ns', 'net')).ino };
  } catch {
    return null;
  }
}

/** The entries of the process's /etc/hosts; empty when it has none or it cannot be read safely. */
export function readHostsOf(procPath: string, pid: number): HostsEntry[] {
  const etc = join(procPath, String(pid), 'root', 'etc');
  try {
    if (!lstatSync(etc).isDirectory()) return [];
  } catch {
    return [];
  }
  const read = readStateText(join(etc, 'hosts'), MAX_HOSTS_BYTES);
  return 'problem' in read ? [] : parseHosts(read.text);
}

/**
 * What every hosts file says of loopback — `localhost` and its kin, or the machine's own name on
 * 127.0.0.1 — names nothing: the address says more, and keeps which loopback address a
 * connection used visible. Other loopback addresses (Debian's 127.0.1.1) keep their names.
 */
const CANONICAL_LOOPBACK = new Set(['127.0.0.1', '::1']);
const LOOPBACK_NAME = /^(?:localhost[46]?(?:\..*)?|ip6-localhost|ip6-loopback|.*\.localhost)$/i;

/** hosts(5): an address, then its canonical name and aliases; `#` starts a comment. */
export function parseHosts(text: string): HostsEntry[] {
  const entries: HostsEntry[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const [address, name] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (address === undefined || name === undefined || LOOPBACK_NAME.test(name)) continue;
    const canonical = canonicalAddressText(address);
    if (canonical === null || CANONICAL_LOOPBACK.has(canonical)) continue;
    if (seen.has(canonical)) continue;
    seen.add(canonical);
    entries.push({ address: canonical, name: peerNameText(name) });
    if (entries.length >= MAX_HOSTS_ENTRIES) break;
  }
  return entries;
}
