import type { Endpoints } from './records.js';
import type { ListenerSnapshot } from './snapshot-types.js';
import type { OwnerSnapshots } from './owner-snapshots.js';
import { SocketOwner } from './socket-owner.js';

/** One listening socket (TCP LISTEN, or a UDP server's socket). Listeners live apart from connections: they move no bytes. */
export class ListenerEntry {
  readonly family: Endpoints['family'];
  readonly saddr: string;
  readonly sport: number;
  readonly netns: number;
  owner = SocketOwner.UNKNOWN;
  /** Connections waiting to be accepted, at the last sample. */
  acceptQueue = 0;
  /** The listen backlog. */
  acceptQueueLimit = 0;
  /** The kernel's drop count of this listener, at the last sample. */
  drops = 0;
  protocol: 'tcp' | 'udp' = 'tcp';
  /** UDP: bytes of datagrams waiting to be read, at the last sample. */
  receiveQueue: number | null = null;
  /** Latest time any record about this socket was stamped with. */
  lastActivityAtMs: number;

  constructor(
    readonly cookie: number,
    endpoints: Endpoints,
    atMs: number,
  ) {
    this.family = endpoints.family;
    this.saddr = endpoints.saddr;
    this.sport = endpoints.sport;
    this.netns = endpoints.netns;
    this.lastActivityAtMs = atMs;
  }

  noteActivity(atMs: number): void {
    if (atMs > this.lastActivityAtMs) this.lastActivityAtMs = atMs;
  }

  toSnapshot(owners: OwnerSnapshots): ListenerSnapshot {
    return {
      id: this.cookie,
      family: this.family,
      saddr: this.saddr,
      sport: this.sport,
      netns: this.netns,
      owner: owners.of(this.owner),
      acceptQueue: this.acceptQueue,
      acceptQueueLimit: this.acceptQueueLimit,
      drops: this.drops,
      protocol: this.protocol,
      receiveQueue: this.receiveQueue,
    };
  }
}
