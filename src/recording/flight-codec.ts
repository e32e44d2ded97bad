/**
 * The flight recorder's binary form of what the model ingested: one entry (a record or a tick
 * marker) after another in a chunk of bytes, each chunk read from its start with nothing from
 * the chunks before it — so whole chunks can be dropped from the front as the window slides.
 *
 * What keeps an entry small, within a chunk:
 *   - a header byte: the entry's kind (low 4 bits) and what it leaves out (high 4 bits);
 *   - times as the difference from the previous entry's, in 2^-12 ms: every epoch time from
 *     2004 on is a whole number of those, so the difference is exact (kernel times carry ns);
 *   - strings (addresses, commands, users, reasons, container names) written once, then named
 *     by their index;
 *   - a socket's cookie written once (as the difference from the previous new cookie: the
 *     kernel counts them up), then named by how many sockets came since; its endpoints written
 *     once, while they stay the same;
 *   - counters as differences from the same socket's previous counters, or not at all when
 *     they did not change; a sample's inode and uid only when they change, its limit counters
 *     likewise (one byte when they did not move);
 *   - a sample that says all the socket's last sample in this chunk said (an idle connection,
 *     pass after pass) as a repeat: its header, its time and which socket — counted from the one
 *     after the previous sample's, as a pass lists a table's sockets in the order the last did,
 *     so three bytes in all;
 *   - numbers as LEB128 varints. Anything a varint cannot carry exactly (a negative, a fraction,
 *     a time before 2004, an integer past 2^53) is written as its 8-byte double after a 0 —
 *     every record decodes to the very values it was encoded from.
 */
import type { ContainerIdentity, ContainerRecord, Endpoints, FlowLimitCounters, GaugesRecord, ModelRecord, NatRecord, TaskOwner, TcpCounters, TcpStateNumber } from '../model/records.js';
import type { Workload, WorkloadKind } from '../model/workload.js';
import { Counter, EncodedSockets, Limit } from './encoded-sockets.js';

/** A tick of the capture, between the records ingested before it and those after. */
export interface TickEntry {
  kind: 'tick';
  atMs: number;
}

export type FlightEntry = ModelRecord | TickEntry;

const KIND_CODES = { tick: 0, state: 1, retransmit: 2, reset: 3, drop: 4, sample: 5, owner: 6, container: 7, sweep: 8, lost: 9, gauges: 10, nat: 11, udpFlow: 12, udpSocket: 13, udpRefused: 14, name: 15 } as const;
const KIND_MASK = 0x0f;
/** The socket's endpoints are those it had last in this chunk. */
const SAME_ENDPOINTS = 0x10;
/** The socket's counters are those it had last in this chunk. */
const SAME_COUNTERS = 0x20;
/** The record's counters (reset, sample), container's pid or name's TTL is null. */
const NULL_FIELD = 0x40;
/** sample: a repeat of the socket's last sample in this chunk (a pair of flags no sample has otherwise: its counters null and the same). */
const SAMPLE_REPEAT = SAME_COUNTERS | NULL_FIELD;
/** state, udpFlow: an owner follows; reset: sent (else received); sample: inode and uid as last; container: no container; nat: incoming; name: not from DNS (a byte after its cgroup id says where). */
const KIND_FLAG = 0x80;
/** nat: found in the host's conntrack table (else the socket's own namespace's). No nat field is ever null. */
const NAT_HOST_TABLE = NULL_FIELD;
/** nat: about a UDP flow, whose peer follows (a nat record has no endpoints to be the same as). */
const NAT_UDP_PEER = SAME_ENDPOINTS;
/** A name's source other than DNS, in the byte after its cgroup id. */
const NAME_SOURCE_CODES = { hosts: 0, ptr: 1 } as const;

function nameSourceOf(code: number): 'hosts' | 'ptr' {
  if (code === NAME_SOURCE_CODES.hosts) return 'hosts';
  if (code === NAME_SOURCE_CODES.ptr) return 'ptr';
  throw new Error(`flight recorder chunk damaged: name source ${code}`);
}

/** The yes/no fields of UDP records, in the byte after their endpoints. */
const UDP_CONNECTED = 1;
const UDP_SOCKET_CLOSED = 2;
const UDP_LISTENING = 2;
const UDP_DROPS_NULL = 4;

/** What a sample says of its limit counters, with its state: absent (an older recording), null, as last in the chunk, or written. */
const LIMITS_ABSENT = 0;
const LIMITS_NULL = 1;
const LIMITS_SAME = 2;
const LIMITS_WRITTEN = 3;
const LIMITS_MARKERS = 4;
/** The yes/no facts of the limit counters, in one number. */
const APP_LIMITED = 1;
const PROBE_TIMER_ARMED = 2;
const SND_WND_UNKNOWN = 4;
const RCV_WND_UNKNOWN = 8;
/** Time differences are counted in 2^-12 ms, the spacing of doubles from 2^40 ms (2004) on. */
const TIME_UNITS_PER_MS = 4096;
/** Differences past this are written as doubles: their zigzag and the varint's +1 stay exact. */
const LARGEST_DIFFERENCE = 2 ** 50;
/** A varint's 7 bits a byte; at most 8 bytes for a number up to 2^53. */
const MAX_VARINT_BYTES = 9;
/** The bytes an entry may take besides its strings and namespaces: every number as a 0 and a double, plus the header. */
const FIXED_BOUND_BYTES = 24 * MAX_VARINT_BYTES;
/** The numbers a sample's limit counters may add: eleven values, and the marker after a state that is not a whole number. */
const LIMITS_BOUND_BYTES = 12 * MAX_VARINT_BYTES;

function zigzag(difference: number): number {
  return difference >= 0 ? 2 * difference : -2 * difference - 1;
}

