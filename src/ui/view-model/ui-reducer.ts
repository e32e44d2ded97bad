/**
 * The one reducer of UI-only state: pane, sort, filter, selection, scope, view, pause, interval
 * and replay speed. Pure; an action that changes nothing returns the same state object, so
 * React skips the render.
 */
import type { ColumnChoice, FindingScope, PaneId, Scope, Selection, SortState, UiAction, UiState, VisibleRows } from './ui-state.js';
import { toggledChoice } from './column-choices.js';
import { processNameFromKey } from './process-groups.js';
import { allPanes, FINDINGS_PANE_KEY, paneOrder } from './ui-state.js';
import { columnIds, defaultSort, sortBy } from './columns.js';
import { connectionIdFromEventKey, connectionIdFromKey, containerIdFromKey, listenerIdFromKey, peerScopeFromKey, pidFromProcessKey } from './row-keys.js';
import { selectedPosition } from './selection.js';
import { EVENT_ROW_TYPES } from './event-rows.js';

/** The tick intervals `+` and `-` step through, ms. */
export const INTERVAL_STEPS_MS: readonly number[] = [100, 250, 500, 1000, 2000, 5000, 10_000];

/** Replay speeds `[` and `]` halve and double within. */
export const SLOWEST_REPLAY_SPEED = 1 / 64;
export const FASTEST_REPLAY_SPEED = 1024;

export interface InitialUiOptions {
  /** Tick interval from `--interval`, ms (already validated). */
  intervalMs: number;
  /** `--filter`: the filter text the screen starts with. */
  filter?: string;
  /** `--sort`: the Connections sort (see findSort). */
  sort?: SortState;
  /** `--pid`: starts scoped to this process. */
  pid?: number;
  /** `--port`: adds a `port:N` term to the filter. */
  port?: number;
  /** `--container`: a container's name or id prefix; starts scoped to it (with `pod`, to what matches both). */
  container?: string;
  /** `--pod`: a pod's `NAME` or `NAMESPACE/NAME`; starts scoped to its containers. */
  pod?: string;
  /** `--replay` with `--speed`: the screen replays a recording at this speed. */
  replaySpeed?: number;
}

const TOP: Selection = { index: 0, key: null };

/**
 * The state the TUI starts in, from the command line.
 *
 * The scope holds one thing: `pid`, else `container` and `pod`. What else the command line
 * narrows by joins the filter as field terms (as `port` always does), so every flag still
 * narrows, as it does the JSON document.
 */
export function initialUiState(options: InitialUiOptions): UiState {
  const scope = initialScope(options);
  const filterTerms = [
    options.filter?.trim() ?? '',
    options.port === undefined ? '' : `port:${options.port}`,
    scope?.kind === 'process' && options.container !== undefined ? `ctr:${options.container}` : '',
    scope?.kind === 'process' && options.pod !== undefined ? `pod:${options.pod}` : '',
  ].filter((term) => term !== '');
  const sort = Object.fromEntries(allPanes.map((pane) => [pane, defaultSort(pane)])) as Record<PaneId, SortState>;
  if (options.sort !== undefined) sort.connections = options.sort;
  return {
    pane: 'connections',
    sort,
    filter: { text: filterTerms.join(' '), editing: false },
    selection: Object.fromEntries(allPanes.map((pane) => [pane, TOP])) as Record<PaneId, Selection>,
    scope,
    view: { kind: 'table' },
    paused: false,
    columnChoices: Object.fromEntries(allPanes.map((pane) => [pane, {}])) as Record<PaneId, Readonly<Record<string, ColumnChoice>>>,
    processesGrouped: false,
    closedHidden: false,
    eventType: null,
    addressesShown: false,
    intervalMs: options.intervalMs,
    replaySpeed: options.replaySpeed ?? null,
    message: null,
    paneChosen: false,
  };
}

function initialScope(options: InitialUiOptions): Scope {
  if (options.pid !== undefined) return { kind: 'process', pid: options.pid };
  if (options.container === undefined && options.pod === undefined) return null;
  return { kind: 'containerQuery', container: options.container ?? null, pod: options.pod ?? null };
}

