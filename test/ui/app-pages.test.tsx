import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, test } from 'node:test';
import { buildScreenInput, cookies } from './fake-store.js';
import { assertFits, keys, linesWith, renderApp, type RenderedApp } from './render-app.js';
import { HELP_ENTRIES } from '../../src/ui/view-model/select-help.js';

let app: RenderedApp | undefined;
afterEach(() => app?.unmount());

/**
 * Opens the detail page of the connection whose page shows `text`, trying the rows from the top:
 * the table's order is the selector's business, not this test's.
 */
async function openDetailOf(rendered: RenderedApp, text: string): Promise<void> {
  for (let row = 0; row < 10; row++) {
    await rendered.press('g');
    for (let step = 0; step < row; step++) await rendered.press('j');
    await rendered.press(keys.enter);
    if (isDetailPage(rendered.frame()) && rendered.frame().includes(text)) return;
    await rendered.press(keys.escape);
  }
  assert.fail(`no connection page shows ${text}`);
}

/** Whether `frame` is a detail page: its timeline rows carry the label. */
function isDetailPage(frame: string): boolean {
  return /^Timeline\s/m.test(frame);
}

/** The help page's title line. */
const HELP_TITLE = /Keys \(Esc or \? to close\)/;

for (const { width, height } of [
  { width: 80, height: 24 },
  { width: 160, height: 45 },
]) {
  describe(`detail and help at ${width}×${height}`, () => {
    test('Enter on a connection opens its page: endpoints, owner command line, state timeline, drops', async () => {
      app = await renderApp({ width, height });
      await openDetailOf(app, '93.184.216.34');
      const frame = app.frame();
      assert.match(frame, /10\.0\.0\.5:40522/);
      assert.match(frame, /93\.184\.216\.34:443/);
      assert.match(frame, /curl -sS https:\/\/example\.com\/big\.iso/);
      assert.match(frame, /^Timeline\s+SYN_SENT\s+\d\d:\d\d:\d\d\.\d{3}\s+12ms$/m, 'the timeline, oldest state first');
      assert.match(frame, /^\s+ESTABLISHED\s+\d\d:\d\d:\d\d\.\d{3}\s+20s so far$/m);
      // At 80×24 this is the body's last line: the page has no tabs line so that it fits.
      assert.match(frame, /^Dropped\s+NETFILTER_DROP ×3 · matters$/m);
      assertFits(frame, width, height);
      assert.equal(app.store.detailConnectionCalls.at(-1), cookies.curl, 'the store records the rates of the open connection');
    });

    test('Esc and Backspace go back from the detail page to the table', async () => {
      app = await renderApp({ width, height });
      await app.press(keys.enter);
      assert.ok(isDetailPage(app.frame()), app.frame());
      await app.press(keys.escape);
      assert.ok(!isDetailPage(app.frame()));
      assert.ok(linesWith(app.frame(), '93.184.216.34').length >= 1);
      assert.equal(app.store.detailConnectionCalls.at(-1), null, 'the store stops recording once the page closes');

      await app.press(keys.enter);
      assert.ok(isDetailPage(app.frame()));
      await app.press(keys.backspace);
      assert.ok(!isDetailPage(app.frame()));
    });

    test('? lists the keys, q and / among them, and Esc closes it', async () => {
      app = await renderApp({ width, height });
      await app.press('?');
      const frame = app.frame();
      assert.ok(linesWith(frame, 'quit').some((line) => /\bq\b/.test(line)), frame);
      assert.ok(linesWith(frame, 'filter').some((line) => line.includes('/')), frame);
      assert.match(frame, HELP_TITLE);
      assertFits(frame, width, height);
      await app.press(keys.escape);
      assert.doesNotMatch(app.frame(), HELP_TITLE);
      assert.ok(linesWith(app.frame(), '93.184.216.34').length >= 1);
    });

    test('h and F1 (its raw escape sequence) open help too; ? toggles it closed', async () => {
      app = await renderApp({ width, height });
      await app.press('h');
      assert.match(app.frame(), HELP_TITLE);
      await app.press('?');
      assert.doesNotMatch(app.frame(), HELP_TITLE);
      await app.press(keys.f1);
      assert.match(app.frame(), HELP_TITLE);
    });
  });
}

