import { Box, Text } from 'ink';
import type { DetailView, Tone } from '../view-model/view-types.js';
import { useToneStyle } from './tone-style.js';

type Props = {
  detail: DetailView;
};

/** Cells between the widest label and the values (the view model fits sparklines to match). */
const LABEL_GAP = 2;

type LabelledLineProps = {
  /** Shown on the first line of a group only; '' on the lines that continue it. */
  label: string;
  labelWidth: number;
  value: string;
  tone: Tone;
};

export function LabelledLine({ label, labelWidth, value, tone }: LabelledLineProps) {
  const toneStyle = useToneStyle();
  return (
    <Text wrap="truncate">
      <Text {...toneStyle('dim')}>{label.padEnd(labelWidth)}</Text>
      <Text {...toneStyle(tone)}>{value}</Text>
    </Text>
  );
}

type LabelledGroupProps = {
  label: string;
  labelWidth: number;
  lines: string[];
  tone: Tone;
};

/** Several values under one label, the label on the first line only. */
export function LabelledGroup({ label, labelWidth, lines, tone }: LabelledGroupProps) {
  return lines.map((line, index) => <LabelledLine key={index} label={index === 0 ? label : ''} labelWidth={labelWidth} value={line} tone={tone} />);
}

/**
 * One connection: the findings it is evidence of (first: they say what is wrong), its fields
 * (endpoints, owner, command line, counters, flow limit), then the state timeline, the drops by
 * reason, the last problem events, the counters behind the flow limit and the rate sparklines
 * since the page opened — all in one
 * label column, with no headings or blank lines, because at 80×24 every line counts. What does
 * not fit is cut at the bottom.
 */
export function DetailPage({ detail }: Props) {
  const toneStyle = useToneStyle();
  const labelWidth = Math.max(0, ...detail.fields.map((field) => field.label.length)) + LABEL_GAP;
  const hasRates = detail.sendSparkline !== '' || detail.receiveSparkline !== '';
  return (
    // flexShrink 0: a page taller than the body must be cut, not squeezed (squeezed lines overlap).
    <Box flexDirection="column" flexShrink={0}>
      <Text bold wrap="truncate">
        {detail.title}
      </Text>
      {!detail.present && (
        <Text wrap="truncate" {...toneStyle('warn')}>
          connection gone: evicted from the model, last known values below
        </Text>
      )}
      {detail.findings.map((finding, index) => (
        <LabelledLine key={`finding-${index}`} label={index === 0 ? 'Findings' : ''} labelWidth={labelWidth} value={finding.text} tone={finding.tone} />
      ))}
      {detail.fields.map((field) => (
        <LabelledLine key={field.label} label={field.label} labelWidth={labelWidth} value={field.value} tone={field.tone} />
      ))}
      <LabelledGroup label="Timeline" labelWidth={labelWidth} lines={detail.timeline} tone="normal" />
      <LabelledGroup label="Dropped" labelWidth={labelWidth} lines={detail.drops} tone="bad" />
      <LabelledGroup label="Problems" labelWidth={labelWidth} lines={detail.problemTrail} tone="warn" />
      <LabelledGroup label="Behind it" labelWidth={labelWidth} lines={detail.limitCounters} tone="normal" />
      {hasRates && <LabelledLine label="Send/s" labelWidth={labelWidth} value={detail.sendSparkline} tone="accent" />}
      {hasRates && <LabelledLine label="Recv/s" labelWidth={labelWidth} value={detail.receiveSparkline} tone="accent" />}
    </Box>
  );
}