function unzigzag(value: number): number {
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}

function stringBound(value: string | null): number {
  return value === null ? 1 : 1 + MAX_VARINT_BYTES + 3 * value.length;
}

function endpointsBound(endpoints: Endpoints): number {
  return stringBound(endpoints.family) + stringBound(endpoints.saddr) + stringBound(endpoints.daddr);
}

/** At most the bytes `entry` takes, whatever the chunk already holds. */
export function entryBound(entry: FlightEntry): number {
  switch (entry.kind) {
    case 'tick':
    case 'lost':
    case 'udpRefused':
      return FIXED_BOUND_BYTES;
    case 'udpFlow':
      return FIXED_BOUND_BYTES + endpointsBound(entry.endpoints) + (entry.owner === null ? 0 : stringBound(entry.owner.comm));
    case 'udpSocket':
      return FIXED_BOUND_BYTES + endpointsBound(entry.endpoints);
    case 'state':
      return FIXED_BOUND_BYTES + endpointsBound(entry.endpoints) + (entry.owner === null ? 0 : stringBound(entry.owner.comm));
    case 'retransmit':
      return FIXED_BOUND_BYTES + endpointsBound(entry.endpoints);
    case 'sample':
      return FIXED_BOUND_BYTES + LIMITS_BOUND_BYTES + endpointsBound(entry.endpoints);
    case 'reset':
      return FIXED_BOUND_BYTES + endpointsBound(entry.endpoints) + stringBound(entry.reason);
    case 'drop':
      return FIXED_BOUND_BYTES + endpointsBound(entry.packet) + stringBound(entry.reason);
    case 'owner':
      return FIXED_BOUND_BYTES + stringBound(entry.comm) + stringBound(entry.cmdline) + stringBound(entry.user);
    case 'container': {
      const { container } = entry;
      const containerBytes =
        container === null
          ? 0
          : stringBound(container.id) + stringBound(container.name) + stringBound(container.runtime) + stringBound(container.image) + stringBound(container.pod) + stringBound(container.namespace) + stringBound(container.podUid) +
            stringBound(container.workload?.kind ?? null) + stringBound(container.workload?.name ?? null) + stringBound(container.workload?.source ?? null);
      return FIXED_BOUND_BYTES + containerBytes + stringBound(entry.problem);
    }
    case 'sweep':
      return FIXED_BOUND_BYTES + MAX_VARINT_BYTES * entry.netns.length;
    case 'gauges':
      return FIXED_BOUND_BYTES + stringBound(gaugesText(entry));
    case 'nat':
      return FIXED_BOUND_BYTES + stringBound(entry.destination.address) + stringBound(entry.originalDestination.address) + stringBound(entry.udpPeer?.address ?? null);
    case 'name':
      return FIXED_BOUND_BYTES + stringBound(entry.address) + stringBound(entry.name);
  }
}

/**
 * A gauges record's fields besides its kind and time, as JSON text: one a tick, few of them
 * beside the sockets' records, so plain text costs little, and JSON numbers and strings
 * come back exactly as they went in.
 */
function gaugesText(entry: GaugesRecord): string {
  return JSON.stringify({ namespaces: entry.namespaces, host: entry.host, processDescriptors: entry.processDescriptors });
}

/** What a chunk said last about a socket, as the decoder keeps it (the encoder keeps the same in EncodedSockets). */
interface SocketMemory {
  cookie: number;
  /** Index among the chunk's sockets, in order of first mention. */
  index: number;
  endpoints: Endpoints | null;
  counters: TcpCounters | null;
  inode: number | null;
  uid: number | null;
  /** The limit counters of the socket's last sample with them. */
  limits: FlowLimitCounters | null;
  /** What the socket's last sample in this chunk said besides the above; null before its first. */
  sample: SampleRest | null;
}

/** A sample's fields that SocketMemory does not keep otherwise, for a repeat. */
interface SampleRest {
  state: TcpStateNumber;
  receiveQueue: number;
  sendQueue: number;
  drops: number | undefined;
  /** Whether it had limit counters (LIMITS_SAME: the memory's), null or none (LIMITS_ABSENT). */
  limits: typeof LIMITS_ABSENT | typeof LIMITS_NULL | typeof LIMITS_SAME;
}

/** The limits marker a sample's repeat must match: its limits as the memory holds them now. */
function keptLimits(marker: number): SampleRest['limits'] {
  return marker === LIMITS_ABSENT ? LIMITS_ABSENT : marker === LIMITS_NULL ? LIMITS_NULL : LIMITS_SAME;
}

function sameEndpoints(a: Endpoints, b: Endpoints): boolean {
  return a.family === b.family && a.saddr === b.saddr && a.sport === b.sport && a.daddr === b.daddr && a.dport === b.dport && a.netns === b.netns;
}

function sameOwner(a: TaskOwner, b: TaskOwner): boolean {
  return a.pid === b.pid && a.comm === b.comm && a.uid === b.uid && a.cgroupId === b.cgroupId;
}

const NO_COUNTERS: TcpCounters = { bytesAcked: 0, bytesReceived: 0, segsOut: 0, segsIn: 0, totalRetrans: 0, srttUs: 0 };

const NO_LIMITS: FlowLimitCounters = {
  busyUs: 0,
  rwndLimitedUs: 0,
  sndbufLimitedUs: 0,
  deliveryRate: 0,
  appLimited: false,
  notsentBytes: 0,
  sndCwnd: 0,
  sndSsthresh: 0,
  sndWnd: null,
  rcvWnd: null,
  probes: 0,
  probeTimerArmed: false,
};



