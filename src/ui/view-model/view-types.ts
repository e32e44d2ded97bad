/**
 * What the selectors hand the Ink components: display strings, already sorted, filtered,
 * scoped, width-fitted and sliced to the visible rows. Components never sort, filter or format.
 */
import type { PaneId, VisibleRows } from './ui-state.js';

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
}

export interface HeaderView {
  /** e.g. `netscope · vm · up 3m12s · ebpf · every 1s`; a replay says `replay`, and no interval. */
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
  /** The counters behind the flow-limit verdict (windows, queues, busy time); empty while unknown. */
  limitCounters: string[];
  /** False when the connection is gone from the model (evicted): the page says so. */
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

export interface HelpView {
  /** Rows of [keys, what they do]. */
  entries: [string, string][];
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
  body: { kind: 'table'; table: TableView } | { kind: 'detail'; detail: DetailView } | { kind: 'help'; help: HelpView };
  footer: FooterView;
  /** The current pane's matching rows, for movement and Enter (empty on detail and help). */
  navigation: VisibleRows;
  /** Key of the selected row, null when the pane is empty. */
  selectedKey: string | null;
}
