/**
 * The columns of every pane, as data: what each shows, how it sorts, how wide it may be and
 * which go first when the terminal is narrow. The selectors read these; nothing else knows a
 * column.
 */
import type { Align } from './view-types.js';
import type { PaneId, SortState } from './ui-state.js';
import type { EventRow } from './event-rows.js';
import type {
  ConnectionSnapshot,
  ContainerSnapshot,
  ListenerSnapshot,
  Owner,
  TrafficSums,
} from '../../model/snapshot-types.js';
import type { ContainerIdentity } from '../../model/records.js';
import type { Finding } from '../../findings/finding.js';
import { compareUrgency, findingKindName, formatAgo, formatSince } from './finding-format.js';
import { compareAddresses } from './address-order.js';
import { flowLimitCell, flowLimitRank, isLimitProblem } from './flow-limit-view.js';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatEndpoint,
  formatLatency,
  formatPod,
  formatRate,
  formatState,
  formatTimeOfDay,
  formatWorkload,
} from './format.js';
import { workloadOf } from '../../model/workload.js';
import type { PeerRow } from './peer-groups.js';
import { processPidCell, processPidSortValue, type ProcessRow } from './process-groups.js';
import { commandCell } from './command-cell.js';

/** What a cell may depend on besides its row. */
export interface RowContext {
  /** The snapshot's time (ms since the epoch): ages are measured to it, not to the wall clock. */
  nowMs: number;
  /** `n`: remote endpoints show their addresses even where a peer name is known. Default false. */
  addressesShown?: boolean;
}

export interface Column<Row> {
  /** Stable id, used by `--sort` and the sort state. */
  id: string;
  header: string;
  /** Narrowest useful width, cells; always leaves room for the header and its ▲/▼ mark. */
  minWidth: number;
  /** Set on flexible columns (names, addresses, command lines): spare width goes to them up to this. */
  maxWidth?: number;
  align: Align;
  /** Higher stays longer: when the terminal is narrow, the lowest priorities are dropped first. */
  priority: number;
  /** A problem column: its priority while a row on screen shows the problem it names. */
  raisedPriority?: { priority: number; when(row: Row): boolean };
  /** The direction the column sorts in when chosen: numbers biggest first, text A→Z. */
  descendingFirst: boolean;
  /** Where an overlong cell loses characters: `middle` keeps an endpoint's port visible. */
  truncation: 'end' | 'middle';
  /** Ascending order; sorting descending reverses it. */
  compare(a: Row, b: Row, context: RowContext): number;
  format(row: Row, context: RowContext): string;
}

/** The raw model row behind each pane. */
export interface PaneRow {
  connections: ConnectionSnapshot;
  processes: ProcessRow;
  containers: ContainerSnapshot;
  /** Grouped by name while names are shown (peer-groups.ts). */
  peers: PeerRow;
  listeners: ListenerSnapshot;
  events: EventRow;
  findings: Finding;
}

/** A number column; `value` may be null (unknown), which sorts after every number in its natural (descending) order. */
function numberColumn<Row>(
  fields: Pick<Column<Row>, 'id' | 'header' | 'minWidth' | 'priority'>,
  value: (row: Row, context: RowContext) => number | null,
  format: (row: Row, context: RowContext) => string,
): Column<Row> {
  return {
    ...fields,
    align: 'right',
    descendingFirst: true,
    truncation: 'end',
    compare: (a, b, context) => compareNullable(value(a, context), value(b, context), -1),
    format,
  };
}

/** A text column; null (unknown) sorts after every text in its natural (A→Z) order. */
function textColumn<Row>(
  fields: Pick<Column<Row>, 'id' | 'header' | 'minWidth' | 'maxWidth' | 'priority'>,
  value: (row: Row) => string | null,
): Column<Row> {
  return {
    ...fields,
    align: 'left',
    descendingFirst: false,
    truncation: 'end',
    compare: (a, b) => compareNullable(value(a), value(b), 1),
    format: (row) => value(row) ?? '-',
  };
}