function limitFacts(limits: FlowLimitCounters): number {
  return (
    (limits.appLimited ? APP_LIMITED : 0) |
    (limits.probeTimerArmed ? PROBE_TIMER_ARMED : 0) |
    (limits.sndWnd === null ? SND_WND_UNKNOWN : 0) |
    (limits.rcvWnd === null ? RCV_WND_UNKNOWN : 0)
  );
}

/**
 * Writes entries into one chunk, from its start. The caller gives room for entryBound(entry)
 * bytes at `offset`; encode returns where the entry ends.
 */
export class ChunkEncoder {
  private bytes: Buffer = Buffer.alloc(0);
  private at = 0;
  private previousMs = 0;
  private previousNewCookie = 0;
  private previousNetns = 0;
  private readonly strings = new Map<string, number>();
  private readonly sockets = new EncodedSockets();
  /** The index of the socket the last sample was about; -1 before the first. */
  private previousSampleIndex = -1;
  /** The latest owner of each pid, and its index among the chunk's owners. */
  private readonly owners = new Map<number, { owner: TaskOwner; index: number }>();
  private ownerCount = 0;

  encode(entry: FlightEntry, bytes: Buffer, offset: number): number {
    this.bytes = bytes;
    this.at = offset;
    switch (entry.kind) {
      case 'tick':
        this.header(KIND_CODES.tick, entry.atMs);
        break;
      case 'state': {
        const known = this.sockets.indexOf(entry.cookie);
        const flags = this.socketFlags(known, entry.endpoints, entry.counters) | (entry.owner === null ? 0 : KIND_FLAG);
        this.header(KIND_CODES.state | flags, entry.atMs);
        const socket = this.socket(entry.cookie, known, entry.endpoints, flags);
        // Both states in one byte when they fit in 4 bits each (all of tcp_states.h does); else 0 and both.
        const packed = entry.oldState * 16 + entry.newState;
        if ((entry.oldState & 0x0f) === entry.oldState && (entry.newState & 0x0f) === entry.newState && packed !== 0) this.byte(packed);
        else this.byte(0).whole(entry.oldState).whole(entry.newState);
        if (entry.owner !== null) this.owner(entry.owner);
        this.counters(socket, entry.counters, flags);
        break;
      }
      case 'retransmit': {
        const known = this.sockets.indexOf(entry.cookie);
        const flags = this.socketFlags(known, entry.endpoints, entry.counters);
        this.header(KIND_CODES.retransmit | flags, entry.atMs);
        const socket = this.socket(entry.cookie, known, entry.endpoints, flags);
        this.whole(entry.state);
        this.counters(socket, entry.counters, flags);
        break;
      }
      case 'reset': {
        const known = this.sockets.indexOf(entry.cookie);
        const flags = this.socketFlags(known, entry.endpoints, entry.counters) | (entry.direction === 'sent' ? KIND_FLAG : 0);
        this.header(KIND_CODES.reset | flags, entry.atMs);
        const socket = this.socket(entry.cookie, known, entry.endpoints, flags);
        this.string(entry.reason);
        this.counters(socket, entry.counters, flags);
        break;
      }
      case 'drop':
        // The packet's addresses run as it travelled, not as its socket's: always written.
        this.header(KIND_CODES.drop, entry.atMs);
        this.socket(entry.cookie, this.sockets.indexOf(entry.cookie), null, 0);
        this.endpoints(entry.packet);
        this.string(entry.reason);
        break;
      case 'sample': {
        const known = this.sockets.indexOf(entry.cookie);
        const sameIdentity = this.sockets.sameIdentity(known, entry.inode, entry.uid);
        const flags = this.socketFlags(known, entry.endpoints, entry.counters) | (sameIdentity ? KIND_FLAG : 0);
        const limitsMarker = this.limitsMarker(known, entry.limits);
        if (sameIdentity && (flags & SAME_ENDPOINTS) !== 0 && (flags & SAME_COUNTERS) !== 0 && this.sockets.repeatsSample(known, entry, limitsMarker)) {
          this.header(KIND_CODES.sample | SAMPLE_REPEAT, entry.atMs);
          this.varint(zigzag(known - (this.previousSampleIndex + 1)));
          this.previousSampleIndex = known;
          break;
        }
        this.header(KIND_CODES.sample | flags, entry.atMs);
        const socket = this.socket(entry.cookie, known, entry.endpoints, flags);
        this.stateAndMarker(entry.state, limitsMarker);
        if (!sameIdentity) this.whole(entry.inode).whole(entry.uid);
        this.counters(socket, entry.counters, flags);
        this.whole(entry.receiveQueue).whole(entry.sendQueue);
        // One more than the count, 0 for none: a record replayed from an older recording has none.
        this.whole(entry.drops === undefined ? 0 : entry.drops + 1);
        if (limitsMarker === LIMITS_WRITTEN) this.limits(socket, entry.limits!);
        if (socket >= 0) {
          this.sockets.setIdentity(socket, entry.inode, entry.uid);
          this.sockets.setSample(socket, entry, keptLimits(limitsMarker));
          this.previousSampleIndex = socket;
        }
        break;
      }
      case 'owner':
        this.header(KIND_CODES.owner, entry.atMs);
        this.socket(entry.cookie, this.sockets.indexOf(entry.cookie), null, 0);
        this.whole(entry.pid).string(entry.comm).string(entry.cmdline).whole(entry.uid).string(entry.user).whole(entry.cgroupId);
        break;
      case 'container':
        this.container(entry);
        break;
      case 'sweep': {
        this.header(KIND_CODES.sweep, entry.atMs);
        this.time(entry.sinceMs, entry.atMs).whole(entry.netns.length);
        let previous = this.previousNetns;
        for (const netns of entry.netns) {
          this.difference(netns, previous);
          previous = netns;
        }
        break;
      }
      case 'lost':
        this.header(KIND_CODES.lost, entry.atMs);
        this.whole(entry.total);
        break;
      case 'gauges':
        this.header(KIND_CODES.gauges, entry.atMs);
        this.string(gaugesText(entry));
        break;
      case 'nat':
        this.header(
          KIND_CODES.nat | (entry.direction === 'incoming' ? KIND_FLAG : 0) | (entry.table === 'host' ? NAT_HOST_TABLE : 0) | (entry.udpPeer === undefined ? 0 : NAT_UDP_PEER),
          entry.atMs,
        );
        this.socket(entry.cookie, this.sockets.indexOf(entry.cookie), null, 0);
        this.string(entry.destination.address).whole(entry.destination.port);
        this.string(entry.originalDestination.address).whole(entry.originalDestination.port);
        if (entry.udpPeer !== undefined) this.string(entry.udpPeer.address).whole(entry.udpPeer.port);
        break;
      case 'udpFlow': {
        // An unconnected socket's flows share its cookie with one peer each: endpoints always written.
        this.header(KIND_CODES.udpFlow | (entry.owner === null ? 0 : KIND_FLAG), entry.atMs);
        this.socket(entry.cookie, this.sockets.indexOf(entry.cookie), null, 0);
        this.endpoints(entry.endpoints);
        this.byte((entry.connected ? UDP_CONNECTED : 0) | (entry.socketClosed ? UDP_SOCKET_CLOSED : 0));
        if (entry.owner !== null) this.owner(entry.owner);
        const { counters } = entry;
        this.whole(counters.bytesSent).whole(counters.bytesReceived).whole(counters.packetsSent).whole(counters.packetsReceived);
        this.time(counters.firstPacketAtMs, entry.atMs).time(counters.lastPacketAtMs, entry.atMs);
        break;
      }
      case 'udpSocket':
        this.header(KIND_CODES.udpSocket, entry.atMs);
        this.socket(entry.cookie, this.sockets.indexOf(entry.cookie), null, 0);
        this.endpoints(entry.endpoints);
        this.byte((entry.connected ? UDP_CONNECTED : 0) | (entry.listening ? UDP_LISTENING : 0) | (entry.drops === null ? UDP_DROPS_NULL : 0));
        this.whole(entry.inode).whole(entry.uid).whole(entry.receiveQueue);
        if (entry.drops !== null) this.whole(entry.drops);
        break;
      case 'udpRefused':
        this.header(KIND_CODES.udpRefused, entry.atMs);
        this.whole(entry.total);
        break;
      case 'name':
        // A DNS answer, by far the most common, spends no byte on its source.
        this.header(KIND_CODES.name | (entry.ttlSeconds === null ? NULL_FIELD : 0) | (entry.source === 'dns' ? 0 : KIND_FLAG), entry.atMs);
        this.difference(entry.netns, this.previousNetns);
        this.previousNetns = entry.netns;
        this.string(entry.address).string(entry.name).whole(entry.cgroupId);
        if (entry.source !== 'dns') this.byte(NAME_SOURCE_CODES[entry.source]);
        if (entry.ttlSeconds !== null) this.whole(entry.ttlSeconds);
        break;
    }
    return this.at;
  }

