import type { OwnerRecord, SocketSampleRecord, StateChangeRecord, UdpSocketRecord } from './records.js';
import type { ListenerSnapshot } from './snapshot-types.js';
import type { OwnerSnapshots } from './owner-snapshots.js';
import { ListenerEntry } from './listener-entry.js';
import type { SocketOwner } from './socket-owner.js';

/** The listening sockets, keyed by cookie. */
export class ListenerTable {
  private readonly byCookie = new Map<number, ListenerEntry>();
  /**
   * A TCP listener for each namespace and port that has one (the first seen; after it the next),
   * which is where a socket accepted on that port came from: several (addresses, SO_REUSEPORT)
   * are told apart by no record about the accepted socket.
   */
  private readonly tcpByPort = new Map<number, ListenerEntry>();

  /** A socket entered LISTEN; the task calling listen() owns it. */
  listen(record: StateChangeRecord): void {
    const listener = this.upsert(record);
    this.indexTcp(listener);
    if (record.owner !== null && !listener.owner.known) listener.owner = listener.owner.adopting(record.owner);
  }

  sample(record: SocketSampleRecord): void {
    const listener = this.upsert(record);
    this.indexTcp(listener);
    listener.acceptQueue = record.receiveQueue;
    listener.acceptQueueLimit = record.sendQueue;
    listener.drops = record.drops ?? 0;
    listener.owner = listener.owner.withSampleUid(record.uid);
  }

  /** A UDP socket bound to a fixed port, unconnected: a UDP server. */
  sampleUdp(record: UdpSocketRecord): void {
    const listener = this.upsert(record);
    listener.protocol = 'udp';
    listener.receiveQueue = record.receiveQueue;
    listener.owner = listener.owner.withSampleUid(record.uid);
  }

  /** Sets the owner /proc resolved, unless one is known. Returns false for an unknown cookie. */
  resolveOwner(record: OwnerRecord): boolean {
    const listener = this.byCookie.get(record.cookie);
    if (listener === undefined) return false;
    listener.noteActivity(record.atMs);
    if (!listener.owner.known) listener.owner = listener.owner.adopting(record);
    return true;
  }

  remove(cookie: number): void {
    const listener = this.byCookie.get(cookie);
    if (listener === undefined) return;
    this.byCookie.delete(cookie);
    this.unindexTcp(listener);
  }

  /** Removes the listeners of the swept namespaces with no record since `sinceMs`. */
  sweep(sinceMs: number, sweptNetns: ReadonlySet<number>): void {
    for (const [cookie, listener] of this.byCookie) {
      if (listener.lastActivityAtMs < sinceMs && sweptNetns.has(listener.netns)) this.remove(cookie);
    }
  }

  /** The owner of the TCP listener on `port` in `netns`, when known; null when none is. */
  ownerOfPort(netns: number, port: number): SocketOwner | null {
    const owner = this.tcpByPort.get(portKey(netns, port))?.owner;
    return owner?.settled === true ? owner : null;
  }

  private indexTcp(listener: ListenerEntry): void {
    const key = portKey(listener.netns, listener.sport);
    if (!this.tcpByPort.has(key)) this.tcpByPort.set(key, listener);
  }

  private unindexTcp(listener: ListenerEntry): void {
    const key = portKey(listener.netns, listener.sport);
    if (this.tcpByPort.get(key) !== listener) return;
    this.tcpByPort.delete(key);
    for (const other of this.byCookie.values()) {
      if (other.protocol === 'tcp' && portKey(other.netns, other.sport) === key) {
        this.tcpByPort.set(key, other);
        return;
      }
    }
  }

  /** Snapshots by id; adds the owners' pids and cgroups to the referenced sets. */
  toSnapshots(owners: OwnerSnapshots, referenced: { pids: Set<number>; cgroupIds: Set<number> }): ListenerSnapshot[] {
    return [...this.byCookie.values()]
      .sort((a, b) => a.cookie - b.cookie)
      .map((listener) => {
        if (listener.owner.pid !== null) referenced.pids.add(listener.owner.pid);
        if (listener.owner.cgroupId !== null) referenced.cgroupIds.add(listener.owner.cgroupId);
        return listener.toSnapshot(owners);
      });
  }

  private upsert(record: StateChangeRecord | SocketSampleRecord | UdpSocketRecord): ListenerEntry {
    let listener = this.byCookie.get(record.cookie);
    if (listener === undefined) {
      listener = new ListenerEntry(record.cookie, record.endpoints, record.atMs);
      this.byCookie.set(record.cookie, listener);
    } else {
      listener.noteActivity(record.atMs);
    }
    return listener;
  }
}

/** A namespace inode (32 bits) and a port as one number: below 2^48, exact in a double. */
function portKey(netns: number, port: number): number {
  return netns * 65536 + port;
}
