/**
 * What the selectors hand the Ink components: display strings, already sorted, filtered,
 * scoped, width-fitted and sliced to the visible rows. Components never sort, filter or format.
 */
import type { FindingScope, PaneId, VisibleRows } from './ui-state.js';

export type Align = 'left' | 'right';

/** Colour intent of a cell or row; the components map it to a colour (or none under NO_COLOR). */
export type Tone = 'normal' | 'dim' | 'good' | 'warn' | 'bad' | 'accent';

export interface VisibleColumn {
  id: string;
  header: string;
  /** Characters, already fitted to the terminal width (sum of widths + one space between ≤ width). */
  width: number;
  align: Align;
  /** '▲' or '▼' on the sorted column, '' elsewhere. */
  sortMark: '' | '▲' | '▼';
}

export interface TableRowView {
  /** Stable key (connection cookie, pid, peer address, listener cookie, event sequence). */
  key: string;
  /** One string per visible column, already truncated to the column width (never wraps). */
  cells: string[];
  tone: Tone;
  selected: boolean;
  /** Changed since the baseline: `+` appeared, `~` moved, ' ' neither; null without a baseline. */
  mark: '+' | '~' | ' ' | null;
}

export interface TableView {
  pane: PaneId;
  columns: VisibleColumn[];
  /** Only the rows that fit the window, in display order. */
  rows: TableRowView[];
  /** Rows after filter and scope, before slicing. */
  matchingRows: number;
  /** Rows before filter and scope. */
  totalRows: number;
  /** Index of the first visible row among the matching rows. */
  firstRowIndex: number;
  /** The sort, named whether or not its column fits: `sort RTT▼`. */
  sortLabel: string;
  /** With a baseline: each row starts with its change mark in a gutter (CHANGE_GUTTER_WIDTH). */
  marked: boolean;
}

/** The change mark and a space before a marked table's first column. */
export const CHANGE_GUTTER_WIDTH = 2;

export interface HeaderView {
  /**
   * e.g. `netscope · vm · up 3m12s · ebpf · every 1s`; a replay says `replay` and the recorded time of
   * day at its position (`up 1m12s · at 09:14:07 · replay`), and no interval.
   */
  title: string;
  /** e.g. `1,204 conns: 812 ESTAB 3 SYN_SENT 389 TIME_WAIT …` */
  states: string;
  /** e.g. `↑ 12.4 MiB/s ↓ 3.1 MiB/s` */
  rates: string;
  /** Sparkline of the last minute of total (send + receive) rate, fitted to `sparklineWidth`. */
  sparkline: string;
  /** e.g. `retrans 3/s · drops 0/s · resets 1/s · lost 0` with its tone (bad when lost > 0). */
  health: string;
  healthTone: Tone;
  /**
   * Open findings and the worst severity, `findings 3 ▲critical`, before the health counters on
   * their line, in the worst severity's tone; null while none is open.
   */
  findings: string | null;
  findingsTone: Tone;
  /** e.g. `gauges: ports 91% 10.0.0.7:443 curl · TIME_WAIT 1,204 · CLOSE_WAIT 3 …`, toned by the worst level; null before the first read. */
  gauges: { text: string; tone: Tone } | null;
  /** e.g. `probes off: kfree_skb (unsupported)`; null when all are attached. */
  probesOff: string | null;
  /** e.g. `scope: process 4242 (nginx)`; null when unscoped. */
  scope: string | null;
  /** Replaying: e.g. `replay 1m12s / 10m00s ━━━━━━────────── ×2`; null in a live capture. */
  replay: string | null;
  paused: boolean;
}

export interface DetailView {
  title: string;
  /** Label/value pairs in display order (endpoints, owner, command line, bytes, rtt…). */
  fields: { label: string; value: string; tone: Tone }[];
  /** State timeline lines, oldest first: `ESTABLISHED   12:03:04.120   3m12s`. */
  timeline: string[];
  /** Send and receive rate sparklines since the page opened (or empty). */
  sendSparkline: string;
  receiveSparkline: string;
  /** `NETFILTER_DROP ×3`, … */
  drops: string[];
  /** The findings whose evidence holds this connection, worst first: `▲critical loss · curl loses…`. */
  findings: { text: string; tone: Tone }[];
  /** Its last problem events, oldest first: `09:14:07.120  drop NETFILTER_DROP`, `… reset received`. */
  problemTrail: string[];
  /** The counters behind the flow-limit verdict (windows, queues, busy time); empty while unknown. */
  limitCounters: string[];
  /** False when the connection is gone from the model (evicted): the page says so. */
  present: boolean;
}

