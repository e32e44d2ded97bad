/**
 * UI-only state (pane, sort, filter, selection, scope, view, pause, interval, replay speed) and the actions
 * that change it. The reducer lives in ui-reducer.ts; everything here is data.
 */
import type { EventRowType } from './event-rows.js';

export type PaneId = 'findings' | 'connections' | 'processes' | 'containers' | 'peers' | 'listeners' | 'events';

/**
 * Tab order of the numbered panes; number keys 1–6 select by this order. Containers sit next to
 * Processes: from a connection outwards through who owns it (process, then container), then the
 * far side. Findings is not numbered: it goes before them on the tab line, under its own key.
 */
export const paneOrder: readonly PaneId[] = ['connections', 'processes', 'containers', 'peers', 'listeners', 'events'];

/**
 * The key of the Findings pane. Not `0`: the numbers stay the six panes they always were, and `!`
 * reads as the alert it leads to; it is free outside the `/` prompt (where it negates a word,
 * and the prompt takes every typed character first).
 */
export const FINDINGS_PANE_KEY = '!';

/** Every pane, Findings first, as the tab line shows them while it shows Findings. */
export const allPanes: readonly PaneId[] = ['findings', ...paneOrder];

export interface SortState {
  /** A column id of the pane (see columns.ts). */
  column: string;
  descending: boolean;
}

/**
 * Enter on a process, a container, a peer or a listener scopes every pane to it; `--pid`, `--container` and
 * `--pod` start scoped. Esc leaves the scope.
 */
export type Scope =
  | { kind: 'process'; pid: number }
  /**
   * Enter on a grouped Processes row (`H`): every process of that name in that container (full id;
   * null on the host), those that start later included.
   */
  | { kind: 'processName'; comm: string; containerId: string | null }
  | { kind: 'peer'; address: string }
  /**
   * Enter on a Peers row that groups the addresses behind one name: the connections whose peer
   * carries that name, whichever address (a Service's endpoints, a CDN's edges).
   */
  | { kind: 'peerName'; name: string }
  /**
   * Enter on a Listeners row: the connections that listening socket (by its cookie) accepted, found
   * by its local port and network namespace. Nothing matches once the listener is gone.
   */
  | { kind: 'listener'; id: number }
  /** Enter on a Containers row: that container alone, by its full id. */
  | { kind: 'container'; id: string }
  /**
   * `--container` / `--pod`, matched as the JSON document's scope matches them: a container's name
   * or id prefix, a pod's name or `namespace/name`; null matches any. It may match nothing yet.
   */
  | { kind: 'containerQuery'; container: string | null; pod: string | null }
  | FindingScope
  | null;

/**
 * Enter on a Findings row: every pane narrows to the finding's evidence — its connections and
 * listeners by socket cookie, the processes, containers and peers of those connections, and the
 * events of those connections or of its process with its peer. The ids are the evidence as it was
 * at Enter; while the finding is still listed, the view follows its current evidence instead
 * (finding-scope.ts), so a fault that goes on keeps its new connections in scope.
 */
export interface FindingScope {
  kind: 'finding';
  /** The finding's id (stable across ticks and replays). */
  id: string;
  /** Its one-sentence summary, which the scope line names it by. */
  summary: string;
  /** Socket cookies of its evidence connections. */
  connectionIds: readonly number[];
  /** Socket cookies of its evidence listeners. */
  listenerIds: readonly number[];
  /** The culprit process; null when not known. */
  pid: number | null;
  /** The peer it is about; null when about a local listener alone. */
  peerAddress: string | null;
}

export type View =
  | { kind: 'table' }
  | { kind: 'detail'; connectionId: number }
  /** The whole text of one finding, by id (`d`, or Enter on the finding already in scope). */
  | { kind: 'finding'; findingId: string }
  /** The help; its `page` (from 0, default 0) is turned by the movement keys. */
  | { kind: 'help'; page?: number }
  /** What changed since the baseline (`B`). */
  | { kind: 'changes' }
  /** The host gauges against their limits (`L`). */
  | { kind: 'gauges' }
  /** The sort menu (`o`, F6): the pane's columns, `cursor` (from 0) on the one Enter sorts by. */
  | { kind: 'sortMenu'; cursor: number }
  /** The column chooser (`C`, F2): the pane's columns, `cursor` (from 0) on the one Enter or Space turns on or off. */
  | { kind: 'columnMenu'; cursor: number };

/** Selection follows the row's key across ticks; the index is the fallback when the row is gone. */
export interface Selection {
  index: number;
  key: string | null;
}

/**
 * What the user chose for a column in the column chooser: `shown` puts it on screen ahead of every
 * column left to the width (it outranks them all), `hidden` keeps it off at every width. A column
 * without a choice shows while the width has room for it, by its priority.
 */
export type ColumnChoice = 'shown' | 'hidden';

