import { Box, Text } from 'ink';
import type { ChangesView } from '../view-model/view-types.js';
import { useToneStyle } from './tone-style.js';

type Props = {
  changes: ChangesView;
};

/** Cells between the group labels and the items. */
const LABEL_GAP = 2;

/** What changed since the baseline: the title, then one item a line under its group's label. */
export function ChangesPage({ changes }: Props) {
  const toneStyle = useToneStyle();
  const labelWidth = Math.max(0, ...changes.lines.map(({ label }) => label.length)) + LABEL_GAP;
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate">
        {changes.title}
      </Text>
      {changes.lines.map(({ label, text, tone }, index) => (
        <Text key={index} wrap="truncate">
          <Text {...toneStyle('dim')}>{(index > 0 && changes.lines[index - 1]?.label === label ? '' : label).padEnd(labelWidth)}</Text>
          <Text {...toneStyle(tone)}>{text}</Text>
        </Text>
      ))}
    </Box>
  );
}
