/** The key hook over a real Ink render: what it keeps of the renders before the current one. */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, it } from 'node:test';
import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { useKeys } from '../../src/ui/hooks/use-keys.js';
import type { KeyContext } from '../../src/ui/keymap.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function Keys({ context }: { context: KeyContext }) {
  useKeys(context, () => undefined);
  return <Text>{context.navigation.keys.length} rows</Text>;
}

function contextOf(rows: number): KeyContext {
  return { filterEditing: false, filterText: '', navigation: { keys: Array.from({ length: rows }, (_, row) => `row ${row}`), pageSize: 20 }, selectedKey: null };
}

/** Renders the first context, keeping nothing of it here but a weak reference to its rows. */
function renderFirst(): { instance: ReturnType<typeof render>; firstKeys: WeakRef<readonly string[]> } {
  const first = contextOf(1000);
  return { instance: render(<Keys context={first} />), firstKeys: new WeakRef(first.navigation.keys) };
}

describe('useKeys', () => {
  it('keeps no render\'s rows past the renders after it: the listeners set up at mount hold none of its context', async () => {
    // Ink's useInput and the stdin listener are set up at mount and kept while the app runs;
    // a closure of theirs holding the first context kept the first table's row keys for good.
    const { instance, firstKeys } = renderFirst();
    try {
      for (let rerender = 0; rerender < 4; rerender++) {
        instance.rerender(<Keys context={contextOf(10 + rerender)} />);
        await delay(10);
      }
      assert.match(instance.lastFrame() ?? '', /13 rows/);
      for (let collection = 0; collection < 3 && firstKeys.deref() !== undefined; collection++) {
        await delay(10);
        collectGarbage();
      }
      assert.equal(firstKeys.deref(), undefined, 'the first render\'s row keys are still held');
    } finally {
      instance.unmount();
    }
  });
});
