/**
 * The detail page of one connection: both endpoints, the owner (and its container) with its
 * whole command line, counters, RTT and connect latency, what limits its sending (with the shares
 * and counters behind the verdict), the state timeline with the time spent in each state, rate
 * sparklines since the page opened, drops by reason, since when it has had problems (the first and
 * last of each kind and its last few problem events), and the findings whose evidence holds it.
 *
 * A connection evicted while its page is open keeps its last known values, marked
 * `present: false`: the page should not go blank at the moment something went wrong.
 */
import type { DetailView, Tone } from './view-types.js';
import type { ScreenInput } from './screen-input.js';
import type { ConnectionSnapshot, NatSnapshot, Owner, PeerName, UdpFlowSnapshot } from '../../model/snapshot-types.js';
import type { ProblemEvent, ProblemSpan } from '../../model/problem-trail.js';
import type { PeerNameSource } from '../../model/records.js';
import {
  formatBytes,
  formatContainer,
  formatCount,
  formatDuration,
  formatEndpoint,
  formatLatency,
  formatRate,
  formatTimeOfDay,
} from './format.js';
import { flowLimitCounterLines, flowLimitFields } from './flow-limit-view.js';
import { SLOW_SYN_SENT_MS } from './row-tone.js';
import { compareUrgency, describeFindingLine, findingTone } from './finding-format.js';
import { sparkline } from './sparkline.js';

/** Cells the detail component puts between the widest label and the values. */
const DETAIL_LABEL_GAP = 2;
/** Width of the state name in a timeline line (`NEW_SYN_RECV` is the longest, 12). */
const TIMELINE_STATE_WIDTH = 13;

/** The last connection the page showed, kept for when it is evicted. */
let lastShown: ConnectionSnapshot | null = null;

/** The page of connection `connectionId`, its sparklines fitted to `width`. */
export function selectDetail(input: ScreenInput, connectionId: number, width: number): DetailView {
  const current = input.snapshot.connections.find((connection) => connection.id === connectionId);
  if (current !== undefined) lastShown = current;
  const connection = current ?? (lastShown?.id === connectionId ? lastShown : null);
  if (connection === null) {
    return { title: `connection ${connectionId}`, fields: [], timeline: [], sendSparkline: '', receiveSparkline: '', drops: [], problemTrail: [], findings: [], limitCounters: [], present: false };
  }
  const nowMs = input.snapshot.atMs;
  const fields = describeFields(connection, nowMs, input.snapshot.connections);
  const labelWidth = Math.max(0, ...fields.map((field) => field.label.length)) + DETAIL_LABEL_GAP;
  const { send, receive } = input.detailRates;
  const sparklineWidth = Math.max(0, Math.min(width - labelWidth, Math.max(send.length, receive.length)));
  return {
    title: describeTitle(connection),
    fields,
    timeline: connection.stateHistory.map(
      (stay) =>
        `${stay.state.padEnd(TIMELINE_STATE_WIDTH)} ${formatTimeOfDay(stay.atMs)}   ${
          stay.durationMs === null ? `${formatDuration(nowMs - stay.atMs)} so far` : formatDuration(stay.durationMs)
        }`,
    ),
    sendSparkline: sparkline(send, sparklineWidth),
    receiveSparkline: sparkline(receive, sparklineWidth),
    drops: [...connection.drops].sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1)).map((drop) => `${drop.reason} ×${formatCount(drop.count)} · ${drop.class}`),
    findings: input.findings
      .filter((finding) => finding.evidence.connectionIds.includes(connectionId))
      .sort(compareUrgency)
      .map((finding) => ({ text: describeFindingLine(finding), tone: findingTone(finding) })),
    problemTrail: connection.problemTrail.map((event) => `${formatTimeOfDay(event.atMs)}  ${describeProblem(event)}`),
    limitCounters: flowLimitCounterLines(connection.limit),
    present: current !== undefined,
  };
}

/** `retransmit`, `reset received`, `drop NETFILTER_DROP`. */
function describeProblem(event: ProblemEvent): string {
  return event.detail === null ? event.kind : `${event.kind} ${event.detail}`;
}

/** `09:14:07.120, last 09:20:01.500 (12s ago)`; `09:14:07.120 (12s ago), once` when both ends are one time. */
function describeSpan(span: ProblemSpan, nowMs: number): string {
  const ago = `(${formatDuration(Math.max(0, nowMs - span.lastAtMs))} ago)`;
  if (span.firstAtMs === span.lastAtMs) return `${formatTimeOfDay(span.firstAtMs)} ${ago}, no other`;
  return `${formatTimeOfDay(span.firstAtMs)}, last ${formatTimeOfDay(span.lastAtMs)} ${ago}`;
}

/** A `… since` field for each kind of problem the connection has had, right under its counter. */
function sinceField(label: string, span: ProblemSpan | null, nowMs: number, tone: Tone): DetailView['fields'] {
  return span === null ? [] : [field(label, describeSpan(span, nowMs), tone)];
}

