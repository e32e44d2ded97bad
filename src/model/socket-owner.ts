import type { OwnerRecord, TaskOwner } from './records.js';
import type { Owner } from './snapshot-types.js';
import type { ContainerTable } from './container-table.js';
import type { ProcessTable } from './process-table.js';

/** The process a socket belongs to, as far as the kernel and /proc have told us. */
export class SocketOwner {
  pid: number | null = null;
  /** The kernel's comm at the time of the event; /proc's comm wins when known. */
  comm: string | null = null;
  uid: number | null = null;
  cgroupId: number | null = null;
  /** The socket's uid from a sample, used only when no task told us the owner's. */
  sampleUid: number | null = null;

  get known(): boolean {
    return this.pid !== null;
  }

  adopt(owner: TaskOwner | OwnerRecord): void {
    this.pid = owner.pid;
    this.comm = owner.comm;
    this.uid = owner.uid;
    this.cgroupId = owner.cgroupId === 0 ? null : owner.cgroupId;
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
    };
  }
}
