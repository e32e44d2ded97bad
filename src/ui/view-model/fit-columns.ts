/**
 * Which columns a width can show, and how wide each is. Columns are kept in priority order
 * while their minimum widths (and the one-space separators) fit, so a column never shows while
 * a more important one is hidden; the width left over goes to the flexible columns (names,
 * addresses, command lines), shared evenly up to each one's maxWidth.
 */
import type { Column } from './columns.js';

export interface FittedColumn<Row> {
  column: Column<Row>;
  /** Cells, at least the column's minWidth unless the terminal is narrower than that. */
  width: number;
}

/** Cells between two columns (the table component joins cells with one space). */
const COLUMN_SEPARATOR_WIDTH = 1;

/** The columns shown in `width` cells, left to right; their widths plus separators never exceed `width`. */
export function fitColumns<Row>(columns: readonly Column<Row>[], width: number): FittedColumn<Row>[] {
  const byPriority = columns.map((column, position) => ({ column, position })).sort((a, b) => b.column.priority - a.column.priority || a.position - b.position);
  const kept: { column: Column<Row>; position: number }[] = [];
  let used = 0;
  for (const candidate of byPriority) {
    const needed = candidate.column.minWidth + (kept.length > 0 ? COLUMN_SEPARATOR_WIDTH : 0);
    if (used + needed > width) break;
    kept.push(candidate);
    used += needed;
  }
  const first = byPriority[0];
  if (kept.length === 0) return first === undefined || width <= 0 ? [] : [{ column: first.column, width }];

  const fitted = kept.sort((a, b) => a.position - b.position).map(({ column }) => ({ column, width: column.minWidth }));
  shareSpareWidth(fitted, width - used);
  return fitted;
}

function shareSpareWidth<Row>(fitted: FittedColumn<Row>[], spare: number): void {
  let left = spare;
  while (left > 0) {
    const growing = fitted.filter((entry) => entry.width < (entry.column.maxWidth ?? entry.column.minWidth));
    if (growing.length === 0) return;
    const share = Math.max(1, Math.floor(left / growing.length));
    for (const entry of growing) {
      const grow = Math.min(share, left, (entry.column.maxWidth ?? entry.width) - entry.width);
      entry.width += grow;
      left -= grow;
      if (left === 0) return;
    }
  }
}
