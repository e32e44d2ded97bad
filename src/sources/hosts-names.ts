/**
 * Names from the hosts files of the processes that own connections: read once per (mount
 * namespace, network namespace) pair, when its first owner is resolved, and handed to the model
 * as `name` records that never expire. A file edited later is not read again.
 */
import { hostsIdentityOf, readHostsOf } from '../enrich/hosts-file.js';
import type { ModelRecord } from '../model/records.js';

/** Namespace pairs remembered as read; past it the set starts over (a re-read costs one small file). */
const MAX_REMEMBERED = 4_096;

export class HostsNames {
  private readonly read = new Set<string>();
  /** Processes already looked at: a busy client's every connect must not cost two stat calls. */
  private readonly seenPids = new Set<number>();

  constructor(
    private readonly procPath: string,
    private readonly sink: (record: ModelRecord) => void,
  ) {}

  /** A process owns a connection: its hosts file names addresses for its cgroup, once per namespace pair. */
  noteOwner(pid: number, cgroupId: number, atMs: number): void {
    if (this.seenPids.has(pid)) return;
    if (this.seenPids.size >= MAX_REMEMBERED) this.seenPids.clear();
    this.seenPids.add(pid);
    const identity = hostsIdentityOf(this.procPath, pid);
    if (identity === null) return;
    const key = `${identity.mountNamespace} ${identity.netns}`;
    if (this.read.has(key)) return;
    if (this.read.size >= MAX_REMEMBERED) this.read.clear();
    this.read.add(key);
    for (const entry of readHostsOf(this.procPath, pid)) {
      this.sink({ kind: 'name', atMs, netns: identity.netns, address: entry.address, name: entry.name, source: 'hosts', ttlSeconds: null, cgroupId });
    }
  }
}
