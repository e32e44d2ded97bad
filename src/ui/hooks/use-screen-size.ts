/** The size a frame is laid out for: the one given (tests pin it), else the terminal's. */
import { useWindowSize } from 'ink';

/** A frame's size in character cells. */
export interface ScreenSize {
  width: number;
  height: number;
}

/** `fixedSize` when given; otherwise the terminal's columns and rows, following resizes. */
export function useScreenSize(fixedSize: ScreenSize | undefined): ScreenSize {
  const { columns, rows } = useWindowSize();
  return fixedSize ?? { width: columns, height: rows };
}