function compareNullable<Value extends number | string>(a: Value | null, b: Value | null, nullOrder: 1 | -1): number {
  if (a === b) return 0;
  if (a === null) return nullOrder;
  if (b === null) return -nullOrder;
  return a < b ? -1 : 1;
}

function endpointColumn<Row>(
  fields: Pick<Column<Row>, 'id' | 'header' | 'minWidth' | 'priority'>,
  address: (row: Row) => string,
  port: (row: Row) => number,
): Column<Row> {
  return {
    ...fields,
    maxWidth: 47,
    align: 'left',
    descendingFirst: false,
    truncation: 'middle',
    compare: (a, b) => compareAddresses(address(a), address(b)) || port(a) - port(b),
    format: (row) => formatEndpoint(address(row), port(row)),
  };
}

/**
 * What the process connected to, as its own logs and configuration name it; `→` at the end when
 * NAT sent the connection elsewhere (a Service address, a forwarded port), the real destination
 * being on the detail page. A marker rather than a column of its own: it costs one cell, so it
 * stays at every width the REMOTE column does, and the middle truncation of a long address keeps it.
 */
/** `name:port` when a name is known and `n` has not switched to addresses. */
function remoteCell(connection: ConnectionSnapshot, addressesShown: boolean): string {
  const remote = addressesShown || connection.peerName === null ? formatEndpoint(connection.daddr, connection.dport) : `${connection.peerName.name}:${connection.dport}`;
  return connection.nat?.direction === 'outgoing' ? `${remote}${NAT_MARKER}` : remote;
}

/** Ends the REMOTE cell of a connection whose destination NAT translated. */
export const NAT_MARKER = '→';

/** Zero reads as `-`, so the rows that move stand out. */
function rateCell(bytesPerSecond: number): string {
  return bytesPerSecond > 0 ? formatRate(bytesPerSecond) : '-';
}

function countCell(count: number): string {
  return count > 0 ? formatCount(count) : '-';
}

/** `sent/received`, e.g. `2/0`. */
function resetsCell(resetsSent: number, resetsReceived: number): string {
  return resetsSent + resetsReceived > 0 ? `${resetsSent}/${resetsReceived}` : '-';
}

/** Only drops whose reason matters: a purged queue or a segment for a closed socket is no loss. */
function droppedPackets(connection: ConnectionSnapshot): number {
  let total = 0;
  for (const drop of connection.drops) if (drop.class === 'matters') total += drop.count;
  return total;
}

/** How long a connection lived: to its close, or to now while open. */
function connectionAgeMs(connection: ConnectionSnapshot, context: RowContext): number {
  return (connection.closedAtMs ?? context.nowMs) - connection.openedAtMs;
}

/**
 * A problem column's priority while a row on screen shows its problem: above every rate column
 * (RATE 85, SEND/RECV 80), so at 80 columns a retransmitting, reset or dropping row shows why
 * rather than how fast; below the process, the remote end, the state and a LIMIT that presses.
 */
const CONNECTION_PROBLEM_PRIORITY = 86;
/** The same over the aggregate panes: above the rates (80), below the name, the pid and the bytes. */
const AGGREGATE_PROBLEM_PRIORITY = 82;