/** `curl (1234)  10.0.0.1:40000 → 93.184.216.34:443  ESTABLISHED` */
function describeTitle(connection: ConnectionSnapshot): string {
  const { comm, pid, provisional } = connection.owner;
  const owner = comm === null && pid === null ? 'unknown process' : `${comm ?? '?'} (${pid ?? '?'}${provisional ? '?' : ''})`;
  const state = connection.udp === null ? connection.state : connection.closedAtMs === null ? 'UDP' : 'UDP (over)';
  return `${owner}  ${formatEndpoint(connection.saddr, connection.sport)} → ${formatEndpoint(connection.daddr, connection.dport)}  ${state}`;
}

/** `2 packets lost · 5 not counted (not network loss), by reason below`: only class `matters` is loss. */
function describeDrops(dropped: number, notCounted: number): string {
  if (dropped + notCounted === 0) return '0';
  const lost = `${formatCount(dropped)} packets lost`;
  return notCounted === 0 ? `${lost}, by reason below` : `${lost} · ${formatCount(notCounted)} not counted (not network loss), by reason below`;
}

function field(label: string, value: string, tone: Tone = 'normal'): DetailView['fields'][number] {
  return { label, value, tone };
}

/**
 * `nginx · pid 812`, with its container when it runs in one: `nginx · pid 812 · container web (docker)`;
 * `nginx · pid 812 (its listener's; not confirmed yet)` while provisional.
 */
function describeOwner(owner: Owner): string {
  if (owner.pid === null && owner.comm === null) return 'unknown';
  const process = `${owner.comm ?? '?'} · pid ${owner.pid ?? '?'}${owner.provisional ? " (its listener's; not confirmed yet)" : ''}`;
  return owner.container === null ? process : `${process} · container ${formatContainer(owner.container)}`;
}

/** Where each source's name came from, at a time of day. */
const peerNameOrigins: Record<PeerNameSource, (at: string) => string> = {
  dns: (at) => `DNS answer at ${at}`,
  hosts: (at) => `hosts file, read at ${at}`,
  ptr: (at) => `PTR lookup at ${at}`,
};

/** `orders-db.prod.svc.cluster.local · DNS answer at 10:42:07` / `· hosts file, read at …` / `· PTR lookup at …`. */
function describePeerName(peerName: PeerName): string {
  const where = peerNameOrigins[peerName.source](formatTimeOfDay(peerName.atMs));
  return `${peerName.name} · ${where}`;
}

/**
 * `10.96.0.10:53 → 10.244.1.7:53 (conntrack)`: what was addressed, where it went, who knew. Where
 * the real destination is a socket this host holds (a local pod's or container's server), its
 * owner is named.
 */
function describeNat(nat: NatSnapshot, connections: readonly ConnectionSnapshot[]): string {
  const { destination, originalDestination } = nat;
  const source = nat.table === 'host' ? "conntrack, the host's table" : 'conntrack';
  const translation = `${formatEndpoint(originalDestination.address, originalDestination.port)} → ${formatEndpoint(destination.address, destination.port)}`;
  if (nat.direction === 'incoming') return `${translation} (${source}) · the client addressed the first`;
  const served = connections.find((other) => other.saddr === destination.address && other.sport === destination.port && other.owner.pid !== null);
  return served === undefined ? `${translation} (${source})` : `${translation} (${source}) · ${describeOwner(served.owner)}`;
}

/**
 * A UDP flow has no handshake, RTT, retransmits or resets: its page says what it has instead —
 * datagrams, the socket's unread bytes and the kernel's drops on it, its latest datagram.
 */
function describeUdpFields(connection: ConnectionSnapshot, udp: UdpFlowSnapshot, nowMs: number): DetailView['fields'] {
  const { owner } = connection;
  const closed = connection.closedAtMs !== null;
  const socket = udp.connected ? 'connected (one peer)' : 'unconnected (sendto/recvfrom: one flow per peer)';
  return [
    field('Protocol', `UDP · ${socket}`),
    field('State', closed ? 'over' : `active · last datagram ${formatDuration(nowMs - udp.lastPacketAtMs)} ago`, closed ? 'dim' : 'normal'),
    field('Local', formatEndpoint(connection.saddr, connection.sport)),
    field('Remote', formatEndpoint(connection.daddr, connection.dport)),
    ...(connection.peerName === null ? [] : [field('Peer name', describePeerName(connection.peerName))]),
    field('Process', describeOwner(owner)),
    field('User', owner.user === null && owner.uid === null ? 'unknown' : `${owner.user ?? '?'} (uid ${owner.uid ?? '?'})`),
    field('Command', owner.cmdline ?? 'unknown'),
    field('First', `${formatTimeOfDay(connection.openedAtMs)} · ${formatDuration(nowMs - connection.openedAtMs)} ago`),
    field('Last', `${formatTimeOfDay(udp.lastPacketAtMs)} · ${formatDuration(nowMs - udp.lastPacketAtMs)} ago`),
    ...(connection.closedAtMs === null
      ? []
      : [field('Closed', `${formatTimeOfDay(connection.closedAtMs)} · socket closed or idle`, 'dim')]),
    field('Sent', `${formatBytes(connection.bytesSent)} payload · ${formatCount(connection.segmentsSent)} datagrams · ${formatRate(connection.sendRate)}`),
    field('Received', `${formatBytes(connection.bytesReceived)} payload · ${formatCount(connection.segmentsReceived)} datagrams · ${formatRate(connection.receiveRate)}`),
    field('Unread', `${formatBytes(udp.receiveQueue)} waiting in the socket's receive queue`, udp.receiveQueue > 0 ? 'warn' : 'normal'),
    field('Drops', `${formatCount(udp.socketDrops)} datagrams dropped on the socket (receive buffer full), all its peers`, udp.socketDrops > 0 ? 'bad' : 'normal'),
    field('Socket', `cookie ${udp.socketCookie} · flow ${connection.id} · netns ${connection.netns} · ${connection.family}`),
  ];
}