  private container(entry: ContainerRecord): void {
    const { container } = entry;
    this.header(KIND_CODES.container | (entry.pid === null ? NULL_FIELD : 0) | (container === null ? KIND_FLAG : 0), entry.atMs);
    this.whole(entry.cgroupId);
    if (entry.pid !== null) this.whole(entry.pid);
    if (container !== null) {
      this.string(container.id).string(container.name).string(container.runtime);
      this.string(container.image).string(container.pod).string(container.namespace).string(container.podUid);
      // A workload is there only where labels said; its name is absent otherwise.
      const { workload } = container;
      this.string(workload?.kind ?? null).string(workload?.name ?? null).string(workload?.source ?? null);
    }
    this.string(entry.problem);
  }

  /** @param known the socket's index in the chunk; -1 before its first mention. */
  private socketFlags(known: number, endpoints: Endpoints, counters: TcpCounters | null): number {
    let flags = 0;
    if (known >= 0) {
      const last = this.sockets.endpoints(known);
      if (last !== null && sameEndpoints(last, endpoints)) flags |= SAME_ENDPOINTS;
    }
    if (counters === null) flags |= NULL_FIELD;
    else if (known >= 0 && this.sockets.sameCounters(known, counters)) flags |= SAME_COUNTERS;
    return flags;
  }

  /**
   * The cookie: 0 and a new cookie, 1 for cookie 0 (no socket), or 2 + how many sockets were
   * first mentioned since; then the endpoints unless SAME_ENDPOINTS. Returns the socket's index
   * in the chunk, -1 for cookie 0.
   */
  private socket(cookie: number, known: number, endpoints: Endpoints | null, flags: number): number {
    let socket = -1;
    if (cookie === 0) this.varint(1);
    else if (known >= 0) {
      this.varint(2 + this.sockets.size - 1 - known);
      socket = known;
    } else {
      this.varint(0).difference(cookie, this.previousNewCookie);
      this.previousNewCookie = cookie;
      socket = this.sockets.add(cookie);
    }
    if (endpoints !== null && (flags & SAME_ENDPOINTS) === 0) {
      this.endpoints(endpoints);
      if (socket >= 0) this.sockets.setEndpoints(socket, endpoints);
    }
    return socket;
  }

  private endpoints(endpoints: Endpoints): void {
    this.string(endpoints.family).string(endpoints.saddr).whole(endpoints.sport).string(endpoints.daddr).whole(endpoints.dport);
    this.difference(endpoints.netns, this.previousNetns);
    this.previousNetns = endpoints.netns;
  }

