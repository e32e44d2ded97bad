import assert from 'node:assert/strict';

/** The one item of `items`, or a failure naming `what` and how many there were. */
export function only<T>(items: T[], what: string): T {
  assert.equal(items.length, 1, `exactly one ${what} (found ${items.length})`);
  return items[0] as T;
}
