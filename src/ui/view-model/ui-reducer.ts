/**
 * The one reducer of UI-only state: pane, sort, filter, selection, scope, view, pause, interval
 * and replay speed. Pure; an action that changes nothing returns the same state object, so
 * React skips the render.
 */
import type { PaneId, Scope, Selection, SortState, UiAction, UiState, VisibleRows } from './ui-state.js';
import { paneOrder } from './ui-state.js';
import { columnIds, defaultSort, sortBy } from './columns.js';
import { connectionIdFromEventKey, connectionIdFromKey, containerIdFromKey, pidFromListenerKey, pidFromProcessKey } from './row-keys.js';
import { selectedPosition } from './selection.js';

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
  const sort = Object.fromEntries(paneOrder.map((pane) => [pane, defaultSort(pane)])) as Record<PaneId, SortState>;
  if (options.sort !== undefined) sort.connections = options.sort;
  return {
    pane: 'connections',
    sort,
    filter: { text: filterTerms.join(' '), editing: false },
    selection: Object.fromEntries(paneOrder.map((pane) => [pane, TOP])) as Record<PaneId, Selection>,
    scope,
    view: { kind: 'table' },
    paused: false,
    closedHidden: false,
    addressesShown: false,
    intervalMs: options.intervalMs,
    replaySpeed: options.replaySpeed ?? null,
    message: null,
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
      return showPane(state, neighbourPane(state.pane, 1));
    case 'previousPane':
      return showPane(state, neighbourPane(state.pane, -1));
    case 'selectPane':
      return showPane(state, action.pane);
    case 'move':
      return moveSelection(state, action.rows, (current) => current + action.delta);
    case 'page':
      return moveSelection(state, action.rows, (current) => current + action.direction * Math.max(1, action.rows.pageSize));
    case 'moveToStart':
      return moveSelection(state, action.rows, () => 0);
    case 'moveToEnd':
      return moveSelection(state, action.rows, (_current, count) => count - 1);
    case 'sortNextColumn':
      return cycleSortColumn(state, 1);
    case 'sortPreviousColumn':
      return cycleSortColumn(state, -1);
    case 'invertSort': {
      const sort = state.sort[state.pane];
      return { ...state, sort: { ...state.sort, [state.pane]: { ...sort, descending: !sort.descending } } };
    }
    case 'openFilter':
      return { ...state, view: { kind: 'table' }, filter: { ...state.filter, editing: true } };
    case 'editFilter':
      return state.filter.text === action.text ? state : { ...state, filter: { ...state.filter, text: action.text } };
    case 'keepFilter':
      return keepFilter(state);
    case 'clearFilter':
      return clearFilter(state);
    case 'enter':
      return enter(state, action.key);
    case 'back':
      return back(state);
    case 'toggleHelp':
      return { ...state, view: state.view.kind === 'help' ? { kind: 'table' } : { kind: 'help' } };
    case 'toggleChanges':
      return { ...state, view: state.view.kind === 'changes' ? { kind: 'table' } : { kind: 'changes' } };
    case 'togglePause':
      return { ...state, paused: !state.paused };
    case 'toggleClosed':
      return { ...state, closedHidden: !state.closedHidden };
    case 'toggleNames':
      return { ...state, addressesShown: !state.addressesShown };
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

function neighbourPane(pane: PaneId, step: 1 | -1): PaneId {
  const position = paneOrder.indexOf(pane);
  return paneOrder[(position + step + paneOrder.length) % paneOrder.length] ?? pane;
}

/** A pane switch also leaves the detail and help pages: the pane is what the user asked to see. */
function showPane(state: UiState, pane: PaneId): UiState {
  if (state.pane === pane && state.view.kind === 'table') return state;
  return { ...state, pane, view: { kind: 'table' } };
}

function moveSelection(state: UiState, rows: VisibleRows, target: (current: number, count: number) => number): UiState {
  const count = rows.keys.length;
  if (count === 0 || state.view.kind !== 'table') return state;
  const selection = state.selection[state.pane];
  const index = Math.min(Math.max(0, target(selectedPosition(rows.keys, selection.key, selection.index), count)), count - 1);
  const key = rows.keys[index] ?? null;
  if (index === selection.index && key === selection.key) return state;
  return withSelection(state, state.pane, { index, key });
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
  return { ...state, sort: { ...state.sort, [state.pane]: sortBy(state.pane, column) } };
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
  return withSelection({ ...state, scope, pane: 'connections', view: { kind: 'table' } }, 'connections', TOP);
}

function enter(state: UiState, key: string | null): UiState {
  // Enter in the filter prompt keeps the filter, whoever sends it.
  if (state.filter.editing) return keepFilter(state);
  if (key === null || state.view.kind !== 'table') return state;
  switch (state.pane) {
    case 'connections':
      return openDetail(state, connectionIdFromKey(key));
    case 'processes': {
      const pid = pidFromProcessKey(key);
      return pid === null ? state : scopeTo(state, { kind: 'process', pid });
    }
    case 'containers': {
      const id = containerIdFromKey(key);
      return id === null ? state : scopeTo(state, { kind: 'container', id });
    }
    case 'peers':
      return scopeTo(state, { kind: 'peer', address: key });
    case 'listeners': {
      const pid = pidFromListenerKey(key);
      if (pid === null) return { ...state, message: { text: 'the process behind this listener is not known', tone: 'info' } };
      return scopeTo(state, { kind: 'process', pid });
    }
    case 'events': {
      const connectionId = connectionIdFromEventKey(key);
      if (connectionId === null) return { ...state, message: { text: 'this event has no socket to open', tone: 'info' } };
      return openDetail(state, connectionId);
    }
  }
}

function openDetail(state: UiState, connectionId: number | null): UiState {
  return connectionId === null ? state : { ...state, view: { kind: 'detail', connectionId } };
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
