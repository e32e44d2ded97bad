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
  /** By the socket owner itself: sockets of one process share theirs (see SocketOwner). */
  private readonly byOwner = new Map<SocketOwner, Owner>();

  constructor(
    private readonly processes: ProcessTable,
    private readonly containers: ContainerTable,
  ) {}

  of(owner: SocketOwner): Owner {
    let snapshot = this.byOwner.get(owner);
    if (snapshot === undefined) {
      snapshot = owner.toSnapshot(this.processes, this.containers);
      this.byOwner.set(owner, snapshot);
    }
    return snapshot;
  }
}
