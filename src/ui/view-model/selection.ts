/**
 * Where the selection is among a pane's matching rows. It follows the selected row's key
 * (rows re-sort every tick); when that row is gone it stays at the same index, clamped.
 */

/** Index of the selected row among `keys`, or -1 when there are no rows. */
export function selectedPosition(keys: readonly string[], key: string | null, index: number): number {
  if (keys.length === 0) return -1;
  const byKey = key === null ? -1 : keys.indexOf(key);
  return byKey >= 0 ? byKey : Math.min(Math.max(0, index), keys.length - 1);
}
