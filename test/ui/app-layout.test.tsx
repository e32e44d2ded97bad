import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { initialUiState } from '../../src/ui/view-model/ui-reducer.js';
import { buildScreenInput, buildSnapshot, FakeCaptureStore, withBusyCurl } from './fake-store.js';
import { assertFits, linesWith, renderApp, type RenderedApp } from './render-app.js';

let app: RenderedApp | undefined;
afterEach(() => app?.unmount());

const EXTRA_CONNECTIONS = 60;
/** Busiest first: the closed curl (nothing sent) ends the table; in curl's scope, the slowest extra one. */
const LAST_ROW = '198.51.100.9:80';
const LAST_SCOPED_ROW = `192.0.2.${EXTRA_CONNECTIONS}:443`;

/** A store with more rows than any terminal here shows, one probe off. */
function crowdedStore(): FakeCaptureStore {
  const input = buildScreenInput(withBusyCurl(buildSnapshot(), EXTRA_CONNECTIONS));
  return new FakeCaptureStore({ ...input, source: { ...input.source, probes: [...input.source.probes.slice(0, 2), { name: 'kfree_skb', status: 'unsupported', reason: 'kernel 5.15' }] } });
}

for (const { width, height } of [
  { width: 80, height: 24 },
  { width: 160, height: 45 },
]) {
  describe(`layout at ${width}×${height}`, () => {
    test('with more rows than fit, End shows the last row and the key hints stay on the last line', async () => {
      app = await renderApp({ width, height, store: crowdedStore() });
      await app.press('G');
      const lines = app.frame().split('\n');
      assert.equal(lines.length, height, 'a full table fills the terminal exactly');
      assert.match(lines.at(-2) ?? '', new RegExp(LAST_ROW), `the selected last row is on screen, right above the hints:\n${app.frame()}`);
      assert.match(lines.at(-1) ?? '', /q quit/);
      assert.match(app.frame(), /probes off: kfree_skb \(unsupported\)/);
    });

    test('a scope line in the header and a filter line in the footer take their rows from the table, not the frame', async () => {
      const initialState = initialUiState({ intervalMs: 1000, pid: 4242, filter: '192.0.2' });
      app = await renderApp({ width, height, store: crowdedStore(), initialState });
      const frame = app.frame();
      assert.match(frame, /scope: process 4242 \(curl\)/);
      assert.equal(linesWith(frame, '203.0.113.7').length, 0, 'nginx is out of scope');
      await app.press('G');
      const lines = app.frame().split('\n');
      assert.equal(lines.length, height);
      assert.match(lines.at(-3) ?? '', new RegExp(LAST_SCOPED_ROW), `the selected last row is on screen, above the filter and hints:\n${app.frame()}`);
      assert.match(lines.at(-2) ?? '', /filter: 192\.0\.2/);
      assertFits(app.frame(), width, height);
    });
  });
}
