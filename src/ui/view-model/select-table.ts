/**
 * One pane's table: rows → scope → sort → filter → selection → the window of visible rows,
 * formatted and fitted. Filtering the sorted order (rather than sorting the filtered rows)
 * gives the same rows and lets a keystroke re-filter without re-sorting; a movement re-slices
 * without either. Only the visible rows are ever formatted.
 */
import type { TableRowView, TableView, Tone, VisibleColumn } from './view-types.js';
import type { PaneId, Scope, SortState, UiState, VisibleRows } from './ui-state.js';
import type { ConnectionSnapshot, ListenerSnapshot, ModelSnapshot } from '../../model/snapshot-types.js';
import { paneColumns, defaultSort, type Column, type PaneRow, type RowContext } from './columns.js';
import { compareAddresses } from './address-order.js';
import { fitColumns } from './fit-columns.js';
import { withColumnChoices } from './column-choices.js';
import { parseFilter } from '../../filter/filter-query.js';
import { filterMask, type Searchable } from '../../filter/filter.js';
import { pad, truncate, truncateMiddle } from './format.js';
import type { Finding } from '../../findings/finding.js';
import { connectionKey, containerKey, eventKeys, findingKey, listenerKey, peerKey, processKey } from './row-keys.js';
import { eventRows } from './event-rows.js';
import { narrowedContainers, narrowedPeers, narrowedProcesses } from './narrowed-aggregates.js';
import { paneTones } from './row-tone.js';
import { CHANGE_GUTTER_WIDTH } from './view-types.js';
import { paneMarks, type ChangeMark } from './change-marks.js';
import type { BaselineChanges } from '../../model/baseline-changes.js';
import { paneScopes, type ActiveScope } from './scope.js';
import { selectedPosition } from './selection.js';
import { paneSearchables } from './searchable.js';
import { peerRows } from './peer-groups.js';
import { groupProcesses, processRowKey } from './process-groups.js';

export interface TableSelection {
  table: TableView;
  /** All matching keys and the page size, for movement and Enter. */
  navigation: VisibleRows;
  selectedKey: string | null;
}

export interface TableRequest {
  snapshot: ModelSnapshot;
  /** The findings engine's findings for the snapshot (the Findings pane's rows); none when absent. */
  findings?: readonly Finding[];
  state: UiState;
  /** Cells across. */
  width: number;
  /** Lines for rows, below the column header line. */
  rowLines: number;
  /** Set once there is a baseline: rows that changed since carry a mark (change-marks.ts). */
  changes?: BaselineChanges | null;
}

interface OrderedRows<Row> {
  rows: readonly Row[];
  scopeId: string;
  sortId: string;
  nowMs: number;
  /** Indices into `rows` of the rows in scope, in display order. */
  order: number[];
}

interface MatchingRows<Row> {
  ordered: OrderedRows<Row>;
  filterText: string;
  order: number[];
  keys: string[];
}

interface PaneDefinition<Row extends object> {
  pane: PaneId;
  /** The pane's rows; `state` only where the view changes what a row is (Peers grouped by name, not under `n`). */
  rows(snapshot: ModelSnapshot, findings: readonly Finding[], state: UiState): readonly Row[];
  /** Key of `row`, which is `rows[index]` (see row-keys.ts). */
  keyOf(row: Row, index: number, rows: readonly Row[]): string;
  /** Set where a row's key depends on the rows around it (the Events pane's `n`): then a row's key is never carried over. */
  keyNeedsNeighbours?: true;
  /** Breaks sort ties by identity, so equal rows keep their order across ticks. */
  compareIdentity(a: Row, b: Row): number;
  /** Rows `t` hides: closed and TIME_WAIT connections; absent where the pane has none. */
  isClosed?(row: Row): boolean;
  /** Rows the pane's own narrowing keeps under `state` (the Events pane's `e`), with its identity for the memo; absent where none. */
  narrowedBy?(state: UiState): { id: string; keep(row: Row): boolean } | null;
  /**
   * An aggregate pane's rows summed over only the connections kept (narrowed-aggregates.ts):
   * under a filter or scope these replace the pane's own rows, and the filter and scope are
   * not applied to them again.
   */
  narrowed?(snapshot: ModelSnapshot, kept: readonly ConnectionSnapshot[], state: UiState): readonly Row[];
  columns: readonly Column<Row>[];
  tone(row: Row, context: RowContext): Tone;
  searchable(snapshot: ModelSnapshot): Searchable<Row>;
  scope(snapshot: ModelSnapshot, scope: ActiveScope): (row: Row) => boolean;
  /** The last ordering and filtering, reused while their inputs are the same. */
  memo: { ordered: OrderedRows<Row> | null; matching: MatchingRows<Row> | null };
}

