import { Box, Text } from 'ink';
import type { HelpView } from '../view-model/view-types.js';

type Props = {
  help: HelpView;
  /** Lines the page may take, its title included. */
  lines: number;
  /** Cells across. */
  width: number;
};

/** Cells between two columns of entries. */
const COLUMN_GAP = 3;

/** `entries` cut into `columnCount` runs, top to bottom then left to right. */
function splitIntoColumns<Entry>(entries: readonly Entry[], columnCount: number): Entry[][] {
  const perColumn = Math.ceil(entries.length / columnCount);
  return Array.from({ length: columnCount }, (_, column) => entries.slice(column * perColumn, (column + 1) * perColumn));
}

/**
 * The key reference. When the entries do not fit the lines below the title, they flow into as
 * many side-by-side columns as it takes, each entry cut to its column: in a small terminal every
 * key stays on screen, even if some descriptions lose their end.
 */
export function HelpPage({ help, lines, width }: Props) {
  const keysWidth = Math.max(0, ...help.entries.map(([keys]) => keys.length)) + 2;
  const entryLines = Math.max(1, lines - 1);
  const columnCount = Math.ceil(help.entries.length / entryLines) || 1;
  const columnWidth = Math.max(1, Math.floor((width - COLUMN_GAP * (columnCount - 1)) / columnCount));
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        Keys (Esc or ? to close)
      </Text>
      <Box columnGap={COLUMN_GAP}>
        {splitIntoColumns(help.entries, columnCount).map((entries, column) => (
          <Box key={column} flexDirection="column" width={columnWidth}>
            {entries.map(([keys, action]) => (
              <Text key={keys} wrap="truncate">
                <Text bold>{keys.padEnd(keysWidth)}</Text>
                {action}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
