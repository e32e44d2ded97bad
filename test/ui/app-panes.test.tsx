import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { buildScreenInput, buildSnapshot, FakeCaptureStore } from './fake-store.js';
import { assertFits, keys, linesWith, renderApp, type RenderedApp } from './render-app.js';

/** Per pane: the column headers it must show and a row text known from the fixture. */
const panes = [
  { digit: '1', name: 'connections', headers: ['PROCESS', 'REMOTE', 'STATE'], row: '93.184.216.34' },
  { digit: '2', name: 'processes', headers: ['PID', 'PROCESS'], row: 'postgres' },
  { digit: '3', name: 'containers', headers: ['NAME', 'POD', 'CONNS'], row: 'prod/db-0' },
  { digit: '4', name: 'peers', headers: ['ADDRESS'], row: '2001:db8::20' },
  { digit: '5', name: 'listeners', headers: ['PID', 'PROCESS', 'LOCAL', 'QUEUE'], row: '0.0.0.0:443' },
  { digit: '6', name: 'events', headers: ['TIME', 'TYPE'], row: 'NETFILTER_DROP' },
] as const;

const sizes = [
  { width: 80, height: 24 },
  { width: 160, height: 45 },
] as const;

let app: RenderedApp | undefined;
afterEach(() => app?.unmount());

for (const { width, height } of sizes) {
  describe(`panes at ${width}×${height}`, () => {
    test('opens on connections and fits the terminal', async () => {
      app = await renderApp({ width, height });
      const frame = app.frame();
      for (const header of panes[0].headers) assert.match(frame, new RegExp(header));
      assert.ok(linesWith(frame, panes[0].row).length === 1);
      assertFits(frame, width, height);
    });

    for (const pane of panes) {
      test(`number key ${pane.digit} shows ${pane.name}: its columns and its rows, within the terminal`, async () => {
        app = await renderApp({ width, height });
        await app.press(pane.digit);
        const frame = app.frame();
        for (const header of pane.headers) assert.match(frame, new RegExp(header), `${header} in\n${frame}`);
        assert.ok(linesWith(frame, pane.row).length >= 1, `${pane.row} in\n${frame}`);
        assertFits(frame, width, height);
      });
    }

    test('Tab walks the panes in order and Shift-Tab walks back', async () => {
      app = await renderApp({ width, height });
      for (const pane of panes.slice(1)) {
        await app.press(keys.tab);
        assert.ok(linesWith(app.frame(), pane.row).length >= 1, `${pane.name} after Tab`);
        assertFits(app.frame(), width, height);
      }
      await app.press(keys.shiftTab);
      assert.ok(linesWith(app.frame(), panes[4].row).length >= 1, 'listeners after Shift-Tab');
    });
  });
}

describe('an empty pane', () => {
  test('says nothing was seen yet rather than showing a bare header', async () => {
    app = await renderApp({ width: 80, height: 24, store: new FakeCaptureStore(buildScreenInput({ ...buildSnapshot(), listeners: [] })) });
    await app.press('5');
    assert.match(app.frame(), /QUEUE/);
    assert.ok(linesWith(app.frame(), 'nothing seen yet').length === 1, app.frame());
  });
});