/** The next UI state after `action`; `state` itself when nothing changes. */
export function uiReducer(state: UiState, action: UiAction): UiState {
  switch (action.type) {
    case 'nextPane':
      return showPane(state, neighbourPane(state.pane, 1, action.findingsShown === true));
    case 'previousPane':
      return showPane(state, neighbourPane(state.pane, -1, action.findingsShown === true));
    case 'selectPane':
      return showPane(state, action.pane);
    case 'move':
      if (isMenu(state.view)) return moveMenuCursor(state, state.view.cursor + action.delta);
      return moveSelection(state, action.rows, (current) => current + action.delta);
    case 'page':
      if (isMenu(state.view)) return moveMenuCursor(state, state.view.cursor + action.direction * columnIds(state.pane).length);
      return moveSelection(state, action.rows, (current) => current + action.direction * Math.max(1, action.rows.pageSize));
    case 'moveToStart':
      if (isMenu(state.view)) return moveMenuCursor(state, 0);
      return moveSelection(state, action.rows, () => 0);
    case 'moveToEnd':
      if (isMenu(state.view)) return moveMenuCursor(state, columnIds(state.pane).length - 1);
      return moveSelection(state, action.rows, (_current, count) => count - 1);
    case 'sortNextColumn':
      return cycleSortColumn(state, 1);
    case 'sortPreviousColumn':
      return cycleSortColumn(state, -1);
    case 'invertSort': {
      const sort = state.sort[state.pane];
      return { ...state, sort: { ...state.sort, [state.pane]: { ...sort, descending: !sort.descending } }, paneChosen: true };
    }
    case 'openSortMenu':
      return openSortMenu(state);
    case 'openColumnMenu':
      return openColumnMenu(state);
    case 'toggleColumn':
      return toggleColumn(state, action.shownColumnIds);
    case 'toggleProcessGroups':
      return toggleProcessGroups(state);
    case 'openFilter':
      // What the user types is about the pane on screen: it stays there.
      return { ...state, view: { kind: 'table' }, filter: { ...state.filter, editing: true }, paneChosen: true };
    case 'editFilter':
      return state.filter.text === action.text ? state : { ...state, filter: { ...state.filter, text: action.text } };
    case 'keepFilter':
      return keepFilter(state);
    case 'clearFilter':
      return clearFilter(state);
    case 'enter':
      return enter(state, action.key);
    case 'enterFinding':
      return enterFinding(state, action.scope);
    case 'openFindingDetail':
      return openFindingDetail(state, action.key);
    case 'startOnFindings':
      return state.paneChosen ? state : { ...state, pane: 'findings', paneChosen: true };
    case 'back':
      return back(state);
    case 'turnHelpPage': {
      if (state.view.kind !== 'help') return state;
      const current = state.view.page ?? 0;
      const wanted = action.to === 'first' ? 0 : action.to === 'last' ? action.pageCount - 1 : current + (action.to === 'next' ? 1 : -1);
      const page = Math.min(Math.max(0, wanted), action.pageCount - 1);
      return page === current ? state : { ...state, view: { kind: 'help', page } };
    }
    case 'toggleHelp':
      return { ...state, view: state.view.kind === 'help' ? { kind: 'table' } : { kind: 'help' } };
    case 'toggleChanges':
      return { ...state, view: state.view.kind === 'changes' ? { kind: 'table' } : { kind: 'changes' } };
    case 'toggleGauges':
      return { ...state, view: state.view.kind === 'gauges' ? { kind: 'table' } : { kind: 'gauges' } };
    case 'togglePause':
      return { ...state, paused: !state.paused };
    case 'toggleClosed':
      return { ...state, closedHidden: !state.closedHidden, paneChosen: true };
    case 'toggleNames':
      return { ...state, addressesShown: !state.addressesShown };
    case 'cycleEventType': {
      if (state.pane !== 'events' || state.view.kind !== 'table') return state;
      const next = EVENT_ROW_TYPES[state.eventType === null ? 0 : EVENT_ROW_TYPES.indexOf(state.eventType) + 1] ?? null;
      return withSelection({ ...state, eventType: next }, 'events', TOP);
    }
    case 'changeInterval': {
      // A replay ticks when the recording did: its pace is the speed, not the interval.
      if (state.replaySpeed !== null) return state;
      const intervalMs = steppedInterval(state.intervalMs, action.direction);
      return intervalMs === state.intervalMs ? state : { ...state, intervalMs };
    }
    case 'stepReplay':
      return state.replaySpeed === null || state.paused ? state : { ...state, paused: true };
    case 'changeReplaySpeed': {
      if (state.replaySpeed === null) return state;
      const replaySpeed = steppedSpeed(state.replaySpeed, action.direction);
      return replaySpeed === state.replaySpeed ? state : { ...state, replaySpeed };
    }
    case 'showMessage':
      return { ...state, message: { text: action.text, tone: action.tone } };
    case 'clearMessage':
      return state.message === null ? state : { ...state, message: null };
    default: {
      const unreachable: never = action;
      return unreachable;
    }
  }
}

