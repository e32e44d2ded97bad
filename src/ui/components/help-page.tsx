import { Box, Text } from 'ink';
import type { HelpView } from '../view-model/view-types.js';
import { HELP_COLUMN_GAP } from '../view-model/select-help.js';

type Props = {
  help: HelpView;
};

/** The key reference, laid out by selectHelp: one page of side-by-side columns, nothing cut. */
export function HelpPage({ help }: Props) {
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {help.title}
      </Text>
      <Box columnGap={HELP_COLUMN_GAP}>
        {help.columns.map((lines, column) => (
          <Box key={column} flexDirection="column" width={help.columnWidth}>
            {lines.map((line, index) => (
              <Text key={index} wrap="truncate">
                <Text bold>{line.keys.padEnd(help.keysWidth)}</Text>
                {line.action}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}
