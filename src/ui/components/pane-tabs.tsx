import { Text } from 'ink';
import type { ScreenView } from '../view-model/view-types.js';

type Props = {
  tabs: ScreenView['tabs'];
};

/**
 * The pane names on one line. The active one is bracketed as well as inverse, so it still
 * shows where styling is off (NO_COLOR).
 */
export function PaneTabs({ tabs }: Props) {
  return (
    <Text wrap="truncate">
      {tabs.map((tab) =>
        tab.active ? (
          <Text key={tab.pane} bold inverse>
            {`[${tab.label}]`}
          </Text>
        ) : (
          <Text key={tab.pane}>{` ${tab.label} `}</Text>
        ),
      )}
    </Text>
  );
}
