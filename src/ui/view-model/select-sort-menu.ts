/**
 * The sort menu (`o`, F6), as htop's F6 lists its columns: every column of the pane on screen,
 * hidden at this width or not, the current sort marked with its direction and the cursor on the
 * one Enter sorts by. Sixteen columns do not fit 80×24 under the header, so the list shows the
 * window around the cursor and says how many lie above and below.
 */
import type { PaneId, SortState } from './ui-state.js';
import type { SortMenuLine, SortMenuView } from './view-types.js';
import { paneColumns } from './columns.js';
import { paneName } from './select-tabs.js';
import { truncate } from './format.js';

const CURSOR_MARK = '> ';
const NO_CURSOR_MARK = '  ';
/** Lines the title and the "more above/below" line take. */
const TITLE_LINES = 1;
const MORE_LINES = 1;

/** The menu of `pane`'s columns with `cursor` (clamped) on one, in `width` × `lines` cells (the title included). */
export function selectSortMenu(pane: PaneId, sort: SortState, cursor: number, width: number, lines: number): SortMenuView {
  const columns = paneColumns[pane];
  const headerWidth = Math.max(0, ...columns.map((column) => column.header.length));
  const at = Math.min(Math.max(0, cursor), columns.length - 1);
  const all: SortMenuLine[] = columns.map((column, index) => {
    const current = column.id === sort.column;
    const mark = current ? `${sort.descending ? '▼' : '▲'} sorted` : '';
    const natural = column.descendingFirst ? 'biggest first' : 'A→Z';
    const text = `${index === at ? CURSOR_MARK : NO_CURSOR_MARK}${column.header.padEnd(headerWidth)}  ${mark.padEnd(8)}  ${natural}`;
    return { text: truncate(text.trimEnd(), width), selected: index === at, current };
  });
  const title = truncate(`Sort ${paneName(pane)} by · ↑↓ move · Enter sort · Esc close`, width);
  return menuWindow(title, all, at, width, lines);
}

/** A menu of `all` lines under `title` in `width` × `lines` cells: all of them, or the window around the cursor `at` and what lies beyond. */
export function menuWindow(title: string, all: SortMenuLine[], at: number, width: number, lines: number): SortMenuView {
  const room = Math.max(1, lines - TITLE_LINES);
  if (all.length <= room) return { title, lines: all, columnCount: all.length };
  // The window keeps the cursor inside it, with one line left to say what lies beyond.
  const windowSize = Math.max(1, room - MORE_LINES);
  const start = Math.min(Math.max(0, at - Math.floor(windowSize / 2)), all.length - windowSize);
  const shown = all.slice(start, start + windowSize);
  const more = `${NO_CURSOR_MARK}… ${start} above, ${all.length - start - windowSize} below`;
  return { title, lines: [...shown, { text: truncate(more, width), selected: false, current: false }], columnCount: all.length };
}