  private counters(socket: number, counters: TcpCounters | null, flags: number): void {
    if (counters === null || (flags & SAME_COUNTERS) !== 0) return;
    const { sockets } = this;
    this.difference(counters.bytesAcked, sockets.previousCounter(socket, Counter.bytesAcked))
      .difference(counters.bytesReceived, sockets.previousCounter(socket, Counter.bytesReceived))
      .difference(counters.segsOut, sockets.previousCounter(socket, Counter.segsOut))
      .difference(counters.segsIn, sockets.previousCounter(socket, Counter.segsIn))
      .difference(counters.totalRetrans, sockets.previousCounter(socket, Counter.totalRetrans))
      .difference(counters.srttUs, sockets.previousCounter(socket, Counter.srttUs));
    if (socket >= 0) sockets.setCounters(socket, counters);
  }

  private limitsMarker(socket: number, limits: FlowLimitCounters | null | undefined): number {
    if (limits === undefined) return LIMITS_ABSENT;
    if (limits === null) return LIMITS_NULL;
    return this.sockets.sameLimits(socket, limits) ? LIMITS_SAME : LIMITS_WRITTEN;
  }

  /**
   * A sample's state with what follows about its limit counters, in the one byte the state took
   * alone (a state that is not a small whole number, only a damaged record has: its double, then the marker).
   */
  private stateAndMarker(state: number, marker: number): void {
    if (Number.isSafeInteger(state) && state >= 0) this.whole(state * LIMITS_MARKERS + marker);
    else this.varint(0).double(state).varint(marker);
  }

  private limits(socket: number, limits: FlowLimitCounters): void {
    const sockets = this.sockets;
    this.difference(limits.busyUs, sockets.previousLimit(socket, Limit.busyUs))
      .difference(limits.rwndLimitedUs, sockets.previousLimit(socket, Limit.rwndLimitedUs))
      .difference(limits.sndbufLimitedUs, sockets.previousLimit(socket, Limit.sndbufLimitedUs))
      .difference(limits.deliveryRate, sockets.previousLimit(socket, Limit.deliveryRate))
      .difference(limits.notsentBytes, sockets.previousLimit(socket, Limit.notsentBytes))
      .difference(limits.sndCwnd, sockets.previousLimit(socket, Limit.sndCwnd))
      .difference(limits.sndSsthresh, sockets.previousLimit(socket, Limit.sndSsthresh))
      .difference(limits.probes, sockets.previousLimit(socket, Limit.probes));
    this.whole(limitFacts(limits));
    if (limits.sndWnd !== null) this.difference(limits.sndWnd, sockets.previousWindow(socket, 'sndWnd'));
    if (limits.rcvWnd !== null) this.difference(limits.rcvWnd, sockets.previousWindow(socket, 'rcvWnd'));
    if (socket >= 0) sockets.setLimits(socket, limits);
  }

  /** 0 and the owner, or 1 + the index of the same owner met before in this chunk. */
  private owner(owner: TaskOwner): void {
    const known = this.owners.get(owner.pid);
    if (known !== undefined && sameOwner(known.owner, owner)) {
      this.varint(1 + known.index);
      return;
    }
    this.varint(0).whole(owner.pid).string(owner.comm).whole(owner.uid).whole(owner.cgroupId);
    this.owners.set(owner.pid, { owner, index: this.ownerCount++ });
  }

  private header(code: number, atMs: number): void {
    this.byte(code).time(atMs, this.previousMs);
    this.previousMs = atMs;
  }

  private byte(value: number): this {
    this.bytes[this.at++] = value;
    return this;
  }

