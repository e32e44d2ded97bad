import { Box, Text } from 'ink';
import type { HeaderView } from '../view-model/view-types.js';
import { FINDINGS_HEALTH_SEPARATOR } from '../view-model/select-header.js';
import { useToneStyle } from './tone-style.js';

type Props = {
  header: HeaderView;
};

/**
 * The top of the table and detail frames: title and PAUSED banner, connection states, rates with the last
 * minute's sparkline, open findings and health counters, then — only when set — the host gauges,
 * the probes that are off, the scope and a replay's position. Four lines, up to eight.
 */
export function Header({ header }: Props) {
  const toneStyle = useToneStyle();
  return (
    <Box flexDirection="column" flexShrink={0}>
      <Box justifyContent="space-between">
        <Text bold wrap="truncate">
          {header.title}
        </Text>
        {header.paused && (
          <Box flexShrink={0} marginLeft={1}>
            <Text bold inverse color="yellow">
              {' PAUSED '}
            </Text>
          </Box>
        )}
      </Box>
      <Text wrap="truncate">{header.states}</Text>
      <Text wrap="truncate">
        {header.rates}
        {header.sparkline !== '' && <Text {...toneStyle('accent')}>{`  ${header.sparkline}`}</Text>}
      </Text>
      {header.findings === null ? (
        <Text wrap="truncate" {...toneStyle(header.healthTone)}>
          {header.health}
        </Text>
      ) : (
        <Text wrap="truncate">
          <Text bold {...toneStyle(header.findingsTone)}>
            {header.findings}
          </Text>
          {FINDINGS_HEALTH_SEPARATOR}
          <Text {...toneStyle(header.healthTone)}>{header.health}</Text>
        </Text>
      )}
      {header.gauges !== null && (
        <Text wrap="truncate" {...toneStyle(header.gauges.tone)}>
          {header.gauges.text}
        </Text>
      )}
      {header.probesOff !== null && (
        <Text wrap="truncate" {...toneStyle('warn')}>
          {header.probesOff}
        </Text>
      )}
      {header.scope !== null && (
        <Text wrap="truncate" {...toneStyle('accent')}>
          {header.scope}
        </Text>
      )}
      {header.replay !== null && (
        <Text wrap="truncate" {...toneStyle('accent')}>
          {header.replay}
        </Text>
      )}
    </Box>
  );
}
