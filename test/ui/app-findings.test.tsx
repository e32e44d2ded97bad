/**
 * The Findings pane in the rendered app, over the fake store with synthetic findings: the view
 * goes to it on its own, Enter scopes to a finding's evidence, d opens its page, s saves under
 * the scope; at 80×24 and 160×45.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, test } from 'node:test';
import type { Finding } from '../../src/findings/finding.js';
import { initialUiState } from '../../src/ui/view-model/ui-reducer.js';
import { FakeCaptureStore, buildScreenInput, cookies } from './fake-store.js';
import { assertFits, keys, linesWith, renderApp, type RenderedApp } from './render-app.js';
import { curlLoss, fixtureFindings, postgresQueue } from './view-model/finding-builder.js';

let app: RenderedApp | undefined;
afterEach(() => app?.unmount());

function storeWith(findings: readonly Finding[]): FakeCaptureStore {
  return new FakeCaptureStore({ ...buildScreenInput(), findings });
}

/** The tab line: the one that names Connections by its key. */
function tabLine(frame: string): string {
  return frame.split('\n').find((line) => /\b1 Conn/.test(line) || /\[1/.test(line)) ?? '';
}

/**
 * The frame once `ready` holds: moving to Findings takes a render more than a key does (an effect
 * dispatches it), which a loaded machine can stretch past one settle.
 */
async function frameWhen(rendered: RenderedApp, ready: (frame: string) => boolean, what: string): Promise<string> {
  const deadline = Date.now() + 3000;
  while (!ready(rendered.frame())) {
    if (Date.now() > deadline) assert.fail(`${what}:\n${rendered.frame()}`);
    await delay(20);
  }
  return rendered.frame();
}

const onFindingsPane = (frame: string) => /^\[! Find/.test(tabLine(frame));

/** The lines holding `text`, less the scope line (which names the finding, and so its peer). */
function rowsWith(frame: string, text: string): string[] {
  return linesWith(frame, text).filter((line) => !line.startsWith('scope:'));
}

/** The line of the header's findings count and health counters. */
function healthLine(frame: string): string {
  return frame.split('\n').find((line) => line.includes('retrans ')) ?? '';
}

for (const { width, height } of [
  { width: 80, height: 24 },
  { width: 160, height: 45 },
]) {
  describe(`findings at ${width}×${height}`, () => {
    test('with a finding open the view starts on Findings, first on the tab line, worst first; the header counts them', async () => {
      app = await renderApp({ width, height, store: storeWith(fixtureFindings) });
      const frame = await frameWhen(app, onFindingsPane, 'the view on Findings');
      assert.match(tabLine(frame), /^\[! Find(ings)? \(3\)\]/, frame);
      assert.match(tabLine(frame), /\b1\b.*\b2\b.*\b3\b.*\b4\b.*\b5\b.*\b6\b/, 'the numbered panes keep their keys');
      assert.match(healthLine(frame), /^findings 2 ▲critical · retrans /);
      const rows = [linesWith(frame, 'loses 8.2%'), linesWith(frame, 'postgres (pid 1311'), linesWith(frame, 'was refused')];
      for (const row of rows) assert.equal(row.length, 1, frame);
      assert.ok(frame.indexOf('loses 8.2%') < frame.indexOf('postgres (pid 1311') && frame.indexOf('postgres (pid 1311') < frame.indexOf('was refused'));
      assert.match(rows[0]![0]!, /^critical\s/);
      assert.match(rows[2]![0]!, /\bresolved\s*$/);
      assertFits(frame, width, height);
    });

    test('Enter shows the evidence on every pane, the scope line names the finding; d its page; Esc, Esc back to all', async () => {
      app = await renderApp({ width, height, store: storeWith(fixtureFindings) });
      await frameWhen(app, onFindingsPane, 'the view on Findings');
      await app.press(keys.enter);
      const scoped = app.frame();
      assert.match(scoped, /^scope: finding: curl \(pid 4242\) loses 8\.2%/m, scoped);
      assert.match(tabLine(scoped), /\[1 Conn\w* \(1\/4\)\]/, 'the evidence connection alone');
      assert.equal(rowsWith(scoped, '93.184.216.34:443').length, 1);
      assert.equal(rowsWith(scoped, '203.0.113.7').length, 0);
      assert.ok(scoped.includes('d finding') || width < 100, 'the footer offers the page');
      assertFits(scoped, width, height);

      await app.press('4');
      assert.match(tabLine(app.frame()), /\[4 Peers \(1\/\d+\)\]/);
      assert.equal(rowsWith(app.frame(), '93.184.216.34').length, 1);

      await app.press('d');
      const page = app.frame();
      assert.match(page, /^▲critical · loss · open$/m, page);
      assert.match(page, /^Summary\s+curl \(pid 4242\) loses 8\.2%/m);
      assert.match(page, /^Next step\s+a firewall on this host drops them/m);
      assert.match(page, /^Counters\s+retransmitted  7 segments$/m);
      assert.match(page, /^Reasons\s+NETFILTER_DROP$/m);
      assert.match(page, /^Evidence\s+curl \(4242\)  10\.0\.0\.5:40522 → 93\.184\.216\.34:443  ESTAB  retrans 7$/m);
      assert.ok(page.includes('(NETFILTER_DROP)'), 'the end of the summary is on the page: wrapped, not cut');
      assertFits(page, width, height);

      await app.press(keys.escape);
      assert.match(app.frame(), /^scope: finding:/m);
      await app.press(keys.escape);
      assert.doesNotMatch(app.frame(), /^scope:/m);
      assert.ok(linesWith(app.frame(), '93.184.216.34').length >= 1);
    });

    test("Enter again on the finding in scope opens its page; a connection's page names its findings", async () => {
      app = await renderApp({ width, height, store: storeWith(fixtureFindings) });
      await frameWhen(app, onFindingsPane, 'the view on Findings');
      await app.press(keys.enter);
      await app.press('!');
      assert.match(tabLine(app.frame()), /^\[! Find(ings)? \(1\/3\)\]/);
      await app.press(keys.enter);
      assert.match(app.frame(), /^▲critical · loss · open$/m);
      await app.press(keys.escape);
      await app.press('1');
      await app.press(keys.enter);
      const connectionPage = app.frame();
      assert.match(connectionPage, /^Findings\s+▲critical loss · curl \(pid 4242\) loses 8\.2%/m, connectionPage);
      assert.match(connectionPage, /^Timeline\s/m, 'the rest of the connection page is there');
      assertFits(connectionPage, width, height);
    });

    test('s under a finding scope saves what the view keeps, the finding named', async () => {
      app = await renderApp({ width, height, store: storeWith(fixtureFindings) });
      await frameWhen(app, onFindingsPane, 'the view on Findings');
      await app.press('j');
      await app.press(keys.enter);
      await app.press('s');
      const saved = app.store.saveStates.at(-1);
      assert.equal(saved?.scope?.kind, 'finding');
      assert.equal(saved?.scope?.kind === 'finding' ? saved.scope.id : null, postgresQueue.id);
      assert.deepEqual(saved?.scope?.kind === 'finding' ? saved.scope.listenerIds : null, [2002]);
      assert.match(app.frame(), /saved \d+ connections? \(scope: finding acceptQueueOverflow:pid=1311:port=5432\)/);
    });
  });
}

describe('findings that come later', () => {
  test('the first finding to open brings the view to Findings; not once the user has picked a pane', async () => {
    app = await renderApp({ width: 160, height: 45, store: storeWith([]) });
    assert.doesNotMatch(tabLine(app.frame()), /Findings/, 'no tab while nothing is wrong');
    assert.doesNotMatch(app.frame(), /^findings /m);
    app.store.publish({ ...buildScreenInput(), findings: [curlLoss] });
    await frameWhen(app, (frame) => /^\[! Findings \(1\)\]/.test(tabLine(frame)), 'the view on Findings');
    await app.press('3');
    app.store.publish({ ...buildScreenInput(), findings: [curlLoss, postgresQueue] });
    await delay(40);
    assert.match(tabLine(app.frame()), /\[3 Containers/, 'the view stays where the user put it');
    assert.match(app.frame(), /^findings 2 ▲critical/m);
  });

  test('a finding the filter leaves out does not move the view: the header counts it, ! still shows it', async () => {
    app = await renderApp({ width: 160, height: 45, store: storeWith([]), initialState: initialUiState({ intervalMs: 1000, port: 5432 }) });
    app.store.publish({ ...buildScreenInput(), findings: [curlLoss] });
    await frameWhen(app, (frame) => /^findings 1 ▲critical/m.test(frame), 'the header count');
    await delay(100);
    assert.match(tabLine(app.frame()), /^\[1 Connections/, 'still on Connections, no Findings tab');
    await app.press('!');
    assert.match(app.frame(), /no rows match \(1 hidden by the filter or scope\)/);
  });

  test('someone already at work is not moved: Tab before the first finding keeps the pane', async () => {
    app = await renderApp({ width: 160, height: 45, store: storeWith([]) });
    await app.press(keys.tab);
    app.store.publish({ ...buildScreenInput(), findings: [curlLoss] });
    await delay(40);
    assert.match(tabLine(app.frame()), /\[2 Processes/);
    await app.press(keys.shiftTab);
    await app.press(keys.shiftTab);
    assert.match(tabLine(app.frame()), /^\[! Findings \(1\)\]/, 'Shift-Tab reaches Findings while it is on the tab line');
    assert.equal(app.store.detailConnectionCalls.includes(cookies.curl), false);
  });
});