export interface UiState {
  pane: PaneId;
  sort: Record<PaneId, SortState>;
  /** Per pane, by column id, what the column chooser set; kept for the session (never written to disk). */
  columnChoices: Record<PaneId, Readonly<Record<string, ColumnChoice>>>;
  /** `H` on the Processes pane: one row per process name and container, summing its pids, rather than one per pid. */
  processesGrouped: boolean;
  /** The fuzzy filter text (with field prefixes); `editing` while the `/` prompt is open. */
  filter: { text: string; editing: boolean };
  selection: Record<PaneId, Selection>;
  scope: Scope;
  view: View;
  /** The view is frozen; ingest goes on. */
  paused: boolean;
  /** `t`: closed and TIME_WAIT connections are left out of the Connections pane (the header still counts them). */
  closedHidden: boolean;
  /**
   * `e` in the Events pane: only events of this type (as `--events` names them), null for all. One
   * storm of refused connects then cannot hide the lossy flow's retransmits.
   */
  eventType: EventRowType | null;
  /** `n` (as in iftop): remote endpoints show their addresses, not their peer names. Default false. */
  addressesShown: boolean;
  /** Tick interval, ms (changed by + and -). */
  intervalMs: number;
  /** Replaying a recording: its playback speed (changed by [ and ]); null in a live capture. */
  replaySpeed: number | null;
  /** A transient line in the footer (saved snapshot path, errors). */
  message: { text: string; tone: 'info' | 'error' } | null;
  /**
   * The user has picked a pane or started work in one (a pane key, Tab, Enter, movement, a
   * sort, `/`, `t`) or the view has already gone to Findings once: from then on a finding that
   * opens no longer moves the view.
   */
  paneChosen: boolean;
}

/** The rows of the current pane as the user sees them, which movement and Enter act on. */
export interface VisibleRows {
  /** Keys of the matching rows (filtered, scoped, sorted), all of them, not only the window. */
  keys: readonly string[];
  /** Rows that fit in the window (for PgUp/PgDn). */
  pageSize: number;
}

/**
 * Tab and Shift-Tab walk the panes on the tab line: `findingsShown` is set while it shows
 * Findings (any finding open, or the pane on screen); absent, they walk the six numbered panes.
 */
type PaneStep = { findingsShown?: true };

export type UiAction =
  | ({ type: 'nextPane' } & PaneStep)
  | ({ type: 'previousPane' } & PaneStep)
  | { type: 'selectPane'; pane: PaneId }
  | { type: 'move'; delta: number; rows: VisibleRows }
  | { type: 'page'; direction: 1 | -1; rows: VisibleRows }
  | { type: 'moveToStart'; rows: VisibleRows }
  | { type: 'moveToEnd'; rows: VisibleRows }
  | { type: 'sortNextColumn' }
  | { type: 'sortPreviousColumn' }
  | { type: 'invertSort' }
  /** `o` / F6: the sort menu of the pane on screen, its cursor on the current sort column; again, it closes. */
  | { type: 'openSortMenu' }
  /** `C` / F2: the column chooser of the pane on screen; again, it closes. */
  | { type: 'openColumnMenu' }
  /**
   * Enter or Space in the column chooser: the column under the cursor goes off if it is on screen,
   * on (ahead of the others) if it is not. `shownColumnIds` are the columns the table shows now.
   */
  | { type: 'toggleColumn'; shownColumnIds: readonly string[] }
  /** `H`: the Processes pane groups its rows by process name and container, or lists them per pid again. */
  | { type: 'toggleProcessGroups' }
  | { type: 'openFilter' }
  | { type: 'editFilter'; text: string }
  | { type: 'keepFilter' }
  | { type: 'clearFilter' }
  /** Enter on the selected row (its key): detail for a connection, scope for a process/container/peer. */
  | { type: 'enter'; key: string | null }
  /**
   * Enter on a Findings row, carrying its evidence (the reducer never reads the model): scopes
   * every pane to it and shows its connections; on the finding already in scope, opens its page.
   */
  | { type: 'enterFinding'; scope: FindingScope }
  /** `d`: the page of the selected finding (Findings pane) or of the finding in scope; `key` is the selected row's. */
  | { type: 'openFindingDetail'; key: string | null }
  /** A finding is open: the view goes to Findings, unless the user has already picked a pane. */
  | { type: 'startOnFindings' }
  /** Esc / Backspace: close help or detail, else the filter prompt, else the scope, else the filter. */
  | { type: 'back' }
  | { type: 'toggleHelp' }
  /** `B`: the Changes page (what changed since the baseline) and back. */
  | { type: 'toggleChanges' }
  /** On the help page, ↓ PgDn / ↑ PgUp / Home End turn its `pageCount` pages. */
  | { type: 'turnHelpPage'; to: 'next' | 'previous' | 'first' | 'last'; pageCount: number }
  | { type: 'toggleGauges' }
  | { type: 'togglePause' }
  | { type: 'toggleClosed' }
  /** `e`: the Events pane shows the next event type, then all again. */
  | { type: 'cycleEventType' }
  | { type: 'toggleNames' }
  | { type: 'changeInterval'; direction: 1 | -1 }
  /** `.` / `,`: one recorded tick forward or back, which pauses the replay (the store moves it). */
  | { type: 'stepReplay'; direction: 1 | -1 }
  /** `]` doubles the replay speed, `[` halves it. */
  | { type: 'changeReplaySpeed'; direction: 1 | -1 }
  | { type: 'showMessage'; text: string; tone: 'info' | 'error' }
  | { type: 'clearMessage' };