/** The pane `step` away on the tab line; Tab off the Findings pane, once its tab has gone, goes to the first numbered pane. */
function neighbourPane(pane: PaneId, step: 1 | -1, findingsShown: boolean): PaneId {
  const panes = findingsShown ? allPanes : paneOrder;
  const position = panes.indexOf(pane);
  if (position < 0) return panes[step === 1 ? 0 : panes.length - 1] ?? pane;
  return panes[(position + step + panes.length) % panes.length] ?? pane;
}

/** A pane switch also leaves the detail and help pages: the pane is what the user asked to see. */
function showPane(state: UiState, pane: PaneId): UiState {
  if (state.pane === pane && state.view.kind === 'table') return state;
  return { ...state, pane, view: { kind: 'table' }, paneChosen: true };
}

function moveSelection(state: UiState, rows: VisibleRows, target: (current: number, count: number) => number): UiState {
  const count = rows.keys.length;
  if (count === 0 || state.view.kind !== 'table') return state;
  const selection = state.selection[state.pane];
  const index = Math.min(Math.max(0, target(selectedPosition(rows.keys, selection.key, selection.index), count)), count - 1);
  const key = rows.keys[index] ?? null;
  if (index === selection.index && key === selection.key) return state;
  return withSelection({ ...state, paneChosen: true }, state.pane, { index, key });
}

function withSelection(state: UiState, pane: PaneId, selection: Selection): UiState {
  return { ...state, selection: { ...state.selection, [pane]: selection } };
}

/** `>` and `<` walk the pane's columns left to right, wrapping; a newly chosen column sorts in its natural direction. */
function cycleSortColumn(state: UiState, step: 1 | -1): UiState {
  const ids = columnIds(state.pane);
  const position = ids.indexOf(state.sort[state.pane].column);
  const from = position >= 0 ? position : ids.indexOf(defaultSort(state.pane).column);
  const column = ids[(from + step + ids.length) % ids.length];
  if (column === undefined) return state;
  return { ...state, sort: { ...state.sort, [state.pane]: sortBy(state.pane, column) }, paneChosen: true };
}

/** The menu opens over the table of the pane on screen (only there: it lists that table's columns), its cursor on the sort column. */
function openSortMenu(state: UiState): UiState {
  if (state.view.kind === 'sortMenu') return { ...state, view: { kind: 'table' } };
  if (state.view.kind !== 'table' || state.filter.editing) return state;
  const cursor = Math.max(0, columnIds(state.pane).indexOf(state.sort[state.pane].column));
  return { ...state, view: { kind: 'sortMenu', cursor }, paneChosen: true };
}

type MenuView = Extract<UiState['view'], { kind: 'sortMenu' | 'columnMenu' }>;

/** The sort menu and the column chooser list the pane's columns and move their cursor alike. */
function isMenu(view: UiState['view']): view is MenuView {
  return view.kind === 'sortMenu' || view.kind === 'columnMenu';
}

/** The menu's cursor at `wanted`, held to the pane's columns (no wrapping: the ends are where a list stops). */
function moveMenuCursor(state: UiState, wanted: number): UiState {
  if (!isMenu(state.view)) return state;
  const cursor = Math.min(Math.max(0, wanted), columnIds(state.pane).length - 1);
  return cursor === state.view.cursor ? state : { ...state, view: { kind: state.view.kind, cursor } };
}

/** The chooser opens over the table of the pane on screen, its cursor on the first column. */
function openColumnMenu(state: UiState): UiState {
  if (state.view.kind === 'columnMenu') return { ...state, view: { kind: 'table' } };
  if (state.view.kind !== 'table' || state.filter.editing) return state;
  return { ...state, view: { kind: 'columnMenu', cursor: 0 }, paneChosen: true };
}

/** The column under the chooser's cursor off when on screen, on when not; the last column on screen stays. */
function toggleColumn(state: UiState, shownColumnIds: readonly string[]): UiState {
  if (state.view.kind !== 'columnMenu') return state;
  const columnId = columnIds(state.pane)[state.view.cursor];
  if (columnId === undefined) return state;
  const choice = toggledChoice(columnId, shownColumnIds);
  if (choice === null) return { ...state, message: { text: 'the last column on screen stays: turn another on first', tone: 'info' } };
  const choices = { ...state.columnChoices[state.pane], [columnId]: choice };
  return { ...state, columnChoices: { ...state.columnChoices, [state.pane]: choices } };
}

/** `H` on the Processes pane (the only one with pids to group); elsewhere a hint where it works. */
function toggleProcessGroups(state: UiState): UiState {
  if (state.pane !== 'processes' || state.view.kind !== 'table') return { ...state, message: { text: 'H groups the Processes pane (2) by name', tone: 'info' } };
  // The selection was a pid or a group: it names no row of the other listing.
  return withSelection({ ...state, processesGrouped: !state.processesGrouped, paneChosen: true }, 'processes', TOP);
}