/** Every help page's frame, turning them with PgDn from the first, and how many the title said there were. */
async function helpPages(rendered: RenderedApp): Promise<string[]> {
  await rendered.press('?');
  const count = Number(/page 1\/(\d+)/.exec(rendered.frame())?.[1] ?? 1);
  const frames = [rendered.frame()];
  for (let page = 2; page <= count; page++) {
    await rendered.press(keys.pageDown);
    assert.match(rendered.frame(), new RegExp(`page ${page}/${count}`));
    frames.push(rendered.frame());
  }
  return frames;
}

/** Whitespace runs as one space: a wrapped description reads the same as its entry. */
function words(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

for (const { width, height } of [
  { width: 80, height: 24 },
  { width: 60, height: 15 },
]) {
  describe(`help at ${width}×${height}`, () => {
    test('every entry reads whole on one of the pages (wrapped, never cut), and the pages fit', async () => {
      app = await renderApp({ width, height });
      const frames = await helpPages(app);
      const text = words(frames.map((frame) => frame.split('\n').slice(1, -1).join('\n')).join('\n'));
      for (const [keysText, action] of HELP_ENTRIES) assert.ok(text.includes(words(`${keysText} ${action}`)), `${keysText} ${action} in\n${frames.join('\n---\n')}`);
      for (const frame of frames) {
        assertFits(frame, width, height);
        assert.doesNotMatch(frame, /…/, 'nothing truncated');
      }
      for (const binding of ['q  Ctrl-C  F10', '?  h  F1', 'Tab  Shift-Tab', '< >', 'o  F6', 'Space  Z', '+ -', 's  Ctrl-S']) {
        assert.ok(frames.some((frame) => frame.includes(binding)), binding);
      }
    });

    test('PgUp and ↑ turn back, Home goes to the first page, Esc closes', async () => {
      app = await renderApp({ width, height });
      const frames = await helpPages(app);
      assert.ok(frames.length >= 2, 'the help takes more than one page here');
      await app.press(keys.pageUp);
      assert.match(app.frame(), new RegExp(`page ${frames.length - 1}/`));
      await app.press(keys.pageDown);
      await app.press(keys.up);
      assert.match(app.frame(), new RegExp(`page ${frames.length - 1}/`));
      await app.press('g');
      assert.match(app.frame(), /page 1\//);
      await app.press(keys.escape);
      assert.doesNotMatch(app.frame(), HELP_TITLE);
    });
  });
}

test('at 160×45 the help is one page, with nothing to turn', async () => {
  app = await renderApp({ width: 160, height: 45 });
  await app.press('?');
  assert.match(app.frame(), /^Keys \(Esc or \? to close\)$/m);
  for (const [keysText] of HELP_ENTRIES) assert.ok(app.frame().includes(keysText), keysText);
  assertFits(app.frame(), 160, 45);
});

describe('detail rates', () => {
  test('once the store has recorded rates for the open page, it shows their sparklines', async () => {
    app = await renderApp({ width: 160, height: 45 });
    await openDetailOf(app, '93.184.216.34');
    assert.doesNotMatch(app.frame(), /^Send\/s/m, 'no sparkline before the first recorded tick');
    app.store.publish({ ...buildScreenInput(), detailRates: { send: [10, 40, 20, 80], receive: [500, 300, 900, 100] } });
    await delay(20);
    assert.match(app.frame(), /^Send\/s\s+[▁▂▃▄▅▆▇█ ]+$/m);
    assert.match(app.frame(), /^Recv\/s\s+[▁▂▃▄▅▆▇█ ]+$/m);
  });
});
