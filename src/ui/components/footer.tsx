import { Box, Text } from 'ink';
import type { FooterView } from '../view-model/view-types.js';
import { useToneStyle } from './tone-style.js';

type Props = {
  footer: FooterView;
};

/**
 * The bottom of every frame: a line for the filter and the transient message, only while
 * either is set, then the key hints.
 */
export function Footer({ footer }: Props) {
  const toneStyle = useToneStyle();
  const { filter, message } = footer;
  return (
    <Box flexDirection="column" flexShrink={0}>
      {(filter !== null || message !== null) && (
        <Text wrap="truncate">
          {filter !== null && <Text {...toneStyle('accent')}>{filter}</Text>}
          {filter !== null && message !== null && '  '}
          {message !== null && <Text {...toneStyle(message.tone)}>{message.text}</Text>}
        </Text>
      )}
      <Text wrap="truncate" {...toneStyle('dim')}>
        {footer.keys}
      </Text>
    </Box>
  );
}