/** The columns every traffic aggregate (process, container, peer) shares, in display order. */
function trafficColumns<Row extends TrafficSums>(): Column<Row>[] {
  return [
    numberColumn({ id: 'conns', header: 'CONNS', minWidth: 6, priority: 70 }, (row) => row.openConnections, (row) => formatCount(row.openConnections)),
    numberColumn(
      { id: 'bytes', header: 'BYTES', minWidth: 8, priority: 85 },
      (row) => row.bytesSent + row.bytesReceived,
      (row) => formatBytes(row.bytesSent + row.bytesReceived),
    ),
    numberColumn({ id: 'send', header: 'SEND/s', minWidth: 10, priority: 80 }, (row) => row.sendRate, (row) => rateCell(row.sendRate)),
    numberColumn({ id: 'recv', header: 'RECV/s', minWidth: 10, priority: 80 }, (row) => row.receiveRate, (row) => rateCell(row.receiveRate)),
    numberColumn({ id: 'sent', header: 'SENT', minWidth: 8, priority: 45 }, (row) => row.bytesSent, (row) => formatBytes(row.bytesSent)),
    numberColumn({ id: 'received', header: 'RECVD', minWidth: 8, priority: 45 }, (row) => row.bytesReceived, (row) => formatBytes(row.bytesReceived)),
    {
      ...numberColumn({ id: 'retrans', header: 'RETRANS', minWidth: 8, priority: 60 }, (row) => row.retransmits, (row) => countCell(row.retransmits)),
      raisedPriority: { priority: AGGREGATE_PROBLEM_PRIORITY, when: (row) => row.retransmits > 0 },
    },
    {
      ...numberColumn(
        { id: 'resets', header: 'RST', minWidth: 5, priority: 40 },
        (row) => row.resetsSent + row.resetsReceived,
        (row) => resetsCell(row.resetsSent, row.resetsReceived),
      ),
      raisedPriority: { priority: AGGREGATE_PROBLEM_PRIORITY, when: (row) => row.resetsSent + row.resetsReceived > 0 },
    },
    {
      ...numberColumn({ id: 'drops', header: 'DROPS', minWidth: 6, priority: 40 }, (row) => row.drops, (row) => countCell(row.drops)),
      raisedPriority: { priority: AGGREGATE_PROBLEM_PRIORITY, when: (row) => row.drops > 0 },
    },
  ];
}

/**
 * The owner's container by name, `-` on the host. The lowest priority of its pane: a host without
 * containers loses nothing to it, and on a narrow terminal the Containers pane says the same.
 */
function containerNameColumn<Row>(container: (row: Row) => ContainerIdentity | null): Column<Row> {
  return textColumn({ id: 'container', header: 'CONTAINER', minWidth: 10, maxWidth: 20, priority: 30 }, (row) => container(row)?.name ?? null);
}

/** The pid, `-` when unknown; `812?` while it is the listener's owner's (see Owner.provisional). */
function pidText(owner: Owner): string {
  if (owner.pid === null) return '-';
  return owner.provisional ? `${owner.pid}?` : String(owner.pid);
}

