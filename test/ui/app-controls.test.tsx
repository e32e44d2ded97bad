import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, test } from 'node:test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { UnsafeOutputError } from '../../src/output/safe-file-write.js';
import { saveScreenSnapshot } from '../../src/ui/save-screen-snapshot.js';
import { buildScreenInput, buildSnapshot, FakeCaptureStore } from './fake-store.js';
import { MESSAGE_LIFETIME_MS } from '../../src/ui/hooks/use-message-expiry.js';
import { assertFits, keys, linesWith, renderApp, type RenderedApp } from './render-app.js';

let app: RenderedApp | undefined;
afterEach(() => app?.unmount());

/** The table's header line: the one with a sort mark. */
function headerLine(frame: string): string {
  const line = frame.split('\n').find((candidate) => /[▲▼]/.test(candidate));
  assert.ok(line !== undefined, `a sorted header in\n${frame}`);
  return line;
}

/** The header word the sort mark is attached to. */
function sortedColumn(frame: string): string {
  const match = /(\S*)[▲▼]/.exec(headerLine(frame));
  assert.ok(match);
  return match[1] ?? '';
}

describe('pause', () => {
  test('Space shows PAUSED in the header and pauses the store; Space again resumes; Z does the same', async () => {
    app = await renderApp({ width: 80, height: 24 });
    assert.doesNotMatch(app.frame(), /PAUSED/);
    await app.press(' ');
    assert.match(app.frame().split('\n')[0] ?? '', /PAUSED/);
    assert.equal(app.store.pausedCalls.at(-1), true);
    await app.press(' ');
    assert.doesNotMatch(app.frame(), /PAUSED/);
    assert.equal(app.store.pausedCalls.at(-1), false);
    await app.press('Z');
    assert.match(app.frame(), /PAUSED/);
  });
});

describe('sort', () => {
  test('> moves the sort mark to another column, < moves it back, > again returns to it, I flips ▲ and ▼', async () => {
    app = await renderApp({ width: 160, height: 45 });
    const first = sortedColumn(app.frame());
    await app.press('>');
    const second = sortedColumn(app.frame());
    assert.notEqual(second, first);
    await app.press('<');
    assert.equal(sortedColumn(app.frame()), first);
    await app.press('>');
    assert.equal(sortedColumn(app.frame()), second);

    const mark = /[▲▼]/.exec(headerLine(app.frame()))?.[0];
    await app.press('I');
    const flipped = /[▲▼]/.exec(headerLine(app.frame()))?.[0];
    assert.notEqual(flipped, mark);
    assert.equal(sortedColumn(app.frame()), second);
  });
});

describe('sort menu', () => {
  test('at 80×24, F6 lists the columns, Enter sorts by one whose column does not fit and the tab line names it; o opens it too, Esc closes', async () => {
    app = await renderApp({ width: 80, height: 24 });
    assert.match(app.frame(), /sort RATE\/s▼/);
    await app.press(keys.f6);
    assert.match(app.frame(), /Sort Connections by/);
    assert.match(app.frame(), /RATE\/s\s+▼ sorted/);
    assert.match(app.frame(), /Enter sort/, 'the footer says what Enter does');
    assertFits(app.frame(), 80, 24);
    // G goes to the last column, LIMIT, which 80 columns leave out.
    await app.press('G');
    await app.press(keys.enter);
    assert.doesNotMatch(app.frame(), /Sort Connections by/);
    assert.match(app.frame(), /sort LIMIT▼/, 'a number column sorts biggest first');
    const columnHeader = app.frame().split('\n').find((line) => line.startsWith('PROCESS'));
    assert.ok(columnHeader !== undefined && !columnHeader.includes('LIMIT'), `its column is hidden, the tab line names the sort:\n${app.frame()}`);
    const sortLabel = /sort (\S+)([▲▼])/.exec(app.frame());
    assert.ok(sortLabel !== null, app.frame());

    await app.press('o');
    assert.match(app.frame(), /Sort Connections by/);
    await app.press(keys.up);
    await app.press(keys.escape);
    assert.doesNotMatch(app.frame(), /Sort Connections by/);
    assert.match(app.frame(), new RegExp(`sort ${sortLabel[1]}${sortLabel[2]}`), 'Esc sorts nothing');
  });
});

