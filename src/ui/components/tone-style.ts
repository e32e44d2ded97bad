/** How a view-model tone looks on screen. Colour only ever repeats what the text already says. */
import type { TextProps } from 'ink';
import { createContext, useContext } from 'react';
import type { Tone } from '../view-model/view-types.js';

/**
 * False under --no-color / NO_COLOR. Colours go, but inverse and bold stay (they mark the
 * selected row and the active tab), which is why the TUI keeps chalk at a basic level instead
 * of level 0.
 */
export const ColorsContext = createContext(true);

type ToneStyle = Pick<TextProps, 'color' | 'dimColor'>;

/** Ink Text props for a tone: normal plain, dim dimmed, good green, warn yellow, bad red, accent cyan. */
export function toneStyle(tone: Tone, colors = true): ToneStyle {
  switch (tone) {
    case 'normal':
      return {};
    case 'dim':
      return { dimColor: true };
    case 'good':
      return colors ? { color: 'green' } : {};
    case 'warn':
      return colors ? { color: 'yellow' } : {};
    case 'bad':
      return colors ? { color: 'red' } : {};
    case 'accent':
      return colors ? { color: 'cyan' } : {};
  }
}

/** toneStyle bound to the colour mode the App was rendered with. */
export function useToneStyle(): (tone: Tone) => ToneStyle {
  const colors = useContext(ColorsContext);
  return (tone) => toneStyle(tone, colors);
}
