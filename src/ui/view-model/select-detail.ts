/**
 * The detail page of one connection: both endpoints, the owner (and its container) with its
 * whole command line, counters, RTT and connect latency, the state timeline with the time spent
 * in each state, rate sparklines since the page opened, and drops by reason.
 *
 * A connection evicted while its page is open keeps its last known values, marked
 * `present: false`: the page should not go blank at the moment something went wrong.
 */
import type { DetailView, Tone } from './view-types.js';
import type { ScreenInput } from './screen-input.js';
import type { ConnectionSnapshot, Owner, PeerName } from '../../model/snapshot-types.js';
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
import { SLOW_SYN_SENT_MS } from './row-tone.js';
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
    return { title: `connection ${connectionId}`, fields: [], timeline: [], sendSparkline: '', receiveSparkline: '', drops: [], present: false };
  }
  const nowMs = input.snapshot.atMs;
  const fields = describeFields(connection, nowMs);
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
    present: current !== undefined,
  };
}

/** `curl (1234)  10.0.0.1:40000 → 93.184.216.34:443  ESTABLISHED` */
function describeTitle(connection: ConnectionSnapshot): string {
  const { comm, pid } = connection.owner;
  const owner = comm === null && pid === null ? 'unknown process' : `${comm ?? '?'} (${pid ?? '?'})`;
  return `${owner}  ${formatEndpoint(connection.saddr, connection.sport)} → ${formatEndpoint(connection.daddr, connection.dport)}  ${connection.state}`;
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

/** `nginx · pid 812`, with its container when it runs in one: `nginx · pid 812 · container web (docker)`. */
function describeOwner(owner: Owner): string {
  if (owner.pid === null && owner.comm === null) return 'unknown';
  const process = `${owner.comm ?? '?'} · pid ${owner.pid ?? '?'}`;
  return owner.container === null ? process : `${process} · container ${formatContainer(owner.container)}`;
}

/** `orders-db.prod.svc.cluster.local · DNS answer at 10:42:07` / `· hosts file, read at …`. */
function describePeerName(peerName: PeerName): string {
  const where = peerName.source === 'dns' ? `DNS answer at ${formatTimeOfDay(peerName.atMs)}` : `hosts file, read at ${formatTimeOfDay(peerName.atMs)}`;
  return `${peerName.name} · ${where}`;
}

function describeFields(connection: ConnectionSnapshot, nowMs: number): DetailView['fields'] {
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
    field('Resets', `sent ${formatCount(connection.resetsSent)} · received ${formatCount(connection.resetsReceived)}`, resets > 0 ? 'warn' : 'normal'),
    field('Drops', describeDrops(dropped, notCounted), dropped > 0 ? 'bad' : 'normal'),
    field('Socket', `cookie ${connection.id} · netns ${connection.netns} · ${connection.family}`),
  ];
}