function definePane<Pane extends PaneId>(
  pane: Pane,
  fields: Pick<PaneDefinition<PaneRow[Pane]>, 'rows' | 'keyOf' | 'keyNeedsNeighbours' | 'compareIdentity' | 'isClosed' | 'narrowed' | 'narrowedBy'>,
): PaneDefinition<PaneRow[Pane]> {
  return {
    pane,
    ...fields,
    columns: paneColumns[pane],
    tone: paneTones[pane],
    searchable: paneSearchables[pane],
    scope: paneScopes[pane],
    memo: { ordered: null, matching: null },
  };
}

const NO_FINDINGS: readonly Finding[] = [];

const findings = definePane('findings', {
  rows: (_snapshot, all) => all,
  keyOf: findingKey,
  compareIdentity: (a, b) => compareText(a.id, b.id),
});
const connections = definePane('connections', {
  rows: (snapshot) => snapshot.connections,
  keyOf: connectionKey,
  // Between equals, what is still open comes before what is over: a host's expired TIME_WAIT rows
  // (all at 0 B/s) never push a live connection off the screen.
  compareIdentity: (a, b) => Number(isOver(a)) - Number(isOver(b)) || a.id - b.id,
  isClosed: (row) => row.state === 'CLOSE' || row.state === 'TIME_WAIT',
});
function isOver(connection: ConnectionSnapshot): boolean {
  return connection.closedAtMs !== null || connection.state === 'TIME_WAIT';
}

const processes = definePane('processes', {
  rows: (snapshot) => snapshot.processes,
  keyOf: processKey,
  compareIdentity: (a, b) => a.pid - b.pid,
  narrowed: narrowedProcesses,
});
// `H`: the same pane, one row per process name and container.
const processGroups = definePane('processes', {
  rows: (snapshot) => groupProcesses(snapshot.processes),
  keyOf: processRowKey,
  compareIdentity: (a, b) => a.pid - b.pid,
  narrowed: (snapshot, kept) => [...groupProcesses(narrowedProcesses(snapshot, kept))],
});
const containers = definePane('containers', {
  rows: (snapshot) => snapshot.containers,
  keyOf: containerKey,
  compareIdentity: (a, b) => compareText(containerKey(a), containerKey(b)),
  narrowed: narrowedContainers,
});
const peers = definePane('peers', {
  rows: (snapshot, _findings, state) => peerRows(snapshot.peers, state.addressesShown),
  keyOf: peerKey,
  compareIdentity: (a, b) => compareAddresses(a.address, b.address) || a.addresses.length - b.addresses.length,
  narrowed: (snapshot, kept, state) => peerRows(narrowedPeers(snapshot, kept), state.addressesShown),
});
const listeners = definePane('listeners', {
  rows: (snapshot) => snapshot.listeners,
  keyOf: listenerKey,
  compareIdentity: (a, b) => a.id - b.id,
});
// Events have no identity: ties keep the log's own order, newest first.
const events = definePane('events', {
  rows: eventRows,
  keyOf: (_row, index, rows) => eventKeys(rows)[index] ?? '',
  keyNeedsNeighbours: true,
  compareIdentity: () => 0,
  narrowedBy: (state) => {
    const wanted = state.eventType;
    return wanted === null ? null : { id: `type ${wanted}`, keep: (row) => row.type === wanted };
  },
});

