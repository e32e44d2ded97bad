import type { DropRecord, ResetRecord, RetransmitRecord, StateChangeRecord } from './records.js';
import type { ConnectionEvent, Owner } from './snapshot-types.js';
import { tcpStateName } from './tcp-states.js';

export type LoggedRecord = StateChangeRecord | RetransmitRecord | ResetRecord | DropRecord;

/**
 * The last N discrete events (state changes, retransmits, resets, drops) for the Events pane.
 * It keeps the decoder's own record objects in a ring, so logging allocates nothing on the
 * ingest path; entries are built only when a tick publishes them.
 */
export class EventLog {
  private readonly ring: (LoggedRecord | undefined)[];
  /** Per ring slot, the cookie of the connection the event was credited to (0: none). */
  private readonly creditedCookies: Float64Array;
  private next = 0;
  private count = 0;
  private changed = false;
  private published: ConnectionEvent[] = [];

  /** @param capacity events kept, newest win. */
  constructor(private readonly capacity: number) {
    this.ring = new Array<LoggedRecord | undefined>(capacity);
    this.creditedCookies = new Float64Array(capacity);
  }

  /**
   * @param creditedCookie the connection the event counts toward, whose owner the event shows:
   *   the record's own cookie, or for a packet the kernel had no socket for (a drop before the
   *   socket lookup, a stateless reset), the connection on its tuple; 0 when there is none.
   */
  push(record: LoggedRecord, creditedCookie: number = record.cookie): void {
    if (this.capacity === 0) return;
    this.ring[this.next] = record;
    this.creditedCookies[this.next] = creditedCookie;
    this.next = (this.next + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
    this.changed = true;
  }

  /** Newest first. `ownerOf` names the connection's owner as the table knows it now. */
  toEvents(ownerOf: (cookie: number) => Owner | null): ConnectionEvent[] {
    if (!this.changed) return this.published;
    this.changed = false;
    const events: ConnectionEvent[] = [];
    for (let age = 1; age <= this.count; age++) {
      const slot = (this.next - age + this.capacity) % this.capacity;
      const record = this.ring[slot];
      const creditedCookie = this.creditedCookies[slot]!;
      if (record !== undefined) events.push(toEvent(record, creditedCookie === 0 ? null : ownerOf(creditedCookie)));
    }
    this.published = events;
    return events;
  }
}

function toEvent(record: LoggedRecord, owner: Owner | null): ConnectionEvent {
  const endpoints = record.kind === 'drop' ? record.packet : record.endpoints;
  const kernelOwner = record.kind === 'state' ? record.owner : null;
  return {
    atMs: record.atMs,
    kind: record.kind,
    connectionId: record.cookie === 0 ? null : record.cookie,
    family: endpoints.family,
    saddr: endpoints.saddr,
    sport: endpoints.sport,
    daddr: endpoints.daddr,
    dport: endpoints.dport,
    pid: owner?.pid ?? kernelOwner?.pid ?? null,
    comm: owner?.comm ?? kernelOwner?.comm ?? null,
    fromState: record.kind === 'state' ? tcpStateName(record.oldState) : null,
    toState: record.kind === 'state' ? tcpStateName(record.newState) : record.kind === 'retransmit' ? tcpStateName(record.state) : null,
    direction: record.kind === 'reset' ? record.direction : null,
    reason: record.kind === 'reset' || record.kind === 'drop' ? record.reason : null,
  };
}