const connectionColumns: readonly Column<ConnectionSnapshot>[] = [
  numberColumn({ id: 'pid', header: 'PID', minWidth: 7, priority: 75 }, (row) => row.owner.pid, (row) => pidText(row.owner)),
  textColumn({ id: 'process', header: 'PROCESS', minWidth: 10, maxWidth: 16, priority: 100 }, (row) => row.owner.comm),
  containerNameColumn((row) => row.owner.container),
  endpointColumn({ id: 'local', header: 'LOCAL', minWidth: 15, priority: 50 }, (row) => row.saddr, (row) => row.sport),
  {
    ...endpointColumn({ id: 'remote', header: 'REMOTE', minWidth: 21, priority: 95 }, (row: ConnectionSnapshot) => row.daddr, (row) => row.dport),
    // Sorted by address either way: the order stays put when `n` switches what shows.
    format: (row, context) => remoteCell(row, context.addressesShown === true),
  },
  textColumn({ id: 'proto', header: 'PROTO', minWidth: 6, priority: 38 }, (row) => row.protocol),
  // An open UDP flow has no TCP state to show: `UDP` says what it is where PROTO no longer fits.
  {
    ...textColumn({ id: 'state', header: 'STATE', minWidth: 10, priority: 90 }, (row) => row.state),
    format: (row) => (row.protocol === 'udp' && row.closedAtMs === null ? 'UDP' : formatState(row.state)),
  },
  numberColumn(
    { id: 'rate', header: 'RATE/s', minWidth: 10, priority: 85 },
    (row) => row.sendRate + row.receiveRate,
    (row) => rateCell(row.sendRate + row.receiveRate),
  ),
  numberColumn({ id: 'send', header: 'SEND/s', minWidth: 10, priority: 80 }, (row) => row.sendRate, (row) => rateCell(row.sendRate)),
  numberColumn({ id: 'recv', header: 'RECV/s', minWidth: 10, priority: 80 }, (row) => row.receiveRate, (row) => rateCell(row.receiveRate)),
  numberColumn({ id: 'sent', header: 'SENT', minWidth: 8, priority: 45 }, (row) => row.bytesSent, (row) => formatBytes(row.bytesSent)),
  numberColumn({ id: 'received', header: 'RECVD', minWidth: 8, priority: 45 }, (row) => row.bytesReceived, (row) => formatBytes(row.bytesReceived)),
  {
    ...numberColumn({ id: 'retrans', header: 'RETRANS', minWidth: 8, priority: 65 }, (row) => row.retransmits, (row) => countCell(row.retransmits)),
    raisedPriority: { priority: CONNECTION_PROBLEM_PRIORITY, when: (row) => row.retransmits > 0 },
  },
  {
    ...numberColumn(
      { id: 'resets', header: 'RST', minWidth: 5, priority: 40 },
      (row) => row.resetsSent + row.resetsReceived,
      (row) => resetsCell(row.resetsSent, row.resetsReceived),
    ),
    raisedPriority: { priority: CONNECTION_PROBLEM_PRIORITY, when: (row) => row.resetsSent + row.resetsReceived > 0 },
  },
  {
    ...numberColumn({ id: 'drops', header: 'DROPS', minWidth: 6, priority: 40 }, droppedPackets, (row) => countCell(droppedPackets(row))),
    raisedPriority: { priority: CONNECTION_PROBLEM_PRIORITY, when: (row) => droppedPackets(row) > 0 },
  },
  numberColumn({ id: 'rtt', header: 'RTT', minWidth: 7, priority: 60 }, (row) => row.srttMs, (row) => (row.srttMs === null ? '-' : formatLatency(row.srttMs))),
  // A socket older than the capture is at least as old as its first sighting: the kernel keeps no creation time.
  numberColumn({ id: 'age', header: 'AGE', minWidth: 6, priority: 55 }, connectionAgeMs, (row, context) => `${row.preexisting ? '≥' : ''}${formatDuration(connectionAgeMs(row, context))}`),
  // What held its sending back over the last interval: the second column to go when narrow (after
  // the container), unless a row on screen is held back by something — then only the process,
  // the remote end and the state outrank it.
  {
    ...numberColumn({ id: 'limit', header: 'LIMIT', minWidth: 8, priority: 36 }, (row) => flowLimitRank(row.limit), (row) => flowLimitCell(row.limit)),
    align: 'left',
    raisedPriority: { priority: 88, when: (row) => isLimitProblem(row.limit) },
  },
];

const processColumns: readonly Column<ProcessRow>[] = [
  // Grouped (`H`), a row stands for its pids: the column shows and sorts by how many.
  numberColumn({ id: 'pid', header: 'PID', minWidth: 7, priority: 90 }, processPidSortValue, processPidCell),
  textColumn({ id: 'process', header: 'PROCESS', minWidth: 10, maxWidth: 16, priority: 100 }, (row) => row.comm),
  containerNameColumn((row) => row.container),
  textColumn({ id: 'user', header: 'USER', minWidth: 8, maxWidth: 12, priority: 35 }, (row) => row.user ?? (row.uid === null ? null : String(row.uid))),
  ...trafficColumns<ProcessRow>(),
  { ...textColumn({ id: 'command', header: 'COMMAND', minWidth: 12, maxWidth: 4096, priority: 62 }, (row) => row.cmdline), format: (row) => commandCell(row.cmdline) },
];

