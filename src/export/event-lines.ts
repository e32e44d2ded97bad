/**
 * `netscope --events`: what one kernel event becomes as one NDJSON line. Pure and clock-free:
 * a line is built from the record and the model's view of its connection (`describe`), and
 * completed later with what the model learned since (the owner /proc resolved, the local port
 * bound after a connect's SYN_SENT).
 *
 * Fields use the snapshot document's names and encodings (`schema/snapshot.schema.json`):
 * local side first, RFC 3339 UTC times, the socket cookie and netns inode as decimal strings.
 */
import type { ConnectionDescription } from '../model/connection-model.js';
import type { ModelRecord, StateChangeRecord, UdpFlowRecord } from '../model/records.js';
import { peerNameDocument, type ContainerIdentityDocument, type PeerNameDocument } from '../model/snapshot-document.js';
import { workloadOf } from '../model/workload.js';
import type { FlowLimit } from '../model/flow-limit.js';
import type { LimitedSeconds } from '../model/flow-limit-tracker.js';
import { TcpState } from '../model/records.js';
import type { NatSnapshot, Owner, TcpStateName } from '../model/snapshot-types.js';
import { tcpStateName } from '../model/tcp-states.js';

export type EventType = 'connect' | 'accept' | 'state' | 'retransmit' | 'reset' | 'drop' | 'close' | 'udp-open' | 'udp-close';

/** What every event line carries: when, which connection, whose. */
interface EventLineBase {
  type: EventType;
  /** When the kernel saw it, RFC 3339 UTC with milliseconds. */
  time: string;
  /**
   * The connection's socket cookie as a decimal string. A reset or drop the kernel had no socket
   * for names the connection on its tuple, as the snapshot counts it; null when there is none.
   */
  connectionId: string | null;
  family: 'ipv4' | 'ipv6';
  /** Local address and port (for a drop: the packet's source). */
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
  /** Network namespace inode as a decimal string ('0' when unknown). */
  netns: string;
  /** The owning process; null while (or where) nobody could name it — never 0. */
  pid: number | null;
  comm: string | null;
  /** pid and comm are the owner of the listener that accepted the connection: /proc had not named the socket's own yet. */
  ownerProvisional: boolean;
  /** The owner's container; null for a host process or one not resolved. */
  container: ContainerIdentityDocument | null;
  /**
   * The real destination behind NAT, as in the snapshot document: where a connect really went
   * (a Service address's backend), or what an accepted connection's client addressed. Null when
   * not translated, or not known when the line went out (conntrack is asked once a tick).
   */
  nat: NatSnapshot | null;
  /** `udp` for the UDP flow lines, `tcp` for every other. */
  protocol: 'tcp' | 'udp';
  /** The remote address's name (as in --json); null when none is known yet. */
  peerName: PeerNameDocument | null;
}

/** A client's connect (→ SYN_SENT), an accepted connection (SYN_RECV → ESTABLISHED), or any other state change. */
export interface TransitionLine extends EventLineBase {
  type: 'connect' | 'accept' | 'state';
  fromState: TcpStateName;
  toState: TcpStateName;
}

/** The connection reached CLOSE: its counters are final. */
export interface CloseLine extends EventLineBase {
  type: 'close';
  fromState: TcpStateName;
  toState: 'CLOSE';
  /** Bytes acknowledged by the peer; for a connection older than the capture, since netscope first saw it. */
  bytesSent: number;
  bytesReceived: number;
  segmentsSent: number;
  segmentsReceived: number;
  retransmits: number;
  /** Smoothed RTT in ms (three decimals), null when never measured. */
  srttMs: number | null;
  /** From the connection's birth (or first sighting, when `preexisting`) to its close, in ms. */
  durationMs: number;
  /** Open before the capture started: bytes and duration count from its first sighting. */
  preexisting: boolean;
  /** What limited its sending over its last sampling interval (docs/flow-limits.md); null when never judged. */
  limit: FlowLimit | null;
  /** Seconds it spent under each limit while netscope watched (idle not counted). */
  limitedSeconds: LimitedSeconds;
}

export interface RetransmitLine extends EventLineBase {
  type: 'retransmit';
  /** The socket's state when it retransmitted. */
  state: TcpStateName;
}

