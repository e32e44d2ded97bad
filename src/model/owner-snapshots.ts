import type { ContainerTable } from './container-table.js';
import type { ProcessTable } from './process-table.js';
import type { Owner } from './snapshot-types.js';
import type { SocketOwner } from './socket-owner.js';

/**
 * The owners published in one tick, one object per distinct owner: the thousands of connections
 * of one server process share its owner instead of each carrying a copy. Lives for one tick, so
 * a process or container described anew later is published anew.
 */
export class OwnerSnapshots {
  private readonly byOwner = new Map<string, Owner>();

  constructor(
    private readonly processes: ProcessTable,
    private readonly containers: ContainerTable,
  ) {}

  of(owner: SocketOwner): Owner {
    // Everything SocketOwner.toSnapshot reads from the owner; NUL cannot occur in a comm.
    const key = `${owner.pid}\0${owner.comm}\0${owner.uid ?? owner.sampleUid}\0${owner.cgroupId}`;
    let snapshot = this.byOwner.get(key);
    if (snapshot === undefined) {
      snapshot = owner.toSnapshot(this.processes, this.containers);
      this.byOwner.set(key, snapshot);
    }
    return snapshot;
  }
}
