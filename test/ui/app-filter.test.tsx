import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { assertFits, keys, linesWith, renderApp, type RenderedApp } from './render-app.js';

let app: RenderedApp | undefined;
afterEach(() => app?.unmount());

/** Table rows of the fixture's non-curl connections. */
const otherRows = ['203.0.113.7', '2001:db8::20'];

function assertOnlyCurlRows(frame: string): void {
  assert.ok(linesWith(frame, '93.184.216.34').length >= 1, `the curl row stays:\n${frame}`);
  for (const row of otherRows) assert.equal(linesWith(frame, row).length, 0, `${row} is filtered out:\n${frame}`);
}

for (const { width, height } of [
  { width: 80, height: 24 },
  { width: 160, height: 45 },
]) {
  describe(`filter at ${width}×${height}`, () => {
    test('/ then typing curl keeps only the curl rows, live, and shows the prompt', async () => {
      app = await renderApp({ width, height });
      await app.press('/');
      await app.type('curl');
      const frame = app.frame();
      assertOnlyCurlRows(frame);
      assert.ok(linesWith(frame, 'curl').some((line) => line.includes('/')), `the prompt shows the text:\n${frame}`);
      assertFits(frame, width, height);
    });

    test('Enter keeps the filter and the footer says so; Esc then clears it', async () => {
      app = await renderApp({ width, height });
      await app.press('/');
      await app.type('curl');
      await app.press(keys.enter);
      assertOnlyCurlRows(app.frame());
      assert.ok(linesWith(app.frame(), 'filter').some((line) => line.includes('curl')), app.frame());

      await app.press(keys.escape);
      for (const row of otherRows) assert.ok(linesWith(app.frame(), row).length >= 1, `${row} is back:\n${app.frame()}`);
    });

    test('Esc in the prompt clears the filter and every row comes back', async () => {
      app = await renderApp({ width, height });
      await app.press('/');
      await app.type('curl');
      await app.press(keys.escape);
      const frame = app.frame();
      for (const row of [...otherRows, '93.184.216.34']) assert.ok(linesWith(frame, row).length >= 1, `${row}:\n${frame}`);
      assert.equal(linesWith(frame, 'filter: curl').length, 0);
    });

    test('in the prompt, letters are text: q does not quit, Backspace deletes', async () => {
      app = await renderApp({ width, height });
      await app.press('/');
      await app.type('curlq');
      assert.notEqual(app.frame(), '', 'still running');
      await app.press(keys.backspace);
      assertOnlyCurlRows(app.frame());
      assert.equal(linesWith(app.frame(), 'curlq').length, 0);
    });

    test('a filter that matches nothing says so instead of showing a bare table', async () => {
      app = await renderApp({ width, height });
      await app.press('/');
      await app.press('zzzz');
      assert.ok(linesWith(app.frame(), 'no rows match (4 hidden by the filter or scope)').length === 1, app.frame());
    });

    test('a pasted (or fast-typed) chunk edits the text in one go', async () => {
      app = await renderApp({ width, height });
      await app.press('/');
      await app.press('curl');
      assertOnlyCurlRows(app.frame());
      await app.press(keys.backspace.repeat(4));
      for (const row of otherRows) assert.ok(linesWith(app.frame(), row).length >= 1, `held Backspace empties the text:\n${app.frame()}`);
    });
  });
}

describe('keys arriving in one chunk', () => {
  test('"/curl" written at once (a paste, tmux send-keys) opens the filter and types the rest', async () => {
    app = await renderApp({ width: 160, height: 45 });
    await app.press('/curl');
    assertOnlyCurlRows(app.frame());
  });

  test('"/curl⏎2" written at once keeps the filter with its Enter and then switches pane: no key of the chunk is lost', async () => {
    app = await renderApp({ width: 160, height: 45 });
    await app.press('/curl\r2');
    const frame = app.frame();
    assert.equal(linesWith(frame, 'filter: curl').length, 1, frame);
    assert.match(frame, /\[2 Processes/, frame);
  });
});