export interface ResetLine extends EventLineBase {
  type: 'reset';
  direction: 'sent' | 'received';
  /** The kernel's sk_rst_reason name for a sent reset (`NOT_SPECIFIED` when not given); `RECEIVED` for a received one. */
  reason: string;
}

export interface DropLine extends EventLineBase {
  type: 'drop';
  /** The kernel's skb_drop_reason name, e.g. `NETFILTER_DROP`. */
  reason: string;
}

/**
 * A UDP flow's first datagram seen (`udp-open`), or its socket gone (`udp-close`: the counters
 * are final). `connectionId` is the flow's id; a flow that only went idle writes no close line.
 */
export interface UdpFlowLine extends EventLineBase {
  type: 'udp-open' | 'udp-close';
  /** The socket's cookie (an unconnected socket has one flow per peer) as a decimal string. */
  socketCookie: string;
  connected: boolean;
  /** UDP payload, without IP or UDP headers. */
  bytesSent: number;
  bytesReceived: number;
  datagramsSent: number;
  datagramsReceived: number;
  /** From the flow's first datagram to its latest, in ms. */
  durationMs: number;
}

export type EventLine = TransitionLine | CloseLine | RetransmitLine | ResetLine | DropLine | UdpFlowLine;

/** Written in place of lines dropped because stdout was not read fast enough, once it drains. */
export interface DroppedLine {
  type: 'dropped';
  count: number;
  time: string;
}

function timestamp(atMs: number): string {
  return new Date(atMs).toISOString();
}

/** Milliseconds to at most three decimals, as the snapshot document writes them. */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function roundSeconds(limitedSeconds: LimitedSeconds): LimitedSeconds {
  const rounded: LimitedSeconds = {};
  for (const [limit, seconds] of Object.entries(limitedSeconds) as [keyof LimitedSeconds, number][]) rounded[limit] = roundMs(seconds);
  return rounded;
}

function containerOf(owner: Owner | undefined): ContainerIdentityDocument | null {
  if (owner?.container == null) return null;
  const { id, name, runtime, image, pod, namespace, podUid } = owner.container;
  return { id, name, runtime, image, pod, namespace, podUid, workload: workloadOf(owner.container) };
}

/** A listening socket is not a connection: its listen and close are not streamed (the child sockets it clones are). */
function isListenerChange(record: StateChangeRecord): boolean {
  return record.newState === TcpState.LISTEN || (record.oldState === TcpState.LISTEN && record.newState === TcpState.CLOSE);
}

function transitionType(record: StateChangeRecord): TransitionLine['type'] {
  if (record.newState === TcpState.SYN_SENT) return 'connect';
  const handshakeDone =
    record.newState === TcpState.ESTABLISHED && (record.oldState === TcpState.SYN_RECV || record.oldState === TcpState.NEW_SYN_RECV);
  return handshakeDone ? 'accept' : 'state';
}

/**
 * The line for one record, or null for what is not an event (samples, owners, listeners).
 * `connection` is the model's view of the record's connection right after it ingested the
 * record (`describe(connectionCookieOf(record))` for resets and drops; null when it holds
 * none); a close line takes its final counters from it. `newUdpFlow`: the record is the first
 * of its UDP flow the stream sees.
 */
