import { Box, Text } from 'ink';
import type { GaugesView } from '../view-model/view-types.js';
import { useToneStyle } from './tone-style.js';

type Props = {
  gauges: GaugesView;
};

/** The gauges page: its title, then the lines the selector fitted, cut at the bottom when the terminal is short. */
export function GaugesPage({ gauges }: Props) {
  const toneStyle = useToneStyle();
  return (
    <Box flexDirection="column" overflow="hidden">
      <Text bold wrap="truncate">
        {gauges.title}
      </Text>
      {gauges.lines.map((line, index) => (
        <Text key={index} wrap="truncate" {...toneStyle(line.tone)}>
          {line.text === '' ? ' ' : line.text}
        </Text>
      ))}
    </Box>
  );
}
