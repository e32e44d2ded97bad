import type { OwnerRecord, TaskOwner } from './records.js';
import type { Owner } from './snapshot-types.js';
import type { ContainerTable } from './container-table.js';
import type { ProcessTable } from './process-table.js';

/**
 * The process a socket belongs to, as far as the kernel and /proc have told us. A value: a
 * socket's owner changes by taking another, and the sockets of one process share one — at
 * 20,000 open connections held by a few processes, 40,000 owners of their own were 2.6 MB.
 */
export class SocketOwner {
  static readonly UNKNOWN = new SocketOwner(null, null, null, null, null, false);

  /** Owners by pid (-1: none), compared whole; past MAX_SHARED the table starts over (owners handed out stay as they are). */
  private static readonly shared = new Map<number, SocketOwner[]>();
  private static sharedCount = 0;
  private static readonly MAX_SHARED = 4096;

  private constructor(
    readonly pid: number | null,
    /** The kernel's comm at the time of the event; /proc's comm wins when known. */
    readonly comm: string | null,
    readonly uid: number | null,
    readonly cgroupId: number | null,
    /** The socket's uid from a sample, used only when no task told us the owner's. */
    readonly sampleUid: number | null,
    /** Its listener's owner, taken by an accepted socket until an event or /proc names its own. */
    readonly provisional: boolean,
  ) {}

  get known(): boolean {
    return this.pid !== null;
  }

  /** Named by the kernel or /proc for this very socket: nothing replaces it. */
  get settled(): boolean {
    return this.pid !== null && !this.provisional;
  }

  /** The owner once `owner` is adopted; the socket's sample uid stays. */
  adopting(owner: TaskOwner | OwnerRecord): SocketOwner {
    return SocketOwner.of(owner.pid, owner.comm, owner.uid, owner.cgroupId === 0 ? null : owner.cgroupId, this.sampleUid, false);
  }

  /** The owner of `listener` taken provisionally by a socket it accepted; the socket's sample uid stays. */
  provisionallyAdopting(listener: SocketOwner): SocketOwner {
    return SocketOwner.of(listener.pid, listener.comm, listener.uid, listener.cgroupId, this.sampleUid, true);
  }

  withSampleUid(uid: number): SocketOwner {
    return uid === this.sampleUid ? this : SocketOwner.of(this.pid, this.comm, this.uid, this.cgroupId, uid, this.provisional);
  }

  toSnapshot(processes: ProcessTable, containers: ContainerTable): Owner {
    const process = this.pid === null ? undefined : processes.get(this.pid);
    return {
      pid: this.pid,
      comm: process?.comm ?? this.comm,
      cmdline: process?.cmdline ?? null,
      uid: this.uid ?? this.sampleUid,
      user: process?.user ?? null,
      cgroupId: this.cgroupId,
      container: containers.get(this.cgroupId, this.pid),
      provisional: this.provisional,
    };
  }

  private static of(pid: number | null, comm: string | null, uid: number | null, cgroupId: number | null, sampleUid: number | null, provisional: boolean): SocketOwner {
    const key = pid ?? -1;
    let candidates = SocketOwner.shared.get(key);
    if (candidates !== undefined) {
      for (const owner of candidates) {
        if (owner.comm === comm && owner.uid === uid && owner.cgroupId === cgroupId && owner.sampleUid === sampleUid && owner.provisional === provisional) return owner;
      }
    }
    if (SocketOwner.sharedCount >= SocketOwner.MAX_SHARED) {
      SocketOwner.shared.clear();
      SocketOwner.sharedCount = 0;
      candidates = undefined;
    }
    if (candidates === undefined) SocketOwner.shared.set(key, (candidates = []));
    const owner = new SocketOwner(pid, comm, uid, cgroupId, sampleUid, provisional);
    candidates.push(owner);
    SocketOwner.sharedCount++;
    return owner;
  }
}
