import { Box, Text } from 'ink';
import { CHANGE_GUTTER_WIDTH, type TableView, type VisibleColumn } from '../view-model/view-types.js';
import { useToneStyle } from './tone-style.js';

type Props = {
  table: TableView;
};

/** A column's header with its sort mark, aligned like its cells and cut to the column width. */
function headerCell(column: VisibleColumn): string {
  const room = Math.max(0, column.width - column.sortMark.length);
  const label = column.header.slice(0, room) + column.sortMark;
  return column.align === 'right' ? label.padStart(column.width) : label.padEnd(column.width);
}

/** What an empty table says, so an empty pane is not mistaken for a stuck one. */
function emptyTableText(table: TableView): string {
  return table.totalRows > 0 ? `no rows match (${table.totalRows} hidden by the filter or scope)` : 'nothing seen yet';
}

/**
 * One pane's table: the header row with the sort mark, then only the rows the view model sliced
 * to the window, the selected one in inverse. Each row is one Text: the cost of a frame grows
 * with the elements mounted, and a single Text lets the selection span the whole line.
 */
export function Table({ table }: Props) {
  const toneStyle = useToneStyle();
  const gutter = table.marked ? ' '.repeat(CHANGE_GUTTER_WIDTH) : '';
  return (
    // flexShrink 0: rows that do not fit are cut by the body, never squeezed onto each other.
    <Box flexDirection="column" flexShrink={0}>
      <Text bold wrap="truncate">
        {gutter + table.columns.map(headerCell).join(' ')}
      </Text>
      {table.matchingRows === 0 && (
        <Text wrap="truncate" {...toneStyle('dim')}>
          {emptyTableText(table)}
        </Text>
      )}
      {table.rows.map((row) => (
        <Text key={row.key} inverse={row.selected} wrap="truncate" {...toneStyle(row.tone)}>
          {(table.marked ? `${row.mark ?? ' '} ` : '') + row.cells.join(' ')}
        </Text>
      ))}
    </Box>
  );
}
