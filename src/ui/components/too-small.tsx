import { Text } from 'ink';

type Props = {
  /** What the view model says about the size, e.g. `terminal too small: 50×10, netscope needs 60×15`. */
  text: string;
};

/**
 * The whole frame when the terminal is below the minimum size. It wraps rather than truncates:
 * in a narrow terminal the end of the line (the actual size) is the part that matters.
 */
export function TooSmall({ text }: Props) {
  return (
    <Text color="yellow" wrap="wrap">
      {text}
    </Text>
  );
}