// At 80 columns: name, pod, processes, connections, bytes, rates and retransmits. The image is
// the first to go: it is long and says least about the traffic.
const containerColumns: readonly Column<ContainerSnapshot>[] = [
  textColumn({ id: 'name', header: 'NAME', minWidth: 10, maxWidth: 24, priority: 100 }, (row) => row.container.name),
  textColumn({ id: 'runtime', header: 'RUNTIME', minWidth: 10, priority: 50 }, (row) => row.container.runtime),
  textColumn({ id: 'pod', header: 'POD', minWidth: 12, maxWidth: 40, priority: 75 }, (row) => formatPod(row.container)),
  textColumn({ id: 'workload', header: 'WORKLOAD', minWidth: 12, maxWidth: 32, priority: 40 }, (row) => formatWorkload(workloadOf(row.container))),
  textColumn({ id: 'image', header: 'IMAGE', minWidth: 12, maxWidth: 40, priority: 30 }, (row) => row.container.image),
  numberColumn({ id: 'procs', header: 'PROCS', minWidth: 6, priority: 55 }, (row) => row.processes.length, (row) => formatCount(row.processes.length)),
  ...trafficColumns<ContainerSnapshot>(),
];

const peerColumns: readonly Column<PeerRow>[] = [
  {
    ...textColumn({ id: 'address', header: 'ADDRESS', minWidth: 15, maxWidth: 39, priority: 100 }, (row) =>
      row.addresses.length === 1 ? row.address : `${formatCount(row.addresses.length)} addresses`,
    ),
    truncation: 'middle',
    compare: (a, b) => compareAddresses(a.address, b.address),
  },
  textColumn({ id: 'name', header: 'NAME', minWidth: 12, maxWidth: 48, priority: 90 }, (row) => row.peerName?.name ?? null),
  ...trafficColumns<PeerRow>(),
];

const listenerColumns: readonly Column<ListenerSnapshot>[] = [
  numberColumn({ id: 'pid', header: 'PID', minWidth: 7, priority: 80 }, (row) => row.owner.pid, (row) => String(row.owner.pid ?? '-')),
  textColumn({ id: 'process', header: 'PROCESS', minWidth: 10, maxWidth: 16, priority: 100 }, (row) => row.owner.comm),
  endpointColumn({ id: 'local', header: 'LOCAL', minWidth: 15, priority: 95 }, (row) => row.saddr, (row) => row.sport),
  textColumn({ id: 'proto', header: 'PROTO', minWidth: 6, priority: 36 }, (row) => row.protocol),
  // A UDP server has no accept queue: its queue is the bytes of datagrams not yet read.
  numberColumn(
    { id: 'queue', header: 'QUEUE', minWidth: 6, priority: 90 },
    (row) => row.receiveQueue ?? row.acceptQueue,
    (row) => (row.receiveQueue === null ? formatCount(row.acceptQueue) : formatBytes(row.receiveQueue)),
  ),
  numberColumn(
    { id: 'backlog', header: 'BACKLOG', minWidth: 8, priority: 70 },
    (row) => (row.protocol === 'udp' ? null : row.acceptQueueLimit),
    (row) => (row.protocol === 'udp' ? '-' : formatCount(row.acceptQueueLimit)),
  ),
  textColumn({ id: 'user', header: 'USER', minWidth: 8, maxWidth: 12, priority: 40 }, (row) => row.owner.user ?? (row.owner.uid === null ? null : String(row.owner.uid))),
  { ...textColumn({ id: 'command', header: 'COMMAND', minWidth: 12, maxWidth: 4096, priority: 50 }, (row) => row.owner.cmdline), format: (row) => commandCell(row.owner.cmdline) },
];

/** What happened, in a few words: `SYN_SENT→ESTAB`, `in ESTAB`, `sent: NOT_SPECIFIED`, `from the peer`, `NETFILTER_DROP`. */
function describeEvent(event: EventRow): string {
  switch (event.kind) {
    case 'state':
      return `${event.fromState === null ? '?' : formatState(event.fromState)}→${event.toState === null ? '?' : formatState(event.toState)}`;
    case 'retransmit':
      return event.toState === null ? 'retransmit' : `in ${formatState(event.toState)}`;
    case 'reset':
      if (event.direction === 'received') return 'from the peer';
      return event.reason === null ? 'sent' : `sent: ${event.reason}`;
    case 'drop':
      return event.reason ?? 'dropped';
  }
}

