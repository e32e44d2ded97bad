import { Text } from 'ink';
import { SORT_LABEL_GAP } from '../view-model/select-tabs.js';
import type { ScreenView } from '../view-model/view-types.js';

type Props = {
  tabs: ScreenView['tabs'];
  sortLabel: string | null;
};

/**
 * The pane names on one line, then the sort. The active one is bracketed as well as inverse, so
 * it still shows where styling is off (NO_COLOR).
 */
export function PaneTabs({ tabs, sortLabel }: Props) {
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
      {sortLabel !== null && <Text dimColor>{`${' '.repeat(SORT_LABEL_GAP)}${sortLabel}`}</Text>}
    </Text>
  );
}
