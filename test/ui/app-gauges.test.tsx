import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { FakeCaptureStore, buildScreenInput, buildSnapshot, withGauges } from './fake-store.js';
import { assertFits, keys, linesWith, renderApp, type RenderedApp } from './render-app.js';

let app: RenderedApp | undefined;
afterEach(() => app?.unmount());

const PAGE_TITLE = 'Gauges against their limits';

function gaugedStore(): FakeCaptureStore {
  return new FakeCaptureStore(buildScreenInput(withGauges(buildSnapshot())));
}

for (const { width, height } of [
  { width: 80, height: 24 },
  { width: 160, height: 45 },
]) {
  describe(`host gauges at ${width}×${height}`, () => {
    test('the header names the most pressing gauges and the TIME_WAIT and CLOSE_WAIT counts', async () => {
      app = await renderApp({ width, height, store: gaugedStore() });
      const [line] = linesWith(app.frame(), 'gauges:');
      assert.ok(line !== undefined, app.frame());
      assert.match(line, /^gauges: fds 97% nginx · ports 92% 93\.184\.216\.34:443 curl · TIME_WAIT 389 · /);
      // Gauges at ease name neither what nor who: only the pressing ones do.
      if (width >= 160) assert.match(line, /· TIME_WAIT 389 · CLOSE_WAIT 2 · listen drops 2\/s · accept queue 0% · conntrack 0% · /);
      assertFits(app.frame(), width, height);
    });

    test('L opens the gauges page: every gauge against its limit, the namespace counts, the host TCP limits; Esc goes back', async () => {
      app = await renderApp({ width, height, store: gaugedStore() });
      await app.press('L');
      const frame = app.frame();
      assert.ok(frame.includes(PAGE_TITLE), frame);
      assert.match(frame, /^critical +fds +host +812 +1,000 +1,024 +97%/m);
      assert.match(frame, /^warning +ports +4026531840 +93\.184\.216\.34:443 +26,000 +28,232 +92%/m);
      assert.match(frame, /^4026531840 +389 +2 +32768-60999 +4,096 +1,000\/262,144/m);
      assert.match(frame, /^host: tcp mem 311 of 575,784 pages/m);
      if (width >= 160) assert.match(frame, /critical .* nginx \(812\) ×1,000$/m, 'the holder, with what it holds');
      assertFits(frame, width, height);
      await app.press(keys.escape);
      assert.ok(!app.frame().includes(PAGE_TITLE));
      assert.ok(linesWith(app.frame(), '1 Conn').length === 1, 'back on the table');
      await app.press('L');
      await app.press('L');
      assert.ok(!app.frame().includes(PAGE_TITLE), 'L closes the page too');
    });
  });
}

test('no gauges line before the gauges were first read (or in a version 1 replay)', async () => {
  app = await renderApp({ width: 160, height: 45 });
  assert.equal(linesWith(app.frame(), 'gauges:').length, 0);
  await app.press('L');
  assert.ok(app.frame().includes(`${PAGE_TITLE} · not read yet`));
});
