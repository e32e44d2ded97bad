/**
 * The column chooser (`C`, F2), in htop's F2 spirit: every column of the pane on screen with
 * whether it shows, and Enter or Space turns the one under the cursor off when it is on screen,
 * on when it is not. A column turned on outranks every column left to the width, so at 80×24 the
 * user can bring PID or LOCAL back; a column turned off stays off at every width. The choices
 * last the session, per pane.
 */
import type { ColumnChoice, PaneId } from './ui-state.js';
import type { SortMenuLine, SortMenuView } from './view-types.js';
import type { Column } from './columns.js';
import { paneColumns } from './columns.js';
import { paneName } from './select-tabs.js';
import { menuWindow } from './select-sort-menu.js';
import { truncate } from './format.js';

/** Added to a chosen column's priority: above every priority a column has of its own (at most 100, raised ones included). */
const CHOSEN_PRIORITY_BOOST = 1000;

const CURSOR_MARK = '> ';
const NO_CURSOR_MARK = '  ';

/** The columns as the user's choices leave them: those turned off gone, those turned on ahead of the rest. */
export function withColumnChoices<Row>(columns: readonly Column<Row>[], choices: Readonly<Record<string, ColumnChoice>>): readonly Column<Row>[] {
  const chosen: Column<Row>[] = [];
  for (const column of columns) {
    const choice = choices[column.id];
    if (choice === 'hidden') continue;
    chosen.push(choice === 'shown' ? { ...column, priority: column.priority + CHOSEN_PRIORITY_BOOST } : column);
  }
  return chosen;
}

/**
 * The choice Enter or Space makes for `columnId`: off when it is on screen, on when it is not
 * (off by choice or left out for want of room). Null when it is the last column on screen: a
 * table with no columns shows nothing to choose from.
 */
export function toggledChoice(columnId: string, shownColumnIds: readonly string[]): ColumnChoice | null {
  if (!shownColumnIds.includes(columnId)) return 'shown';
  return shownColumnIds.length > 1 ? 'hidden' : null;
}

/** Why a column is or is not on screen, as the menu says it. */
function columnStatus(choice: ColumnChoice | undefined, shown: boolean): string {
  if (choice === 'hidden') return 'off';
  if (!shown) return 'no room at this width';
  return choice === 'shown' ? 'on (chosen)' : 'on';
}

/** The chooser of `pane`'s columns with `cursor` (clamped) on one, in `width` × `lines` cells (the title included). */
export function selectColumnMenu(
  pane: PaneId,
  choices: Readonly<Record<string, ColumnChoice>>,
  shownColumnIds: readonly string[],
  cursor: number,
  width: number,
  lines: number,
): SortMenuView {
  const columns = paneColumns[pane];
  const headerWidth = Math.max(0, ...columns.map((column) => column.header.length));
  const at = Math.min(Math.max(0, cursor), columns.length - 1);
  const all: SortMenuLine[] = columns.map((column, index) => {
    const shown = shownColumnIds.includes(column.id);
    const box = shown ? '[x]' : '[ ]';
    const text = `${index === at ? CURSOR_MARK : NO_CURSOR_MARK}${box} ${column.header.padEnd(headerWidth)}  ${columnStatus(choices[column.id], shown)}`;
    return { text: truncate(text, width), selected: index === at, current: shown };
  });
  const title = truncate(`Columns of ${paneName(pane)} · ↑↓ move · Enter/Space on-off · Esc close`, width);
  return menuWindow(title, all, at, width, lines);
}