  private varint(value: number): this {
    const { bytes } = this;
    let at = this.at;
    let rest = value;
    while (rest >= 0x80000000) {
      bytes[at++] = (rest % 0x80) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    while (rest >= 0x80) {
      bytes[at++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    bytes[at++] = rest;
    this.at = at;
    return this;
  }

  private double(value: number): this {
    this.at = this.bytes.writeDoubleLE(value, this.at);
    return this;
  }

  /** A whole number as its varint + 1; anything else as 0 and its double. */
  private whole(value: number): this {
    return Number.isSafeInteger(value) && value >= 0 ? this.varint(value + 1) : this.varint(0).double(value);
  }

  /** `value` as its difference from `base` (zigzag varint + 1) when that gives it back exactly; else 0 and its double. */
  private difference(value: number, base: number): this {
    const difference = value - base;
    if (Number.isSafeInteger(difference) && Math.abs(difference) < LARGEST_DIFFERENCE && base + difference === value) return this.varint(zigzag(difference) + 1);
    return this.varint(0).double(value);
  }

  /** A time as its difference from `baseMs` in TIME_UNITS_PER_MS, when that gives it back exactly; else 0 and its double. */
  private time(valueMs: number, baseMs: number): this {
    const units = (valueMs - baseMs) * TIME_UNITS_PER_MS;
    if (Number.isSafeInteger(units) && Math.abs(units) < LARGEST_DIFFERENCE && baseMs + units / TIME_UNITS_PER_MS === valueMs) return this.varint(zigzag(units) + 1);
    return this.varint(0).double(valueMs);
  }

  /**
   * 0 for null; 2 + the index of a string met before in this chunk; or 1, then the string: its
   * UTF-8 length × 2 and bytes, or — for text UTF-8 cannot carry (a lone surrogate) — its
   * UTF-16 length × 2 + 1 and code units.
   */
  private string(value: string | null): this {
    if (value === null) return this.varint(0);
    const index = this.strings.get(value);
    if (index !== undefined) return this.varint(2 + index);
    this.strings.set(value, this.strings.size);
    this.varint(1);
    if (value.isWellFormed()) {
      this.varint(2 * Buffer.byteLength(value, 'utf8'));
      this.at += this.bytes.write(value, this.at, 'utf8');
    } else {
      this.varint(2 * value.length + 1);
      this.at += this.bytes.write(value, this.at, 'utf16le');
    }
    return this;
  }
}

/** Reads one chunk's entries from its start, as ChunkEncoder wrote them. */
export class ChunkDecoder {
  private at = 0;
  private previousMs = 0;
  private previousNewCookie = 0;
  private previousNetns = 0;
  private readonly strings: string[] = [];
  private readonly sockets: SocketMemory[] = [];
  private previousSampleIndex = -1;
  private readonly owners: TaskOwner[] = [];

  /** Where the next entry starts. */
  get offset(): number {
    return this.at;
  }

  /** The entry at `offset`; the caller stops at the chunk's end. */
  next(bytes: Buffer): FlightEntry {
    const code = bytes[this.at++]!;
    const atMs = this.time(bytes, this.previousMs);
    this.previousMs = atMs;
    switch (code & KIND_MASK) {
      case KIND_CODES.tick:
        return { kind: 'tick', atMs };
      case KIND_CODES.state: {
        const { cookie, memory, endpoints } = this.socket(bytes, code, true);
        const packed = bytes[this.at++]!;
        const oldState = (packed === 0 ? this.whole(bytes) : packed >> 4) as TcpStateNumber;
        const newState = (packed === 0 ? this.whole(bytes) : packed & 0x0f) as TcpStateNumber;
        const owner = (code & KIND_FLAG) === 0 ? null : this.owner(bytes);
        const counters = this.counters(bytes, memory, code)!;
        return { kind: 'state', atMs, cookie, endpoints: endpoints!, oldState, newState, owner, counters };
      }
      case KIND_CODES.retransmit: {
        const { cookie, memory, endpoints } = this.socket(bytes, code, true);
        const state = this.whole(bytes) as TcpStateNumber;
        return { kind: 'retransmit', atMs, cookie, endpoints: endpoints!, state, counters: this.counters(bytes, memory, code)! };
      }
      case KIND_CODES.reset: {
        const { cookie, memory, endpoints } = this.socket(bytes, code, true);
        const reason = this.string(bytes)!;
        const direction = (code & KIND_FLAG) === 0 ? 'received' : 'sent';
        return { kind: 'reset', atMs, cookie, direction, endpoints: endpoints!, reason, counters: this.counters(bytes, memory, code) };
      }
      case KIND_CODES.drop: {
        const { cookie } = this.socket(bytes, code, false);
        const packet = this.endpoints(bytes);
        return { kind: 'drop', atMs, cookie, packet, reason: this.string(bytes)! };
      }
      case KIND_CODES.sample: {
        if ((code & SAMPLE_REPEAT) === SAMPLE_REPEAT) return this.repeatedSample(bytes, atMs);
        const { cookie, memory, endpoints } = this.socket(bytes, code, true);
        const { state, marker } = this.stateAndMarker(bytes);
        const sameIdentity = (code & KIND_FLAG) !== 0;
        const inode = sameIdentity ? memory!.inode! : this.whole(bytes);
        const uid = sameIdentity ? memory!.uid! : this.whole(bytes);
        const counters = this.counters(bytes, memory, code);
        const receiveQueue = this.whole(bytes);
        const sendQueue = this.whole(bytes);
        const dropsPlusOne = this.whole(bytes);
        const limits = this.limits(bytes, memory, marker);
        const sample: FlightEntry = { kind: 'sample', atMs, cookie, endpoints: endpoints!, state, inode, uid, counters, receiveQueue, sendQueue };
        if (dropsPlusOne > 0) sample.drops = dropsPlusOne - 1;
        if (limits !== undefined) sample.limits = limits;
        if (memory !== null) {
          memory.inode = inode;
          memory.uid = uid;
          memory.sample = { state, receiveQueue, sendQueue, drops: sample.drops, limits: keptLimits(marker) };
          this.previousSampleIndex = memory.index;
        }
        return sample;
      }
      case KIND_CODES.owner: {
        const { cookie } = this.socket(bytes, code, false);
        const pid = this.whole(bytes);
        const comm = this.string(bytes)!;
        const cmdline = this.string(bytes)!;
        const uid = this.whole(bytes);
        const user = this.string(bytes)!;
        return { kind: 'owner', atMs, cookie, pid, comm, cmdline, uid, user, cgroupId: this.whole(bytes) };
      }
      case KIND_CODES.container: {
        const cgroupId = this.whole(bytes);
        const pid = (code & NULL_FIELD) === 0 ? this.whole(bytes) : null;
        const container = (code & KIND_FLAG) === 0 ? this.containerIdentity(bytes) : null;
        return { kind: 'container', atMs, cgroupId, pid, container, problem: this.string(bytes) as ContainerRecord['problem'] };
      }
      case KIND_CODES.sweep: {
        const sinceMs = this.time(bytes, atMs);
        const netns: number[] = [];
        let previous = this.previousNetns;
        for (let count = this.whole(bytes); count > 0; count--) netns.push((previous = this.difference(bytes, previous)));
        return { kind: 'sweep', atMs, sinceMs, netns };
      }
      case KIND_CODES.lost:
        return { kind: 'lost', atMs, total: this.whole(bytes) };
      case KIND_CODES.gauges: {
        const fields = JSON.parse(this.string(bytes)!) as Pick<GaugesRecord, 'namespaces' | 'host' | 'processDescriptors'>;
        return { kind: 'gauges', atMs, namespaces: fields.namespaces, host: fields.host, processDescriptors: fields.processDescriptors };
      }
      case KIND_CODES.nat: {
        const { cookie } = this.socket(bytes, code, false);
        const destination = { address: this.string(bytes)!, port: this.whole(bytes) };
        const originalDestination = { address: this.string(bytes)!, port: this.whole(bytes) };
        const direction = (code & KIND_FLAG) === 0 ? 'outgoing' : 'incoming';
        const record: NatRecord = { kind: 'nat', atMs, cookie, destination, originalDestination, direction, table: (code & NAT_HOST_TABLE) === 0 ? 'socket' : 'host' };
        if ((code & NAT_UDP_PEER) !== 0) record.udpPeer = { address: this.string(bytes)!, port: this.whole(bytes) };
        return record;
      }
      case KIND_CODES.udpFlow: {
        const { cookie } = this.socket(bytes, code, false);
        const endpoints = this.endpoints(bytes);
        const facts = bytes[this.at++]!;
        const owner = (code & KIND_FLAG) === 0 ? null : this.owner(bytes);
        const bytesSent = this.whole(bytes);
        const bytesReceived = this.whole(bytes);
        const packetsSent = this.whole(bytes);
        const packetsReceived = this.whole(bytes);
        const firstPacketAtMs = this.time(bytes, atMs);
        const counters = { bytesSent, bytesReceived, packetsSent, packetsReceived, firstPacketAtMs, lastPacketAtMs: this.time(bytes, atMs) };
        const connected = (facts & UDP_CONNECTED) !== 0;
        return { kind: 'udpFlow', atMs, cookie, endpoints, connected, owner, counters, socketClosed: (facts & UDP_SOCKET_CLOSED) !== 0 };
      }
      case KIND_CODES.udpSocket: {
        const { cookie } = this.socket(bytes, code, false);
        const endpoints = this.endpoints(bytes);
        const facts = bytes[this.at++]!;
        const inode = this.whole(bytes);
        const uid = this.whole(bytes);
        const receiveQueue = this.whole(bytes);
        const drops = (facts & UDP_DROPS_NULL) !== 0 ? null : this.whole(bytes);
        const connected = (facts & UDP_CONNECTED) !== 0;
        const listening = (facts & UDP_LISTENING) !== 0;
        return { kind: 'udpSocket', atMs, cookie, endpoints, connected, listening, inode, uid, receiveQueue, drops };
      }
      case KIND_CODES.udpRefused:
        return { kind: 'udpRefused', atMs, total: this.whole(bytes) };
      case KIND_CODES.name: {
        const netns = (this.previousNetns = this.difference(bytes, this.previousNetns));
        const address = this.string(bytes)!;
        const name = this.string(bytes)!;
        const cgroupId = this.whole(bytes);
        const source = (code & KIND_FLAG) === 0 ? 'dns' : nameSourceOf(bytes[this.at++]!);
        const ttlSeconds = (code & NULL_FIELD) === 0 ? this.whole(bytes) : null;
        return { kind: 'name', atMs, netns, address, name, source, ttlSeconds, cgroupId };
      }
      default:
        throw new Error(`flight recorder chunk damaged: entry code ${code} at byte ${this.at - 1}`);
    }
  }

  /** A repeat: the socket's last sample in this chunk again, at `atMs`. */
  private repeatedSample(bytes: Buffer, atMs: number): FlightEntry {
    const memory = this.sockets[this.previousSampleIndex + 1 + unzigzag(this.varint(bytes))];
    const last = memory?.sample;
    if (memory === undefined || last == null) throw new Error(`flight recorder chunk damaged: a repeated sample of no sample, at byte ${this.at}`);
    this.previousSampleIndex = memory.index;
    const { cookie, endpoints, inode, uid, counters } = memory;
    const sample: FlightEntry = { kind: 'sample', atMs, cookie, endpoints: endpoints!, state: last.state, inode: inode!, uid: uid!, counters, receiveQueue: last.receiveQueue, sendQueue: last.sendQueue };
    if (last.drops !== undefined) sample.drops = last.drops;
    if (last.limits !== LIMITS_ABSENT) sample.limits = last.limits === LIMITS_NULL ? null : memory.limits;
    return sample;
  }

  private containerIdentity(bytes: Buffer): ContainerIdentity {
    const id = this.string(bytes)!;
    const name = this.string(bytes)!;
    const runtime = this.string(bytes) as ContainerIdentity['runtime'];
    const image = this.string(bytes);
    const pod = this.string(bytes);
    const namespace = this.string(bytes);
    const podUid = this.string(bytes);
    const workloadKind = this.string(bytes) as WorkloadKind | null;
    const workloadName = this.string(bytes);
    const workloadSource = this.string(bytes) as Workload['source'] | null;
    const identity: ContainerIdentity = { id, name, runtime, image, pod, namespace, podUid };
    if (workloadName !== null && workloadSource !== null) identity.workload = { kind: workloadKind, name: workloadName, source: workloadSource };
    return identity;
  }

  private socket(bytes: Buffer, code: number, withEndpoints: boolean): { cookie: number; memory: SocketMemory | null; endpoints: Endpoints | null } {
    const reference = this.varint(bytes);
    let memory: SocketMemory | null = null;
    let cookie = 0;
    if (reference === 0) {
      cookie = this.difference(bytes, this.previousNewCookie);
      this.previousNewCookie = cookie;
      memory = { cookie, index: this.sockets.length, endpoints: null, counters: null, inode: null, uid: null, limits: null, sample: null };
      this.sockets.push(memory);
    } else if (reference > 1) {
      memory = this.sockets[this.sockets.length - 1 - (reference - 2)]!;
      cookie = memory.cookie;
    }
    if (!withEndpoints) return { cookie, memory, endpoints: null };
    if ((code & SAME_ENDPOINTS) !== 0) return { cookie, memory, endpoints: memory!.endpoints };
    const endpoints = this.endpoints(bytes);
    if (memory !== null) memory.endpoints = endpoints;
    return { cookie, memory, endpoints };
  }

  private endpoints(bytes: Buffer): Endpoints {
    const family = this.string(bytes) as Endpoints['family'];
    const saddr = this.string(bytes)!;
    const sport = this.whole(bytes);
    const daddr = this.string(bytes)!;
    const dport = this.whole(bytes);
    const netns = this.difference(bytes, this.previousNetns);
    this.previousNetns = netns;
    return { family, saddr, sport, daddr, dport, netns };
  }

  private counters(bytes: Buffer, memory: SocketMemory | null, code: number): TcpCounters | null {
    if ((code & NULL_FIELD) !== 0) return null;
    if ((code & SAME_COUNTERS) !== 0) return memory!.counters;
    const previous = memory?.counters ?? NO_COUNTERS;
    const bytesAcked = this.difference(bytes, previous.bytesAcked);
    const bytesReceived = this.difference(bytes, previous.bytesReceived);
    const segsOut = this.difference(bytes, previous.segsOut);
    const segsIn = this.difference(bytes, previous.segsIn);
    const totalRetrans = this.difference(bytes, previous.totalRetrans);
    const counters = { bytesAcked, bytesReceived, segsOut, segsIn, totalRetrans, srttUs: this.difference(bytes, previous.srttUs) };
    if (memory !== null) memory.counters = counters;
    return counters;
  }

  private stateAndMarker(bytes: Buffer): { state: TcpStateNumber; marker: number } {
    const value = this.varint(bytes);
    if (value === 0) return { state: this.double(bytes) as TcpStateNumber, marker: this.varint(bytes) };
    return { state: Math.floor((value - 1) / LIMITS_MARKERS) as TcpStateNumber, marker: (value - 1) % LIMITS_MARKERS };
  }

  private limits(bytes: Buffer, memory: SocketMemory | null, marker: number): FlowLimitCounters | null | undefined {
    if (marker === LIMITS_ABSENT) return undefined;
    if (marker === LIMITS_NULL) return null;
    if (marker === LIMITS_SAME) return memory!.limits;
    const previous = memory?.limits ?? NO_LIMITS;
    const busyUs = this.difference(bytes, previous.busyUs);
    const rwndLimitedUs = this.difference(bytes, previous.rwndLimitedUs);
    const sndbufLimitedUs = this.difference(bytes, previous.sndbufLimitedUs);
    const deliveryRate = this.difference(bytes, previous.deliveryRate);
    const notsentBytes = this.difference(bytes, previous.notsentBytes);
    const sndCwnd = this.difference(bytes, previous.sndCwnd);
    const sndSsthresh = this.difference(bytes, previous.sndSsthresh);
    const probes = this.difference(bytes, previous.probes);
    const facts = this.whole(bytes);
    const sndWnd = (facts & SND_WND_UNKNOWN) !== 0 ? null : this.difference(bytes, previous.sndWnd ?? 0);
    const rcvWnd = (facts & RCV_WND_UNKNOWN) !== 0 ? null : this.difference(bytes, previous.rcvWnd ?? 0);
    const limits: FlowLimitCounters = {
      busyUs,
      rwndLimitedUs,
      sndbufLimitedUs,
      deliveryRate,
      appLimited: (facts & APP_LIMITED) !== 0,
      notsentBytes,
      sndCwnd,
      sndSsthresh,
      sndWnd,
      rcvWnd,
      probes,
      probeTimerArmed: (facts & PROBE_TIMER_ARMED) !== 0,
    };
    if (memory !== null) memory.limits = limits;
    return limits;
  }

  private owner(bytes: Buffer): TaskOwner {
    const reference = this.varint(bytes);
    if (reference > 0) return this.owners[reference - 1]!;
    const pid = this.whole(bytes);
    const comm = this.string(bytes)!;
    const uid = this.whole(bytes);
    const owner = { pid, comm, uid, cgroupId: this.whole(bytes) };
    this.owners.push(owner);
    return owner;
  }

  private varint(bytes: Buffer): number {
    let value = 0;
    let scale = 1;
    let byte: number;
    do {
      byte = bytes[this.at++]!;
      value += (byte & 0x7f) * scale;
      scale *= 0x80;
    } while (byte >= 0x80);
    return value;
  }

  private double(bytes: Buffer): number {
    const value = bytes.readDoubleLE(this.at);
    this.at += 8;
    return value;
  }

  private whole(bytes: Buffer): number {
    const value = this.varint(bytes);
    return value === 0 ? this.double(bytes) : value - 1;
  }

  private difference(bytes: Buffer, base: number): number {
    const value = this.varint(bytes);
    return value === 0 ? this.double(bytes) : base + unzigzag(value - 1);
  }

  private time(bytes: Buffer, baseMs: number): number {
    const value = this.varint(bytes);
    return value === 0 ? this.double(bytes) : baseMs + unzigzag(value - 1) / TIME_UNITS_PER_MS;
  }

  private string(bytes: Buffer): string | null {
    const reference = this.varint(bytes);
    if (reference === 0) return null;
    if (reference > 1) return this.strings[reference - 2]!;
    const length = this.varint(bytes);
    const byteLength = length % 2 === 0 ? length / 2 : (length - 1);
    const value = bytes.toString(length % 2 === 0 ? 'utf8' : 'utf16le', this.at, this.at + byteLength);
    this.at += byteLength;
    this.strings.push(value);
    return value;
  }
}
