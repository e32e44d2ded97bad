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
import type { ModelRecord, StateChangeRecord } from '../model/records.js';
import { peerNameDocument, type ContainerIdentityDocument, type PeerNameDocument } from '../model/snapshot-document.js';
import { workloadOf } from '../model/workload.js';
import { TcpState } from '../model/records.js';
import type { Owner, TcpStateName } from '../model/snapshot-types.js';
import { tcpStateName } from '../model/tcp-states.js';

export type EventType = 'connect' | 'accept' | 'state' | 'retransmit' | 'reset' | 'drop' | 'close';

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
  /** The owner's container; null for a host process or one not resolved. */
  container: ContainerIdentityDocument | null;
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

export type EventLine = TransitionLine | CloseLine | RetransmitLine | ResetLine | DropLine;

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
 * none); a close line takes its final counters from it.
 */
export function eventLine(record: ModelRecord, connection: ConnectionDescription | null): EventLine | null {
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
    container: containerOf(connection?.owner),
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
    container: connection.owner.pid === null ? line.container : containerOf(connection.owner),
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