export function eventLine(record: ModelRecord, connection: ConnectionDescription | null, newUdpFlow = false): EventLine | null {
  if (record.kind === 'udpFlow') return udpFlowLine(record, connection, newUdpFlow);
  if (record.kind !== 'state' && record.kind !== 'retransmit' && record.kind !== 'reset' && record.kind !== 'drop') return null;
  if (record.kind === 'state' && (record.cookie === 0 || isListenerChange(record))) return null;
  const endpoints = record.kind === 'drop' ? record.packet : record.endpoints;
  const base = {
    time: timestamp(record.atMs),
    connectionId: connection !== null ? String(connection.id) : record.cookie === 0 ? null : String(record.cookie),
    family: endpoints.family,
    saddr: endpoints.saddr,
    sport: endpoints.sport,
    daddr: endpoints.daddr,
    dport: endpoints.dport,
    netns: String(endpoints.netns),
    pid: connection?.owner.pid ?? null,
    comm: connection?.owner.comm ?? null,
    ownerProvisional: connection?.owner.provisional ?? false,
    container: containerOf(connection?.owner),
    nat: connection?.nat ?? null,
    protocol: 'tcp' as const,
    peerName: peerNameDocument(connection?.peerName ?? null),
  };
  switch (record.kind) {
    case 'state': {
      const fromState = tcpStateName(record.oldState);
      if (record.newState !== TcpState.CLOSE) return { type: transitionType(record), ...base, fromState, toState: tcpStateName(record.newState) };
      return {
        type: 'close',
        ...base,
        fromState,
        toState: 'CLOSE',
        bytesSent: connection?.bytesSent ?? 0,
        bytesReceived: connection?.bytesReceived ?? 0,
        segmentsSent: connection?.segmentsSent ?? 0,
        segmentsReceived: connection?.segmentsReceived ?? 0,
        retransmits: connection?.retransmits ?? 0,
        srttMs: connection?.srttMs == null ? null : roundMs(connection.srttMs),
        durationMs: connection === null ? 0 : roundMs(Math.max(0, record.atMs - connection.openedAtMs)),
        preexisting: connection?.preexisting ?? false,
        limit: connection?.limit?.verdict ?? null,
        limitedSeconds: roundSeconds(connection?.limit?.limitedSeconds ?? {}),
      };
    }
    case 'retransmit':
      return { type: 'retransmit', ...base, state: tcpStateName(record.state) };
    case 'reset':
      return { type: 'reset', ...base, direction: record.direction, reason: record.reason };
    case 'drop':
      return { type: 'drop', ...base, reason: record.reason };
  }
}

function udpFlowLine(record: UdpFlowRecord, flow: ConnectionDescription | null, newUdpFlow: boolean): UdpFlowLine | null {
  if (!record.socketClosed && !newUdpFlow) return null;
  const { endpoints, counters } = record;
  return {
    type: record.socketClosed ? 'udp-close' : 'udp-open',
    time: timestamp(record.atMs),
    connectionId: flow === null ? null : String(flow.id),
    family: endpoints.family,
    saddr: endpoints.saddr,
    sport: endpoints.sport,
    daddr: endpoints.daddr,
    dport: endpoints.dport,
    netns: String(endpoints.netns),
    pid: flow?.owner.pid ?? record.owner?.pid ?? null,
    comm: flow?.owner.comm ?? record.owner?.comm ?? null,
    ownerProvisional: false,
    container: containerOf(flow?.owner),
    nat: flow?.nat ?? null,
    protocol: 'udp',
    peerName: peerNameDocument(flow?.peerName ?? null),
    socketCookie: String(record.cookie),
    connected: record.connected,
    bytesSent: counters.bytesSent,
    bytesReceived: counters.bytesReceived,
    datagramsSent: counters.packetsSent,
    datagramsReceived: counters.packetsReceived,
    durationMs: roundMs(Math.max(0, counters.lastPacketAtMs - counters.firstPacketAtMs)),
  };
}

/**
 * The line with what the model knows of its connection now: the owner (resolved from /proc at
 * a tick, or named by a later event in the owner's context) and, when the record came before
 * the kernel bound it, the local address and port. Drops keep the packet's own addresses.
 */
export function completeLine(line: EventLine, connection: ConnectionDescription | null): EventLine {
  if (connection === null) return line;
  const learnsLocalSide = line.type !== 'drop' && line.sport === 0 && connection.sport !== 0;
  return {
    ...line,
    ...(learnsLocalSide ? { saddr: connection.saddr, sport: connection.sport } : {}),
    pid: connection.owner.pid ?? line.pid,
    comm: connection.owner.pid === null ? line.comm : connection.owner.comm,
    ownerProvisional: connection.owner.pid === null ? line.ownerProvisional : connection.owner.provisional,
    container: connection.owner.pid === null ? line.container : containerOf(connection.owner),
    nat: connection.nat ?? line.nat,
    peerName: connection.peerName === null ? line.peerName : peerNameDocument(connection.peerName),
  };
}

/** A record that starts a connection: a connect, the child a listener clones, the accept itself. */
export function isConnectionBirth(record: ModelRecord): boolean {
  return (
    record.kind === 'state' &&
    record.cookie !== 0 &&
    (record.newState === TcpState.SYN_SENT ||
      (record.oldState === TcpState.LISTEN && record.newState === TcpState.SYN_RECV) ||
      transitionType(record) === 'accept')
  );
}

export function droppedLine(count: number, atMs: number): DroppedLine {
  return { type: 'dropped', count, time: timestamp(atMs) };
}
