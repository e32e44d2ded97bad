/**
 * UI-only state (pane, sort, filter, selection, scope, view, pause, interval, replay speed) and the actions
 * that change it. The reducer lives in ui-reducer.ts; everything here is data.
 */

export type PaneId = 'connections' | 'processes' | 'containers' | 'peers' | 'listeners' | 'events';

/**
 * Tab order; number keys 1–6 select by this order. Containers sit next to Processes: from a
 * connection outwards through who owns it (process, then container), then the far side.
 */
export const paneOrder: readonly PaneId[] = ['connections', 'processes', 'containers', 'peers', 'listeners', 'events'];

export interface SortState {
  /** A column id of the pane (see columns.ts). */
  column: string;
  descending: boolean;
}

/**
 * Enter on a process, a container or a peer scopes every pane to it; `--pid`, `--container` and
 * `--pod` start scoped. Esc leaves the scope.
 */
export type Scope =
  | { kind: 'process'; pid: number }
  | { kind: 'peer'; address: string }
  /** Enter on a Containers row: that container alone, by its full id. */
  | { kind: 'container'; id: string }
  /**
   * `--container` / `--pod`, matched as the JSON document's scope matches them: a container's name
   * or id prefix, a pod's name or `namespace/name`; null matches any. It may match nothing yet.
   */
  | { kind: 'containerQuery'; container: string | null; pod: string | null }
  | null;

export type View = { kind: 'table' } | { kind: 'detail'; connectionId: number } | { kind: 'help' } | { kind: 'changes' };

/** Selection follows the row's key across ticks; the index is the fallback when the row is gone. */
export interface Selection {
  index: number;
  key: string | null;
}

export interface UiState {
  pane: PaneId;
  sort: Record<PaneId, SortState>;
  /** The fuzzy filter text (with field prefixes); `editing` while the `/` prompt is open. */
  filter: { text: string; editing: boolean };
  selection: Record<PaneId, Selection>;
  scope: Scope;
  view: View;
  /** The view is frozen; ingest goes on. */
  paused: boolean;
  /** `t`: closed and TIME_WAIT connections are left out of the Connections pane (the header still counts them). */
  closedHidden: boolean;
  /** `n` (as in iftop): remote endpoints show their addresses, not their peer names. Default false. */
  addressesShown: boolean;
  /** Tick interval, ms (changed by + and -). */
  intervalMs: number;
  /** Replaying a recording: its playback speed (changed by [ and ]); null in a live capture. */
  replaySpeed: number | null;
  /** A transient line in the footer (saved snapshot path, errors). */
  message: { text: string; tone: 'info' | 'error' } | null;
}

/** The rows of the current pane as the user sees them, which movement and Enter act on. */
export interface VisibleRows {
  /** Keys of the matching rows (filtered, scoped, sorted), all of them, not only the window. */
  keys: readonly string[];
  /** Rows that fit in the window (for PgUp/PgDn). */
  pageSize: number;
}

export type UiAction =
  | { type: 'nextPane' }
  | { type: 'previousPane' }
  | { type: 'selectPane'; pane: PaneId }
  | { type: 'move'; delta: number; rows: VisibleRows }
  | { type: 'page'; direction: 1 | -1; rows: VisibleRows }
  | { type: 'moveToStart'; rows: VisibleRows }
  | { type: 'moveToEnd'; rows: VisibleRows }
  | { type: 'sortNextColumn' }
  | { type: 'sortPreviousColumn' }
  | { type: 'invertSort' }
  | { type: 'openFilter' }
  | { type: 'editFilter'; text: string }
  | { type: 'keepFilter' }
  | { type: 'clearFilter' }
  /** Enter on the selected row (its key): detail for a connection, scope for a process/container/peer. */
  | { type: 'enter'; key: string | null }
  /** Esc / Backspace: close help or detail, else the filter prompt, else the scope, else the filter. */
  | { type: 'back' }
  | { type: 'toggleHelp' }
  /** `B`: the Changes page (what changed since the baseline) and back. */
  | { type: 'toggleChanges' }
  | { type: 'togglePause' }
  | { type: 'toggleClosed' }
  | { type: 'toggleNames' }
  | { type: 'changeInterval'; direction: 1 | -1 }
  /** `.` / `,`: one recorded tick forward or back, which pauses the replay (the store moves it). */
  | { type: 'stepReplay'; direction: 1 | -1 }
  /** `]` doubles the replay speed, `[` halves it. */
  | { type: 'changeReplaySpeed'; direction: 1 | -1 }
  | { type: 'showMessage'; text: string; tone: 'info' | 'error' }
  | { type: 'clearMessage' };