/** The current pane's table, with what movement and Enter need. */
export function selectTable(request: TableRequest): TableSelection {
  switch (request.state.pane) {
    case 'findings':
      return selectPaneTable(findings, request);
    case 'connections':
      return selectPaneTable(connections, request);
    case 'processes':
      return selectPaneTable(request.state.processesGrouped ? processGroups : processes, request);
    case 'containers':
      return selectPaneTable(containers, request);
    case 'peers':
      return selectPaneTable(peers, request);
    case 'listeners':
      return selectPaneTable(listeners, request);
    case 'events':
      return selectPaneTable(events, request);
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function scopeIdentity(scope: Scope): string {
  if (scope === null) return '';
  switch (scope.kind) {
    case 'process':
      return `process ${scope.pid}`;
    case 'processName':
      return `processName ${JSON.stringify([scope.comm, scope.containerId])}`;
    case 'peer':
      return `peer ${scope.address}`;
    case 'peerName':
      return `peerName ${scope.name}`;
    case 'listener':
      return `listener ${scope.id}`;
    case 'container':
      return `container ${scope.id}`;
    case 'containerQuery':
      return `containerQuery ${JSON.stringify([scope.container, scope.pod])}`;
    case 'finding':
      return `finding ${JSON.stringify([scope.id, scope.connectionIds, scope.listenerIds, scope.pid, scope.peerAddress])}`;
  }
}

function orderedRows<Row extends object>(
  definition: PaneDefinition<Row>,
  rows: readonly Row[],
  snapshot: ModelSnapshot,
  scope: Scope,
  sort: SortState,
  closedHidden: boolean,
  own: { id: string; keep(row: Row): boolean } | null = null,
): OrderedRows<Row> {
  const hideClosed = closedHidden ? definition.isClosed : undefined;
  const scopeId = `${scopeIdentity(scope)}${hideClosed === undefined ? '' : ' open only'}${own === null ? '' : ` ${own.id}`}`;
  const sortId = `${sort.column} ${sort.descending ? 'desc' : 'asc'}`;
  const last = definition.memo.ordered;
  if (last !== null && last.rows === rows && last.scopeId === scopeId && last.sortId === sortId && last.nowMs === snapshot.atMs) return last;

  const inScope = scope === null ? null : definition.scope(snapshot, scope);
  const order: number[] = [];
  rows.forEach((row, index) => {
    if ((inScope === null || inScope(row)) && hideClosed?.(row) !== true && own?.keep(row) !== false) order.push(index);
  });
  const column = definition.columns.find((candidate) => candidate.id === sort.column);
  if (column !== undefined) {
    const context: RowContext = { nowMs: snapshot.atMs };
    const direction = sort.descending ? -1 : 1;
    order.sort((a, b) => {
      const rowA = rows[a] as Row;
      const rowB = rows[b] as Row;
      return direction * column.compare(rowA, rowB, context) || definition.compareIdentity(rowA, rowB) || a - b;
    });
  }
  const ordered = { rows, scopeId, sortId, nowMs: snapshot.atMs, order };
  definition.memo.ordered = ordered;
  return ordered;
}

function matchingRows<Row extends object>(definition: PaneDefinition<Row>, snapshot: ModelSnapshot, ordered: OrderedRows<Row>, filterText: string): MatchingRows<Row> {
  const last = definition.memo.matching;
  if (last !== null && last.ordered === ordered && last.filterText === filterText) return last;

  const filter = parseFilter(filterText);
  let order = ordered.order;
  if (filter.error !== null || filter.groups.length > 0) {
    const mask = filterMask(ordered.rows, filter, definition.searchable(snapshot));
    order = order.filter((index) => mask[index] === 1);
  }
  const matching = { ordered, filterText, order, keys: keysOf(definition, ordered, order, last) };
  definition.memo.matching = matching;
  return matching;
}

/**
 * The keys of the rows in `order`. A row that the last matching had at the same position, the
 * very same object (an unchanged connection is the object published the tick before), keeps
 * the key it had: at 20,000 open connections the live view made 40,000 key strings a tick and
 * held three ticks' worth (3.9 MB).
 */
function keysOf<Row extends object>(definition: PaneDefinition<Row>, ordered: OrderedRows<Row>, order: number[], last: MatchingRows<Row> | null): string[] {
  const carried = last === null || definition.keyNeedsNeighbours ? null : last;
  const keys = new Array<string>(order.length);
  for (let position = 0; position < order.length; position++) {
    const index = order[position] as number;
    const row = ordered.rows[index] as Row;
    const lastIndex = carried?.order[position];
    keys[position] = carried !== null && lastIndex !== undefined && carried.ordered.rows[lastIndex] === row ? (carried.keys[position] as string) : definition.keyOf(row, index, ordered.rows);
  }
  return keys;
}

/** The connections the Connections pane keeps under the state's filter and scope, in its order. */
function keptConnections(snapshot: ModelSnapshot, state: UiState): readonly ConnectionSnapshot[] {
  const sort = knownSort(connections, state.sort.connections);
  const ordered = orderedRows(connections, connections.rows(snapshot, [], state), snapshot, state.scope, sort, state.closedHidden);
  const matching = matchingRows(connections, snapshot, ordered, state.filter.text);
  return keptCache(matching.order, () => matching.order.map((index) => ordered.rows[index] as ConnectionSnapshot));
}

const keptByOrder = new WeakMap<number[], readonly ConnectionSnapshot[]>();
function keptCache(order: number[], build: () => readonly ConnectionSnapshot[]): readonly ConnectionSnapshot[] {
  let kept = keptByOrder.get(order);
  if (kept === undefined) {
    kept = build();
    keptByOrder.set(order, kept);
  }
  return kept;
}

/**
 * How many open findings the Findings pane keeps under the state's filter and scope, whichever
 * pane is on screen: what a finding must pass to claim the tab line and the view (`--port 5432`
 * asks about that port, not about every fault on the host).
 */
export function keptOpenFindings(snapshot: ModelSnapshot, all: readonly Finding[], state: UiState): number {
  if (!all.some((finding) => finding.state === 'open')) return 0;
  const ordered = orderedRows(findings, all, snapshot, state.scope, knownSort(findings, state.sort.findings), state.closedHidden);
  const matching = matchingRows(findings, snapshot, ordered, state.filter.text);
  return matching.order.reduce((count, index) => count + (all[index]?.state === 'open' ? 1 : 0), 0);
}

/** The listeners the Listeners pane keeps under the state's filter and scope. */
function keptListeners(snapshot: ModelSnapshot, state: UiState): readonly ListenerSnapshot[] {
  const ordered = orderedRows(listeners, listeners.rows(snapshot, [], state), snapshot, state.scope, knownSort(listeners, state.sort.listeners), state.closedHidden);
  const matching = matchingRows(listeners, snapshot, ordered, state.filter.text);
  return matching.order.map((index) => ordered.rows[index] as ListenerSnapshot);
}

/**
 * What `s` saves: the connections and listeners the panes keep under the state's filter, scope
 * and `t` (in the model's order, as an unfiltered document lists them), and the Processes,
 * Containers and Peers rows summed over those connections whenever any of the three narrows
 * them (`t` too, though its panes show whole rows), so a saved file adds up; the model's own
 * rows when nothing does.
 */
export function keptPaneRows(snapshot: ModelSnapshot, state: UiState): Pick<ModelSnapshot, 'connections' | 'listeners' | 'processes' | 'containers' | 'peers'> {
  const kept = keptConnections(snapshot, state);
  const keptSet = new Set<ConnectionSnapshot>(kept);
  const keptListenerSet = new Set(keptListeners(snapshot, state));
  const narrowing = state.scope !== null || state.filter.text.trim() !== '' || state.closedHidden;
  return {
    connections: snapshot.connections.filter((connection) => keptSet.has(connection)),
    listeners: snapshot.listeners.filter((listener) => keptListenerSet.has(listener)),
    processes: narrowing ? [...narrowedRows(processes, snapshot, kept, state)] : snapshot.processes,
    containers: narrowing ? [...narrowedRows(containers, snapshot, kept, state)] : snapshot.containers,
    // The document's peers stay one per address, as the model's are: grouping by name is the pane's.
    peers: narrowing ? narrowedPeers(snapshot, kept) : snapshot.peers,
  };
}

/**
 * Narrowed rows keep their identity while the kept connections (and `n`, which regroups Peers)
 * do, so ordering and filtering stay memoized.
 */
const narrowedByKept = new WeakMap<readonly ConnectionSnapshot[], Map<object, Map<boolean, readonly object[]>>>();
function narrowedRows<Row extends object>(definition: PaneDefinition<Row>, snapshot: ModelSnapshot, kept: readonly ConnectionSnapshot[], state: UiState): readonly Row[] {
  let byPane = narrowedByKept.get(kept);
  if (byPane === undefined) {
    byPane = new Map();
    narrowedByKept.set(kept, byPane);
  }
  // By definition, not pane: the Processes pane has two, per pid and grouped.
  let byAddressesShown = byPane.get(definition);
  if (byAddressesShown === undefined) {
    byAddressesShown = new Map();
    byPane.set(definition, byAddressesShown);
  }
  let rows = byAddressesShown.get(state.addressesShown) as readonly Row[] | undefined;
  if (rows === undefined) {
    rows = definition.narrowed?.(snapshot, kept, state) ?? [];
    byAddressesShown.set(state.addressesShown, rows);
  }
  return rows;
}

/** The sort to apply: the pane's default when the state names a column the pane does not have. */
function knownSort<Row extends object>(definition: PaneDefinition<Row>, sort: SortState): SortState {
  return definition.columns.some((column) => column.id === sort.column) ? sort : defaultSort(definition.pane);
}

/**
 * The first visible row. It keeps the selection in the middle of the window once the selection
 * is past the first half page (and the last page stays full): the rows around the selection
 * show on both sides, and it is a function of the selection alone, so no scroll offset has to
 * live in the UI state.
 */
function windowStart(selected: number, rowCount: number, pageSize: number): number {
  const centred = selected - Math.floor((pageSize - 1) / 2);
  return Math.max(0, Math.min(centred, rowCount - pageSize));
}

/** The columns with the priority each has for the rows on screen (a problem column rises while a row shows its problem). */
function columnsFor<Row>(columns: readonly Column<Row>[], rows: readonly Row[], visible: readonly number[]): readonly Column<Row>[] {
  return columns.map((column) => {
    const raised = column.raisedPriority;
    if (raised === undefined || raised.priority <= column.priority) return column;
    const shows = visible.some((index) => {
      const row = rows[index];
      return row !== undefined && raised.when(row);
    });
    return shows ? { ...column, priority: raised.priority } : column;
  });
}

function selectPaneTable<Row extends object>(definition: PaneDefinition<Row>, request: TableRequest): TableSelection {
  const { snapshot, state } = request;
  const sort = knownSort(definition, state.sort[definition.pane]);
  const narrowing = definition.narrowed !== undefined && (state.scope !== null || state.filter.text.trim() !== '');
  const paneRows = narrowing ? narrowedRows(definition, snapshot, keptConnections(snapshot, state), state) : definition.rows(snapshot, request.findings ?? NO_FINDINGS, state);
  const ordered = orderedRows(definition, paneRows, snapshot, narrowing ? null : state.scope, sort, state.closedHidden, definition.narrowedBy?.(state) ?? null);
  const matching = matchingRows(definition, snapshot, ordered, narrowing ? '' : state.filter.text);
  const selection = state.selection[definition.pane];
  const selected = selectedPosition(matching.keys, selection.key, selection.index);
  const pageSize = Math.max(1, request.rowLines);
  const first = windowStart(Math.max(0, selected), matching.order.length, pageSize);

  const markOf = request.changes ? (paneMarks(request.changes)[definition.pane] as ((row: Row) => ChangeMark) | undefined) : undefined;
  const candidates = withColumnChoices(columnsFor(definition.columns, ordered.rows, matching.order.slice(first, first + pageSize)), state.columnChoices[definition.pane]);
  const fitted = fitColumns(candidates, request.width - (markOf === undefined ? 0 : CHANGE_GUTTER_WIDTH));
  const columns: VisibleColumn[] = fitted.map(({ column, width }) => ({
    id: column.id,
    header: column.header,
    width,
    align: column.align,
    sortMark: column.id === sort.column ? (sort.descending ? '▼' : '▲') : '',
  }));

  const sortColumn = definition.columns.find((column) => column.id === sort.column);
  // The pane's own narrowing is named beside the sort, so an Events pane showing one type says so.
  const own = definition.narrowedBy?.(state) ?? null;
  const sortLabel = `${own === null ? '' : `${own.id} · `}sort ${sortColumn?.header ?? sort.column}${sort.descending ? '▼' : '▲'}`;

  const context: RowContext = { nowMs: snapshot.atMs, addressesShown: state.addressesShown };
  const rows: TableRowView[] = [];
  const last = Math.min(matching.order.length, first + pageSize);
  for (let position = first; position < last; position++) {
    const row = ordered.rows[matching.order[position] ?? -1];
    if (row === undefined) continue;
    rows.push({
      key: matching.keys[position] ?? '',
      cells: fitted.map(({ column, width }) => {
        const text = column.format(row, context);
        const fittedText = column.truncation === 'middle' ? truncateMiddle(text, width) : truncate(text, width);
        return pad(fittedText, width, column.align);
      }),
      tone: definition.tone(row, context),
      selected: position === selected,
      mark: markOf?.(row) ?? null,
    });
  }

  return {
    table: {
      pane: definition.pane,
      columns,
      rows,
      matchingRows: matching.order.length,
      totalRows: narrowing ? definition.rows(snapshot, request.findings ?? NO_FINDINGS, state).length : ordered.rows.length,
      firstRowIndex: first,
      sortLabel,
      marked: markOf !== undefined,
    },
    navigation: { keys: matching.keys, pageSize },
    selectedKey: selected >= 0 ? (matching.keys[selected] ?? null) : null,
  };
}
