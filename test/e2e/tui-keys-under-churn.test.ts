/**
 * Keys are never dropped under churn: the real live view under tmux at 160×45, ticking every
 * 250 ms while a churn process opens and closes some 400 loopback connections a second, takes a
 * burst of 200 keys — a filter typed with corrections, then sort steps back and forth — and ends
 * showing exactly the filter and the sort those keys spell. A lost or reordered key shows as
 * another filter text or another sort column.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packageRoot } from '../../src/probes/package-paths.js';
import { columnIds, defaultSort, paneColumns } from '../../src/ui/view-model/columns.js';
import { startChurn, type ChurnRun } from '../support/churn.js';
import { TmuxSession } from '../support/tmux.js';

const CHURN_TITLE = 'ns-keychurn';
const CHURN_RATE_PER_SECOND = 400;
const KEY_COUNT = 200;
/** Each correction types two stray characters and takes them back. */
const CORRECTIONS = 10;
/** `I` between sort steps (undone by the next step) and once at the end. */
const INVERTS_BETWEEN = 4;

/**
 * Keys per send-keys: tmux writes them to the terminal back to back, so the live view reads them
 * in one or a few chunks, as from a fast typist or a paste, and the next batch follows at once.
 */
const KEYS_PER_SEND = 20;

/**
 * The burst, and what it must leave on screen. The filter is the churn's name typed with a
 * correction after every character; the sort steps `>` 12 more times than `<` from the
 * Connections default, so the column is that many to the right, then `I` once turns its direction.
 */
function burst(): { keys: string[]; filter: string; sortColumn: string; descending: boolean } {
  // In tmux send-keys terms: a single character is itself, BSpace and Enter are named.
  const keys: string[] = ['/'];
  [...CHURN_TITLE].forEach((character, index) => {
    keys.push(character);
    if (index < CORRECTIONS) keys.push('z', 'q', 'BSpace', 'BSpace');
  });
  keys.push('Enter');
  const sortKeys = KEY_COUNT - keys.length - INVERTS_BETWEEN - 1;
  const net = 12;
  const forward = (sortKeys + net) / 2;
  assert.ok(Number.isInteger(forward), `${sortKeys} sort keys cannot make a net ${net}`);
  // `>` and `<` alternate, the spare `>` last; an `I` now and then is undone by the step after it.
  const interleaved: string[] = [];
  for (let index = 0; index < sortKeys - forward; index++) interleaved.push('>', '<');
  for (let index = 0; index < 2 * forward - sortKeys; index++) interleaved.push('>');
  for (let at = 1; at <= INVERTS_BETWEEN; at++) interleaved.splice(at * 25, 0, 'I');
  interleaved.push('I');
  keys.push(...interleaved);
  assert.equal(keys.length, KEY_COUNT);

  const ids = columnIds('connections');
  const column = ids[(ids.indexOf(defaultSort('connections').column) + net) % ids.length] ?? '';
  const natural = paneColumns.connections.find((entry) => entry.id === column)?.descendingFirst ?? true;
  return { keys, filter: CHURN_TITLE, sortColumn: column, descending: !natural };
}

/** The line that names the panes and the sort. */
function tabLine(screen: string): string {
  return screen.split('\n').find((line) => line.includes('1 Conn')) ?? '';
}

describe('keys under connection churn in the live view', () => {
  let churn: ChurnRun | null = null;
  let session: TmuxSession | null = null;

  before(async () => {
    churn = startChurn({ title: CHURN_TITLE, connections: 1_000_000, seconds: 90, concurrency: 16, rate: CHURN_RATE_PER_SECOND, progressMs: 200 });
    await churn.listening;
    session = new TmuxSession(`${path.join(packageRoot, 'bin/netscope')} -d 250`, { width: 160, height: 45 });
    await session.waitFor((screen) => screen.includes(CHURN_TITLE), 'the churn on screen', 60_000);
    // Chosen, the pane stays put: a finding that opens later does not move the view to Findings.
    session.type('1');
    await session.waitFor((screen) => /\[1 Conn/.test(tabLine(screen)), 'the Connections pane chosen');
  });

  after(() => {
    session?.kill();
    churn?.stop();
  });

  it('a burst of 200 keys — a filter typed with corrections, then sort steps — all take effect, in order', async (t) => {
    assert.ok(session !== null && churn !== null);
    const { keys, filter, sortColumn, descending } = burst();
    const madeBefore = churn.latestProgress()?.made ?? 0;
    const startedAt = performance.now();
    for (let at = 0; at < keys.length; at += KEYS_PER_SEND) session.press(...keys.slice(at, at + KEYS_PER_SEND));
    const sentInMs = performance.now() - startedAt;
    const header = paneColumns.connections.find((column) => column.id === sortColumn)?.header ?? sortColumn;
    const sortLabel = `sort ${header}${descending ? '▼' : '▲'}`;
    const screen = await session.waitFor(
      (text) => tabLine(text).includes(sortLabel) && new RegExp(`filter: ${filter}(\\s|$)`, 'm').test(text),
      `the filter "${filter}" and "${sortLabel}" on screen`,
      30_000,
    );
    const shownAfterMs = performance.now() - startedAt;
    assert.doesNotMatch(screen, /zq|\/ .*▏/, 'no stray characters, and the prompt closed');
    // Stays put: nothing left in a queue to change it later.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const settled = session.screen();
    // The churn's progress arrives every 200 ms, and not while the keys are being sent: its rate
    // is taken over the burst and the wait after it, several progress lines long.
    const madeDuring = (churn.latestProgress()?.made ?? 0) - madeBefore;
    const seconds = (performance.now() - startedAt) / 1000;
    t.diagnostic(`${KEY_COUNT} keys sent in ${sentInMs.toFixed(0)} ms, on screen after ${shownAfterMs.toFixed(0)} ms; ${madeDuring} connections made in ${seconds.toFixed(1)} s`);
    assert.ok(madeDuring / seconds >= 100, `the churn ran at ${(madeDuring / seconds).toFixed(0)} connections/s around the burst`);
    assert.ok(tabLine(settled).includes(sortLabel), tabLine(settled));
    assert.match(settled, new RegExp(`filter: ${filter}(\\s|$)`, 'm'));
    session.type('q');
  });
});
