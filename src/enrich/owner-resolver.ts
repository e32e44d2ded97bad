/**
 * Who owns each socket. The kernel names the owner where it runs in the owner's context
 * (connect, listen, close); for everything else — the server side of an accept, connections
 * older than netscope — the socket's inode is looked up among the processes' open fds.
 * Either way the answer is kept per socket cookie, so events that fire in softirq never
 * borrow whichever task the interrupt happened to hit.
 */
import type { ModelRecord, OwnerRecord, SocketSampleRecord } from '../model/records.js';
import { TcpState } from '../model/records.js';
import type { HostPaths } from '../probes/host-paths.js';
import { ProcessDescriber, type ProcessDescription } from './proc-process.js';
import { scanSocketOwners } from './proc-socket-owners.js';

/** Sockets whose inode no process holds (orphans being torn down) are not looked for forever. */
const MAX_LOOKUPS_PER_SOCKET = 3;
/** Past this many remembered pids the set starts over; the describer's own cache keeps re-description cheap. */
const MAX_DESCRIBED_PIDS = 8192;

export class OwnerResolver {
  private readonly ownedCookies = new Set<number>();
  /** Owned since the last resolve, possibly before any sample could show them. */
  private readonly ownedSinceLastResolve = new Set<number>();
  private readonly lookupsByCookie = new Map<number, number>();
  private readonly pidsToDescribe = new Set<number>();
  private readonly describedPids = new Set<number>();

  constructor(
    private readonly paths: HostPaths,
    private readonly describer: ProcessDescriber,
  ) {}

  /** Called for every record on its way to the model: cheap, no I/O. */
  note(record: ModelRecord): void {
    if (record.kind !== 'state') return;
    if (record.newState === TcpState.CLOSE) {
      this.ownedCookies.delete(record.cookie);
      this.lookupsByCookie.delete(record.cookie);
      return;
    }
    if (record.owner === null) return;
    this.ownedCookies.add(record.cookie);
    this.ownedSinceLastResolve.add(record.cookie);
    if (!this.describedPids.has(record.owner.pid)) this.pidsToDescribe.add(record.owner.pid);
  }

  /** Once a tick: describes new pids and resolves sampled sockets that have no owner yet. */
  resolve(samples: readonly SocketSampleRecord[], atMs: number): OwnerRecord[] {
    const owners: OwnerRecord[] = [];
    for (const pid of this.pidsToDescribe) {
      const description = this.describer.describe(pid);
      if (description) owners.push(ownerRecord(0, description, atMs));
      this.describedPids.add(pid);
    }
    this.pidsToDescribe.clear();
    if (this.describedPids.size > MAX_DESCRIBED_PIDS) this.describedPids.clear();
    this.forgetVanishedSockets(samples);

    const unowned = samples.filter(
      (sample) =>
        sample.inode !== 0 &&
        !this.ownedCookies.has(sample.cookie) &&
        (this.lookupsByCookie.get(sample.cookie) ?? 0) < MAX_LOOKUPS_PER_SOCKET,
    );
    if (unowned.length === 0) return owners;
    const pidByInode = scanSocketOwners(this.paths);
    for (const sample of unowned) {
      const pid = pidByInode.get(sample.inode);
      const description = pid === undefined ? null : this.describer.describe(pid);
      if (description) {
        owners.push(ownerRecord(sample.cookie, description, atMs));
        this.ownedCookies.add(sample.cookie);
        this.describedPids.add(description.pid);
        this.lookupsByCookie.delete(sample.cookie);
      } else {
        this.lookupsByCookie.set(sample.cookie, (this.lookupsByCookie.get(sample.cookie) ?? 0) + 1);
      }
    }
    return owners;
  }

  /** Sockets neither sampled nor newly owned are gone (their close event may have been lost). */
  private forgetVanishedSockets(samples: readonly SocketSampleRecord[]): void {
    const sampled = new Set(samples.map((sample) => sample.cookie));
    for (const cookie of this.ownedCookies) {
      if (!sampled.has(cookie) && !this.ownedSinceLastResolve.has(cookie)) this.ownedCookies.delete(cookie);
    }
    for (const cookie of this.lookupsByCookie.keys()) {
      if (!sampled.has(cookie)) this.lookupsByCookie.delete(cookie);
    }
    this.ownedSinceLastResolve.clear();
  }
}

function ownerRecord(cookie: number, description: ProcessDescription, atMs: number): OwnerRecord {
  return {
    kind: 'owner',
    atMs,
    cookie,
    pid: description.pid,
    comm: description.comm,
    cmdline: description.cmdline,
    uid: description.uid,
    user: description.user,
    cgroupId: description.cgroupId,
  };
}
