import { Box, Text } from 'ink';
import type { FindingDetailView } from '../view-model/view-types.js';
import { FINDING_LABEL_GAP } from '../view-model/select-finding-detail.js';
import { LabelledGroup } from './detail-page.js';
import { useToneStyle } from './tone-style.js';

type Props = {
  finding: FindingDetailView;
};

/**
 * One finding, whole: the title in its severity's colour, then its labelled groups in one label
 * column (the view model has already wrapped the long ones), with no blank lines, as the
 * connection page; what does not fit is cut at the bottom, evidence last.
 */
export function FindingPage({ finding }: Props) {
  const toneStyle = useToneStyle();
  const labelWidth = Math.max(0, ...finding.groups.map((group) => group.label.length)) + FINDING_LABEL_GAP;
  return (
    // flexShrink 0: a page taller than the body must be cut, not squeezed (squeezed lines overlap).
    <Box flexDirection="column" flexShrink={0}>
      <Text bold wrap="truncate" {...toneStyle(finding.titleTone)}>
        {finding.title}
      </Text>
      {!finding.present && (
        <Text wrap="truncate" {...toneStyle('warn')}>
          finding no longer listed: its last known text below
        </Text>
      )}
      {finding.groups.map((group) => (
        <LabelledGroup key={group.label} label={group.label} labelWidth={labelWidth} lines={group.lines} tone={group.tone} />
      ))}
    </Box>
  );
}
