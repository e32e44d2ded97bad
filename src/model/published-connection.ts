import type { ConnectionSnapshot } from './snapshot-types.js';

/**
 * What a published row holds itself, made when it was published: the references, its id, and
 * what derives from the state history (the state and the connect latency). Readers ask the id
 * and the latency of every row each tick, and a history that changes republishes the row anyway,
 * so the connection records states without detaching its row.
 */
type HeldField = 'id' | 'owner' | 'state' | 'stateHistory' | 'drops' | 'problems' | 'problemTrail' | 'udp' | 'connectLatencyMs';
type HeldFields = Pick<ConnectionSnapshot, HeldField>;
/** What a published row reads from its connection, or from its copy once the connection changed. */
export type LiveFields = Omit<ConnectionSnapshot, HeldField>;

/**
 * A connection as one snapshot published it, without a copy of its fields while they still hold:
 * until the connection changes, the row reads them from the connection itself, and the
 * connection detaches the row (see `detach`) before its first change. A table's rows are
 * published every tick and nearly all are unchanged from the last, so a snapshot costs a small
 * object a connection rather than a copy of its thirty fields: at 100,000 connections a copy was
 * 34 MB (bench/PROFILE.md, the twenty-fourth look). Readers see a ConnectionSnapshot like any
 * other, which never changes.
 */
export class PublishedConnection implements ConnectionSnapshot {
  #source: LiveFields;
  readonly id: number;
  readonly owner: ConnectionSnapshot['owner'];
  readonly state: ConnectionSnapshot['state'];
  readonly stateHistory: ConnectionSnapshot['stateHistory'];
  readonly drops: ConnectionSnapshot['drops'];
  readonly problems: ConnectionSnapshot['problems'];
  readonly problemTrail: ConnectionSnapshot['problemTrail'];
  readonly udp: ConnectionSnapshot['udp'];
  readonly connectLatencyMs: number | null;

  constructor(live: LiveFields, held: HeldFields) {
    this.#source = live;
    this.id = held.id;
    this.owner = held.owner;
    this.state = held.state;
    this.stateHistory = held.stateHistory;
    this.drops = held.drops;
    this.problems = held.problems;
    this.problemTrail = held.problemTrail;
    this.udp = held.udp;
    this.connectLatencyMs = held.connectLatencyMs;
  }

  /** The connection is about to change (or leave the table): the row keeps what it published. */
  detach(): void {
    this.#source = copyOfLiveFields(this.#source);
  }

  get protocol(): ConnectionSnapshot['protocol'] {
    return this.#source.protocol;
  }
  get family(): ConnectionSnapshot['family'] {
    return this.#source.family;
  }
  get saddr(): string {
    return this.#source.saddr;
  }
  get sport(): number {
    return this.#source.sport;
  }
  get daddr(): string {
    return this.#source.daddr;
  }
  get dport(): number {
    return this.#source.dport;
  }
  get netns(): number {
    return this.#source.netns;
  }
  get openedAtMs(): number {
    return this.#source.openedAtMs;
  }
  get closedAtMs(): number | null {
    return this.#source.closedAtMs;
  }
  get bytesSent(): number {
    return this.#source.bytesSent;
  }
  get bytesReceived(): number {
    return this.#source.bytesReceived;
  }
  get segmentsSent(): number {
    return this.#source.segmentsSent;
  }
  get segmentsReceived(): number {
    return this.#source.segmentsReceived;
  }
  get sendRate(): number {
    return this.#source.sendRate;
  }
  get receiveRate(): number {
    return this.#source.receiveRate;
  }
  get retransmits(): number {
    return this.#source.retransmits;
  }
  get resetsSent(): number {
    return this.#source.resetsSent;
  }
  get resetsReceived(): number {
    return this.#source.resetsReceived;
  }
  get srttMs(): number | null {
    return this.#source.srttMs;
  }
  get preexisting(): boolean {
    return this.#source.preexisting;
  }
  get limit(): ConnectionSnapshot['limit'] {
    return this.#source.limit;
  }
  get nat(): ConnectionSnapshot['nat'] {
    return this.#source.nat;
  }
  get peerName(): ConnectionSnapshot['peerName'] {
    return this.#source.peerName;
  }
}

function copyOfLiveFields(source: LiveFields): LiveFields {
  return {
    protocol: source.protocol,
    family: source.family,
    saddr: source.saddr,
    sport: source.sport,
    daddr: source.daddr,
    dport: source.dport,
    netns: source.netns,
    openedAtMs: source.openedAtMs,
    closedAtMs: source.closedAtMs,
    bytesSent: source.bytesSent,
    bytesReceived: source.bytesReceived,
    segmentsSent: source.segmentsSent,
    segmentsReceived: source.segmentsReceived,
    sendRate: source.sendRate,
    receiveRate: source.receiveRate,
    retransmits: source.retransmits,
    resetsSent: source.resetsSent,
    resetsReceived: source.resetsReceived,
    srttMs: source.srttMs,
    preexisting: source.preexisting,
    limit: source.limit,
    nat: source.nat,
    peerName: source.peerName,
  };
}
