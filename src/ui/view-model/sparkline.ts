/**
 * A row of block characters drawing the last values of a series, newest on the right.
 */

const BARS = '▁▂▃▄▅▆▇█';

/**
 * The last `width` values as bars scaled to their maximum, exactly `width` characters long
 * (left-padded with spaces while the series is shorter). Zero (and anything negative or not
 * finite) is the lowest bar; any positive value is at least the second, so a trickle is never
 * mistaken for silence.
 */
export function sparkline(values: readonly number[], width: number): string {
  if (width <= 0) return '';
  const shown = values.slice(-width).map((value) => (Number.isFinite(value) && value > 0 ? value : 0));
  const maximum = Math.max(0, ...shown);
  const topLevel = BARS.length - 1;
  let bars = '';
  for (const value of shown) {
    const level = maximum === 0 || value === 0 ? 0 : 1 + Math.min(topLevel - 1, Math.floor((value / maximum) * topLevel));
    bars += BARS[level] ?? BARS[0];
  }
  return ' '.repeat(width - shown.length) + bars;
}