function describeFields(connection: ConnectionSnapshot, nowMs: number, connections: readonly ConnectionSnapshot[]): DetailView['fields'] {
  if (connection.udp !== null) return describeUdpFields(connection, connection.udp, nowMs);
  const { owner } = connection;
  const currentStay = connection.stateHistory.at(-1);
  const inStateMs = nowMs - (currentStay?.atMs ?? connection.openedAtMs);
  const closed = connection.closedAtMs !== null;
  const stateTone: Tone = closed ? 'dim' : connection.state === 'SYN_SENT' && inStateMs >= SLOW_SYN_SENT_MS ? 'warn' : 'normal';
  const resets = connection.resetsSent + connection.resetsReceived;
  const dropped = connection.drops.reduce((sum, drop) => (drop.class === 'matters' ? sum + drop.count : sum), 0);
  const notCounted = connection.drops.reduce((sum, drop) => (drop.class === 'matters' ? sum : sum + drop.count), 0);
  const opened = connection.preexisting
    ? `before the capture: at least ${formatDuration(nowMs - connection.openedAtMs)} ago (first seen ${formatTimeOfDay(connection.openedAtMs)}; the kernel keeps no socket's creation time)`
    : `${formatTimeOfDay(connection.openedAtMs)} · ${formatDuration(nowMs - connection.openedAtMs)} ago`;
  return [
    field('State', `${connection.state} for ${formatDuration(inStateMs)}`, stateTone),
    field('Local', formatEndpoint(connection.saddr, connection.sport)),
    field('Remote', formatEndpoint(connection.daddr, connection.dport)),
    ...(connection.nat === null ? [] : [field('NAT', describeNat(connection.nat, connections))]),
    // Only when one is known: the page keeps its rows for the timeline on a small terminal.
    ...(connection.peerName === null ? [] : [field('Peer name', describePeerName(connection.peerName))]),
    field('Process', describeOwner(owner)),
    field('User', owner.user === null && owner.uid === null ? 'unknown' : `${owner.user ?? '?'} (uid ${owner.uid ?? '?'})`),
    field('Command', owner.cmdline ?? 'unknown'),
    field('Opened', opened),
    ...(connection.closedAtMs === null
      ? []
      : [field('Closed', `${formatTimeOfDay(connection.closedAtMs)} · after ${formatDuration(connection.closedAtMs - connection.openedAtMs)}`, 'dim')]),
    field('Sent', `${formatBytes(connection.bytesSent)} · ${formatCount(connection.segmentsSent)} segments · ${formatRate(connection.sendRate)}`),
    field('Received', `${formatBytes(connection.bytesReceived)} · ${formatCount(connection.segmentsReceived)} segments · ${formatRate(connection.receiveRate)}`),
    field('RTT', connection.srttMs === null ? 'not measured yet' : formatLatency(connection.srttMs)),
    field('Connect', connection.connectLatencyMs === null ? 'handshake not seen' : formatLatency(connection.connectLatencyMs)),
    field('Retransmits', formatCount(connection.retransmits), connection.retransmits > 0 ? 'warn' : 'normal'),
    ...sinceField('Retransmits since', connection.problems.retransmits, nowMs, 'warn'),
    field('Resets', `sent ${formatCount(connection.resetsSent)} · received ${formatCount(connection.resetsReceived)}`, resets > 0 ? 'warn' : 'normal'),
    ...sinceField('Resets since', connection.problems.resets, nowMs, 'warn'),
    field('Drops', describeDrops(dropped, notCounted), dropped > 0 ? 'bad' : 'normal'),
    ...sinceField('Drops since', connection.problems.drops, nowMs, 'bad'),
    ...flowLimitFields(connection.limit),
    field('Socket', `cookie ${connection.id} · netns ${connection.netns} · ${connection.family}`),
  ];
}