describe('save', () => {
  test('s saves through the store and the footer shows the path; Ctrl-S saves too', async () => {
    app = await renderApp({ width: 80, height: 24 });
    await app.press('s');
    assert.equal(app.store.saveCount, 1);
    const count = buildSnapshot().connections.length;
    assert.ok(linesWith(app.frame(), `saved ${count} connections to /root/netscope-20250115-120000.json`).length === 1, app.frame());
    assertFits(app.frame(), 80, 24);
    await app.press(keys.ctrlS);
    assert.equal(app.store.saveCount, 2);
  });

  test('under a filter, s saves what the view keeps and the footer says how many and which filter', async () => {
    const directory = mkdtempSync(path.join(tmpdir(), 'netscope-app-save-'));
    try {
      const input = buildScreenInput();
      const store = new FakeCaptureStore(input, (view) => saveScreenSnapshot(input, view, directory, new Date(Date.UTC(2025, 0, 15, 12))));
      app = await renderApp({ width: 160, height: 45, store });
      await app.press('/');
      await app.type('curl');
      await app.press(keys.enter);
      await app.press('s');
      assert.equal(store.saveStates[0]?.filter.text, 'curl');
      const file = path.join(directory, 'netscope-20250115-120000.json');
      const document = JSON.parse(readFileSync(file, 'utf8')) as SnapshotDocument;
      assert.ok(document.connections.length > 0 && document.connections.length < input.snapshot.connections.length, `${document.connections.length} of ${input.snapshot.connections.length}`);
      assert.ok(document.connections.every((entry) => entry.comm === 'curl' || (entry.cmdline ?? '').includes('curl')));
      assert.equal(document.view?.filter, 'curl');
      assert.ok(linesWith(app.frame(), `saved ${document.connections.length} connections (filter: curl) to ${file}`).length === 1, app.frame());
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test('an unsafe output path shows the error and its fix', async () => {
    const store = new FakeCaptureStore(buildScreenInput(), () => {
      throw new UnsafeOutputError('refusing to write /root/netscope.json: it is a symbolic link', 'remove the link or choose another path');
    });
    app = await renderApp({ width: 160, height: 45, store });
    await app.press('s');
    assert.ok(linesWith(app.frame(), 'refusing to write /root/netscope.json: it is a symbolic link — remove the link or choose another path').length === 1, app.frame());
  });

  test(`the message clears after ${MESSAGE_LIFETIME_MS / 1000} s`, async () => {
    app = await renderApp({ width: 80, height: 24 });
    await app.press('s');
    assert.match(app.frame(), /saved/);
    await delay(MESSAGE_LIFETIME_MS + 100);
    assert.doesNotMatch(app.frame(), /saved/);
  });
});

describe('interval', () => {
  test('+ and - change the tick interval of the store', async () => {
    app = await renderApp({ width: 80, height: 24 });
    assert.equal(app.store.intervalCalls.at(-1), 1000);
    await app.press('+');
    const longer = app.store.intervalCalls.at(-1) ?? 0;
    assert.ok(longer > 1000, `+ lengthens the interval (${longer})`);
    await app.press('-');
    assert.equal(app.store.intervalCalls.at(-1), 1000);
  });
});

describe('ticks', () => {
  test('a published snapshot shows in the next frame', async () => {
    app = await renderApp({ width: 160, height: 45 });
    const snapshot = buildSnapshot();
    const template = snapshot.connections[0];
    assert.ok(template);
    app.store.publish(buildScreenInput({ ...snapshot, connections: [...snapshot.connections, { ...template, id: 1999, daddr: '192.0.2.99', dport: 8443 }] }));
    await delay(20);
    assert.ok(linesWith(app.frame(), '192.0.2.99').length >= 1, app.frame());
  });
});

describe('quit', () => {
  for (const [name, sequence] of [
    ['q', 'q'],
    ['Ctrl-C', keys.ctrlC],
    ['F10', keys.f10],
  ] as const) {
    test(`${name} quits`, async () => {
      app = await renderApp({ width: 80, height: 24 });
      assert.notEqual(app.frame(), '');
      await app.press(sequence);
      assert.equal(app.frame(), '', 'after exit the testing library has no frame');
    });
  }
});

describe('tiny terminal', () => {
  test('at 50×10 the frame is the too-small message only, wrapped rather than cut', async () => {
    app = await renderApp({ width: 50, height: 10 });
    const text = app.frame().split('\n').map((line) => line.trim()).filter((line) => line !== '').join(' ');
    assert.equal(text, 'terminal too small: 50×10, netscope needs 60×15');
    assertFits(app.frame(), 50, 10);
  });
});
