import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { buildScreenInput, FakeCaptureStore } from './fake-store.js';
import { connection, snapshot } from './view-model/snapshot-builder.js';
import { assertFits, keys, linesWith, renderApp, type RenderedApp } from './render-app.js';

let app: RenderedApp | undefined;
afterEach(() => app?.unmount());

/** The table's column header line: the one naming PROCESS (the tab line names the sort too). */
function headerLine(frame: string): string {
  return frame.split('\n').find((line) => /PROCESS/.test(line)) ?? '';
}

const curls = Array.from({ length: 5 }, (_, index) => connection({ id: 10 + index, sport: 40000 + index, owner: { pid: 2000 + index, comm: 'curl' } }));
const server = connection({ id: 30, sport: 8000, owner: { pid: 812, comm: 'python3', cmdline: '/usr/bin/python3 -m http.server 8000' } });
const store = () => new FakeCaptureStore(buildScreenInput(snapshot({ connections: [...curls, server] })));

describe('column chooser (C)', () => {
  test('at 80×24 C lists the columns, Space brings PID and LOCAL back, Esc shows them in the table, and they stay across panes', async () => {
    app = await renderApp({ width: 80, height: 24, store: store() });
    assert.doesNotMatch(headerLine(app.frame()), /PID|LOCAL/);
    await app.press('C');
    assert.equal(linesWith(app.frame(), 'Columns of Connections').length, 1, app.frame());
    assert.match(app.frame(), /> \[ \] PID\s+no room at this width/);
    await app.press(' ');
    await app.press(keys.down);
    await app.press(keys.down);
    await app.press(keys.down);
    await app.press(keys.enter);
    assert.match(app.frame(), /\[x\] PID\s+on \(chosen\)/);
    assert.match(app.frame(), /> \[x\] LOCAL\s+on \(chosen\)/);
    assertFits(app.frame(), 80, 24);
    await app.press(keys.escape);
    assert.match(headerLine(app.frame()), /^\s*PID PROCESS\s+LOCAL\s+REMOTE/);
    await app.press('2');
    await app.press('1');
    assert.match(headerLine(app.frame()), /^\s*PID PROCESS\s+LOCAL\s+REMOTE/, 'remembered for the session');
  });
});

describe('processes grouped by name (H)', () => {
  test('H folds the five curls into one ×5 row, Enter scopes the connections to all five, H again lists them per pid', async () => {
    app = await renderApp({ width: 100, height: 24, store: store() });
    await app.press('2');
    assert.equal(linesWith(app.frame(), ' curl ').length, 5);
    assert.match(app.frame(), /H group by name/);
    await app.press('H');
    const curlRows = linesWith(app.frame(), ' curl ');
    assert.equal(curlRows.length, 1, app.frame());
    assert.match(curlRows[0] ?? '', /^\S*\s*×5 curl\s+5 /);
    assert.match(linesWith(app.frame(), 'python3')[0] ?? '', /- http\.server 8/, 'COMMAND leads with the module');
    // Select the curl row (the busier python3 may come first) and scope to it.
    const order = app.frame().split('\n').filter((line) => / ×\d /.test(line));
    for (let step = 0; step < order.findIndex((line) => line.includes('curl')); step++) await app.press(keys.down);
    await app.press(keys.enter);
    assert.match(app.frame(), /scope: processes named curl \(5 pids\)/);
    assert.equal(linesWith(app.frame(), 'curl').filter((line) => !line.includes('scope:')).length, 5, app.frame());
    await app.press(keys.escape);
    await app.press('2');
    await app.press('H');
    assert.equal(linesWith(app.frame(), ' curl ').length, 5);
  });
});
