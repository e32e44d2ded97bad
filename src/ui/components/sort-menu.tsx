import { Box, Text } from 'ink';
import type { SortMenuView } from '../view-model/view-types.js';

type Props = {
  sortMenu: SortMenuView;
};

/** The sort menu: its title, then one column a line, the cursor's line inverted (as the table's selection is) and the current sort bold. */
export function SortMenu({ sortMenu }: Props) {
  return (
    <Box flexDirection="column" overflow="hidden">
      <Text bold wrap="truncate">
        {sortMenu.title}
      </Text>
      {sortMenu.lines.map((line, index) => (
        <Text key={index} wrap="truncate" inverse={line.selected} bold={line.current}>
          {line.text}
        </Text>
      ))}
    </Box>
  );
}