/** The whole text of one finding; long values come as several lines, wrapped to the width. */
export interface FindingDetailView {
  /** `▲critical · loss · open`, in the finding's tone. */
  title: string;
  titleTone: Tone;
  /** Labelled groups in display order (Summary, Next step, Since, Counters, Reasons, Evidence…). */
  groups: { label: string; lines: string[]; tone: Tone }[];
  /** False when the finding is no longer listed: the page shows what it last said. */
  present: boolean;
}

export interface FooterView {
  /** The key hints line, fitted to the width. */
  keys: string;
  /** `/ nginx▏` while typing, `filter: nginx` when kept, null when none. */
  filter: string | null;
  /** A transient message (saved path, errors), null when none. */
  message: { text: string; tone: Tone } | null;
}

/** The Changes page: its title and one item a line, under group labels (`listeners`, `moved`…). */
export interface ChangesView {
  title: string;
  lines: { label: string; text: string; tone: Tone }[];
}

/** One line of the help: an entry's keys (empty on the lines its description wraps onto) and its text. */
export interface HelpLine {
  keys: string;
  action: string;
}

/** The gauges page (`L`): every gauge against its limit, then each namespace's counts, then the host's TCP limits. */
export interface GaugesView {
  /** e.g. `Gauges against their limits · read 12:03:04 · …` */
  title: string;
  /** Already fitted to the width; the component cuts what does not fit the height. */
  lines: { text: string; tone: Tone }[];
}

/** The sort menu (`o`, F6): the pane's columns, one a line, as many as fit around the cursor. */
export interface SortMenuView {
  /** e.g. `Sort Connections by · ↑↓ move · Enter sort · Esc close` */
  title: string;
  /** The shown window of the pane's columns, left to right as the table has them. */
  lines: SortMenuLine[];
  /** Columns the pane has, shown or not. */
  columnCount: number;
}

/** One column in the sort menu. */
export interface SortMenuLine {
  /** e.g. `  RATE          ▼ sorted` or `> RETRANS`, already fitted to the width. */
  text: string;
  /** The cursor is on it: Enter sorts by it. */
  selected: boolean;
  /** The pane sorts by it now. */
  current: boolean;
}

export interface HelpView {
  /** Every entry, [keys, what they do], whichever page shows it. */
  entries: readonly (readonly [string, string])[];
  /** `Keys (Esc or ? to close)`, with the page and how to turn it when there is more than one. */
  title: string;
  /** This page's side-by-side columns of lines, each line already fitted to its column. */
  columns: HelpLine[][];
  /** Cells the keys take in each column, their gap included. */
  keysWidth: number;
  /** Cells of each column. */
  columnWidth: number;
  /** The page shown, from 0 (the state's page, clamped to the pages there are). */
  page: number;
  pageCount: number;
}

/** Everything one frame shows. */
export interface ScreenView {
  width: number;
  height: number;
  /** Set when the terminal is below the minimum (60×15): the frame shows only this line. */
  tooSmall: string | null;
  header: HeaderView;
  tabs: { pane: PaneId; label: string; active: boolean }[];
  /** After the tabs: the active table's sort (`sort RTT▼`), null on the detail and help pages. */
  sortLabel: string | null;
  body:
    | { kind: 'table'; table: TableView }
    | { kind: 'detail'; detail: DetailView }
    | { kind: 'finding'; finding: FindingDetailView }
    | { kind: 'help'; help: HelpView }
    | { kind: 'changes'; changes: ChangesView }
    | { kind: 'gauges'; gauges: GaugesView }
    | { kind: 'sortMenu'; sortMenu: SortMenuView }
    /** The column chooser (`C`, F2), a menu like the sort menu's. */
    | { kind: 'columnMenu'; columnMenu: SortMenuView };
  footer: FooterView;
  /** The current pane's matching rows, for movement and Enter (empty on detail and help). */
  navigation: VisibleRows;
  /** Key of the selected row, null when the pane is empty. */
  selectedKey: string | null;
  /** On the Findings pane, the selected finding as the scope Enter gives; null elsewhere. */
  selectedFinding: FindingScope | null;
  /**
   * The tab line shows Findings (Tab and Shift-Tab walk it too): an open finding passes the
   * filter and scope, or the pane is on screen. The first time, the view goes there.
   */
  findingsShown: boolean;
  /** Pages of the help while it shows (for the keys that turn them), null otherwise. */
  helpPageCount: number | null;
  /** While the column chooser shows, the columns its table shows at this width; null otherwise. */
  shownColumnIds: readonly string[] | null;
}