/** Enter in the sort menu: the pane sorts by the column under the cursor, in its natural direction, and the table shows again. */
function sortByMenuCursor(state: UiState, cursor: number): UiState {
  const column = columnIds(state.pane)[cursor];
  if (column === undefined) return { ...state, view: { kind: 'table' } };
  return { ...state, sort: { ...state.sort, [state.pane]: sortBy(state.pane, column) }, view: { kind: 'table' } };
}

function keepFilter(state: UiState): UiState {
  const text = state.filter.text.trim();
  return { ...state, filter: { text, editing: false } };
}

function clearFilter(state: UiState): UiState {
  if (state.filter.text === '' && !state.filter.editing) return state;
  return { ...state, filter: { text: '', editing: false } };
}

/** Scoping starts the connections pane from its top: the old selection belongs to another scope. */
function scopeTo(state: UiState, scope: NonNullable<UiState['scope']>): UiState {
  return withSelection({ ...state, scope, pane: 'connections', view: { kind: 'table' }, paneChosen: true }, 'connections', TOP);
}

function enter(state: UiState, key: string | null): UiState {
  // Enter in the filter prompt keeps the filter, whoever sends it.
  if (state.filter.editing) return keepFilter(state);
  if (state.view.kind === 'sortMenu') return sortByMenuCursor(state, state.view.cursor);
  if (key === null || state.view.kind !== 'table') return state;
  switch (state.pane) {
    case 'connections':
      return openDetail(state, connectionIdFromKey(key));
    case 'processes': {
      const name = processNameFromKey(key);
      if (name !== null) return scopeTo(state, { kind: 'processName', ...name });
      const pid = pidFromProcessKey(key);
      return pid === null ? state : scopeTo(state, { kind: 'process', pid });
    }
    case 'containers': {
      const id = containerIdFromKey(key);
      return id === null ? state : scopeTo(state, { kind: 'container', id });
    }
    case 'peers':
      return scopeTo(state, peerScopeFromKey(key));
    case 'listeners': {
      const id = listenerIdFromKey(key);
      return id === null ? state : scopeTo(state, { kind: 'listener', id });
    }
    case 'events': {
      const connectionId = connectionIdFromEventKey(key);
      if (connectionId === null) return { ...state, message: { text: 'this event has no socket to open', tone: 'info' } };
      return openDetail(state, connectionId);
    }
    case 'findings':
      // A finding's evidence is not in its key: Enter on it arrives as enterFinding.
      return state;
  }
}

/** Enter on a finding: its evidence on the Connections pane; Enter again on it, its page. */
function enterFinding(state: UiState, scope: FindingScope): UiState {
  if (state.view.kind !== 'table') return state;
  if (state.scope?.kind === 'finding' && state.scope.id === scope.id) return { ...state, view: { kind: 'finding', findingId: scope.id } };
  return scopeTo(state, scope);
}

/** `d` on the Findings pane opens the selected finding; anywhere else, the finding in scope. */
function openFindingDetail(state: UiState, key: string | null): UiState {
  if (state.view.kind !== 'table' || state.filter.editing) return state;
  const findingId = state.pane === 'findings' ? key : state.scope?.kind === 'finding' ? state.scope.id : null;
  if (findingId === null) {
    const text = state.pane === 'findings' ? 'no finding to show' : `d shows a finding: select one on the Findings pane (${FINDINGS_PANE_KEY})`;
    return { ...state, message: { text, tone: 'info' } };
  }
  return { ...state, view: { kind: 'finding', findingId } };
}

function openDetail(state: UiState, connectionId: number | null): UiState {
  return connectionId === null ? state : { ...state, view: { kind: 'detail', connectionId }, paneChosen: true };
}

/** Esc and Backspace undo the most recent thing first: a page, then the prompt, then the scope, then the filter. */
function back(state: UiState): UiState {
  if (state.view.kind !== 'table') return { ...state, view: { kind: 'table' } };
  if (state.filter.editing) return clearFilter(state);
  if (state.scope !== null) return { ...state, scope: null };
  return clearFilter(state);
}

/** Double or half `speed`; unchanged past either end. */
function steppedSpeed(speed: number, direction: 1 | -1): number {
  const next = direction === 1 ? speed * 2 : speed / 2;
  return next < SLOWEST_REPLAY_SPEED || next > FASTEST_REPLAY_SPEED ? speed : next;
}

/** The next step up or down from `intervalMs`; unchanged past either end. */
function steppedInterval(intervalMs: number, direction: 1 | -1): number {
  const next = direction === 1 ? INTERVAL_STEPS_MS.find((step) => step > intervalMs) : INTERVAL_STEPS_MS.findLast((step) => step < intervalMs);
  return next ?? intervalMs;
}