const eventColumns: readonly Column<EventRow>[] = [
  {
    ...numberColumn({ id: 'time', header: 'TIME', minWidth: 12, priority: 100 }, (row) => row.atMs, (row) => formatTimeOfDay(row.atMs)),
    align: 'left',
  },
  textColumn({ id: 'kind', header: 'TYPE', minWidth: 10, priority: 95 }, (row) => row.type),
  numberColumn({ id: 'pid', header: 'PID', minWidth: 7, priority: 60 }, (row) => row.pid, (row) => String(row.pid ?? '-')),
  textColumn({ id: 'process', header: 'PROCESS', minWidth: 10, maxWidth: 16, priority: 90 }, (row) => row.comm),
  endpointColumn({ id: 'local', header: 'LOCAL', minWidth: 15, priority: 50 }, (row) => row.saddr, (row) => row.sport),
  endpointColumn({ id: 'remote', header: 'REMOTE', minWidth: 21, priority: 85 }, (row) => row.daddr, (row) => row.dport),
  textColumn({ id: 'detail', header: 'DETAIL', minWidth: 16, maxWidth: 60, priority: 88 }, describeEvent),
];

// SEV, not SEVERITY: the tab line names the sort, and at 80 columns the longer name would cost
// the tabs their names. At 80 columns: severity, the summary (which names the kind, the process and the peer), since
// and state, the summary taking what is left; from 100 columns every column.
const findingColumns: readonly Column<Finding>[] = [
  { ...textColumn({ id: 'severity', header: 'SEV', minWidth: 9, priority: 100 }, (row) => row.severity), compare: compareUrgency },
  textColumn({ id: 'kind', header: 'KIND', minWidth: 15, priority: 65 }, (row) => findingKindName(row.kind)),
  textColumn({ id: 'summary', header: 'SUMMARY', minWidth: 30, maxWidth: 4096, priority: 95 }, (row) => row.summary),
  numberColumn({ id: 'since', header: 'SINCE', minWidth: 17, priority: 90 }, (row, context) => context.nowMs - row.sinceMs, (row, context) => formatSince(row.sinceMs, context.nowMs)),
  numberColumn({ id: 'lastSeen', header: 'LAST SEEN', minWidth: 10, priority: 60 }, (row) => row.lastSeenMs, (row, context) => formatAgo(row.lastSeenMs, context.nowMs)),
  textColumn({ id: 'state', header: 'STATE', minWidth: 9, priority: 70 }, (row) => row.state),
];

/** Every pane's columns, left to right. */
export const paneColumns: { readonly [Pane in PaneId]: readonly Column<PaneRow[Pane]>[] } = {
  findings: findingColumns,
  connections: connectionColumns,
  processes: processColumns,
  containers: containerColumns,
  peers: peerColumns,
  listeners: listenerColumns,
  events: eventColumns,
};

/** The column ids of a pane, left to right (the CLI validates `--sort` against these). */
export function columnIds(pane: PaneId): string[] {
  return paneColumns[pane].map((column) => column.id);
}

const DEFAULT_SORT_COLUMN: Record<PaneId, string> = {
  findings: 'severity',
  connections: 'rate',
  processes: 'bytes',
  containers: 'bytes',
  peers: 'bytes',
  listeners: 'queue',
  events: 'time',
};

/**
 * The sort a pane starts with: findings open and worst first, connections by total rate, processes, containers and peers by bytes,
 * listeners by accept queue, events newest first; each in its column's natural direction.
 */
export function defaultSort(pane: PaneId): SortState {
  return sortBy(pane, DEFAULT_SORT_COLUMN[pane]);
}

/** Sorting by `columnId` in the column's natural direction; null when the pane has no such column (the one check of `--sort`). */
export function findSort(pane: PaneId, columnId: string): SortState | null {
  const column = paneColumns[pane].find((candidate) => candidate.id === columnId);
  return column === undefined ? null : { column: column.id, descending: column.descendingFirst };
}

/** {@link findSort} for a column id taken from the pane's own list. */
export function sortBy(pane: PaneId, columnId: string): SortState {
  const sort = findSort(pane, columnId);
  if (sort === null) throw new RangeError(`no column ${columnId} in ${pane}`);
  return sort;
}
