import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Finding } from '../../../src/findings/finding.js';
import { commandForKey } from '../../../src/ui/keymap.js';
import { findingScope, withCurrentEvidence } from '../../../src/ui/view-model/finding-scope.js';
import { selectScreen } from '../../../src/ui/view-model/select-screen.js';
import { selectHelp } from '../../../src/ui/view-model/select-help.js';
import { TAB_DECORATION_WIDTH, SORT_LABEL_GAP } from '../../../src/ui/view-model/select-tabs.js';
import { displayWidth } from '../../../src/ui/view-model/text-width.js';
import { initialUiState, uiReducer } from '../../../src/ui/view-model/ui-reducer.js';
import type { UiAction, UiState } from '../../../src/ui/view-model/ui-state.js';
import type { ScreenView, TableView } from '../../../src/ui/view-model/view-types.js';
import { wrapText } from '../../../src/ui/view-model/wrap-text.js';
import { buildScreenInput, cookies, T0 } from '../fake-store.js';
import { key } from '../ink-key.js';
import { buildFinding, curlLoss, fixtureFindings, postgresQueue, refusedResolved } from './finding-builder.js';

const WIDE = { width: 160, height: 45 };
const NARROW = { width: 80, height: 24 };

function state(fields: Partial<UiState> = {}): UiState {
  return { ...initialUiState({ intervalMs: 1000 }), ...fields };
}

function reduce(start: UiState, ...actions: UiAction[]): UiState {
  return actions.reduce(uiReducer, start);
}

function input(findings: readonly Finding[] = fixtureFindings) {
  return { ...buildScreenInput(), findings };
}

function table(screen: ScreenView): TableView {
  assert.equal(screen.body.kind, 'table');
  return screen.body.table;
}

/** The cell of column `id` in each row of the table. */
function column(view: TableView, id: string): string[] {
  const position = view.columns.findIndex((candidate) => candidate.id === id);
  assert.ok(position >= 0, `no column ${id} among ${view.columns.map((candidate) => candidate.id).join(' ')}`);
  return view.rows.map((row) => (row.cells[position] ?? '').trim());
}

function tabLine(screen: ScreenView): string {
  const tabs = screen.tabs.map((tab) => (tab.active ? `[${tab.label}]` : ` ${tab.label} `)).join('');
  return screen.sortLabel === null ? tabs : `${tabs}${' '.repeat(SORT_LABEL_GAP)}${screen.sortLabel}`;
}

const onFindings = state({ pane: 'findings' });

describe('the Findings pane', () => {
  test('lists open findings worst first, resolved ones after, each coloured by its severity and dim once resolved', () => {
    const view = table(selectScreen(input(), onFindings, WIDE));
    assert.deepEqual(
      view.rows.map((row) => row.key),
      [curlLoss.id, postgresQueue.id, refusedResolved.id],
    );
    assert.deepEqual(view.rows.map((row) => row.tone), ['bad', 'warn', 'dim']);
    assert.deepEqual(column(view, 'severity'), ['critical', 'warning', 'info']);
    assert.deepEqual(column(view, 'kind'), ['loss', 'accept queue', 'refused']);
    assert.deepEqual(column(view, 'state'), ['open', 'open', 'resolved']);
    assert.match(column(view, 'summary')[0]!, /^curl \(pid 4242\) loses 8\.2% of its segments to 93\.184\.216\.34:443/);
    assert.equal(view.sortLabel, 'sort SEV▲');
  });

  test('says since when as an age and a time of day, and when it was last seen, against the snapshot clock', () => {
    const view = table(selectScreen(input(), onFindings, WIDE));
    const clock = (ms: number) => {
      const date = new Date(ms);
      return [date.getHours(), date.getMinutes(), date.getSeconds()].map((part) => String(part).padStart(2, '0')).join(':');
    };
    assert.equal(column(view, 'since')[0], `3m12s · ${clock(T0 - 192_000)}`);
    assert.equal(column(view, 'lastSeen')[0], '2.0s ago');
    assert.equal(column(view, 'lastSeen')[1], 'now', 'seen at this tick');
  });

  test('sorts by any of its columns with < > and I, as the other panes do', () => {
    const bySince = reduce(onFindings, { type: 'sortNextColumn' }, { type: 'sortNextColumn' }, { type: 'sortNextColumn' });
    assert.deepEqual(bySince.sort.findings, { column: 'since', descending: true });
    assert.deepEqual(
      table(selectScreen(input(), bySince, WIDE)).rows.map((row) => row.key),
      [curlLoss.id, postgresQueue.id, refusedResolved.id],
      'oldest first',
    );
    const newestFirst = reduce(bySince, { type: 'invertSort' });
    assert.deepEqual(
      table(selectScreen(input(), newestFirst, WIDE)).rows.map((row) => row.key),
      [refusedResolved.id, postgresQueue.id, curlLoss.id],
    );
  });

  test('the filter matches the summary, the kind, the process and the peer; port: and pid: their subject', () => {
    const kept = (text: string) => table(selectScreen(input(), state({ pane: 'findings', filter: { text, editing: false } }), WIDE)).rows.map((row) => row.key);
    assert.deepEqual(kept('segments'), [curlLoss.id], 'a word of the summary');
    assert.deepEqual(kept('refused'), [refusedResolved.id], 'the kind');
    assert.deepEqual(kept('postgres'), [postgresQueue.id], 'the process');
    assert.deepEqual(kept('198.51.100.9'), [refusedResolved.id], 'the peer');
    assert.deepEqual(kept('port:5432'), [postgresQueue.id], 'the listener port of its subject');
    assert.deepEqual(kept('pid:4242'), [curlLoss.id]);
    assert.deepEqual(kept('state:close'), [refusedResolved.id], 'a state of its evidence connections');
    assert.deepEqual(kept('!curl'), [postgresQueue.id]);
  });

  test('is on the tab line, first, only while a finding is open or the pane is on screen; the numbers stay', () => {
    const withOpen = selectScreen(input(), state(), WIDE);
    assert.equal(withOpen.tabs[0]?.pane, 'findings');
    assert.match(tabLine(withOpen), /^ ! Findings \[1 Connections \(4\)\] 2 Processes  3 Containers  4 Peers  5 Listeners  6 Events /);
    assert.equal(withOpen.findingsShown, true);
    const resolvedOnly = selectScreen(input([refusedResolved]), state(), WIDE);
    assert.ok(!resolvedOnly.tabs.some((tab) => tab.pane === 'findings'));
    assert.equal(resolvedOnly.findingsShown, false);
    const resolvedOnFindings = selectScreen(input([refusedResolved]), onFindings, WIDE);
    assert.equal(resolvedOnFindings.tabs[0]?.label, '! Findings (1)');
  });

  test("only open findings the view's filter and scope keep claim the tab line: --port 5432 is about that port", () => {
    const aboutPostgres = selectScreen(input([curlLoss]), state({ filter: { text: 'port:5432', editing: false } }), WIDE);
    assert.equal(aboutPostgres.findingsShown, false);
    assert.ok(!aboutPostgres.tabs.some((tab) => tab.pane === 'findings'));
    assert.equal(aboutPostgres.header.findings, 'findings 1 ▲critical', 'the header still counts every open finding');
    assert.equal(selectScreen(input([curlLoss]), state({ filter: { text: 'port:443', editing: false } }), WIDE).findingsShown, true);
    assert.equal(selectScreen(input([curlLoss]), state({ scope: { kind: 'process', pid: 1311 } }), WIDE).findingsShown, false);
    assert.equal(selectScreen(input([curlLoss]), state({ scope: { kind: 'process', pid: 4242 } }), WIDE).findingsShown, true);
  });

  test('the tab line still fits 80 columns with Findings on it, on every pane and sort', () => {
    for (const pane of ['findings', 'connections', 'processes', 'containers', 'peers', 'listeners', 'events'] as const) {
      const screen = selectScreen(input(), state({ pane }), NARROW);
      const line = tabLine(screen);
      assert.ok(displayWidth(line) <= NARROW.width, `${pane}: ${line}`);
      assert.equal(screen.tabs.reduce((sum, tab) => sum + displayWidth(tab.label) + TAB_DECORATION_WIDTH, 0) <= NARROW.width, true);
      assert.ok(screen.tabs.some((tab) => tab.label.startsWith('1')), line);
    }
  });

  test('at 80 columns the summary keeps the width that is left after severity, since and state', () => {
    const view = table(selectScreen(input(), onFindings, NARROW));
    assert.deepEqual(view.columns.map((candidate) => candidate.id), ['severity', 'summary', 'since', 'state']);
    assert.ok(view.columns.reduce((sum, candidate) => sum + candidate.width + 1, -1) <= NARROW.width);
    const summary = view.columns.find((candidate) => candidate.id === 'summary');
    assert.ok(summary !== undefined && summary.width >= 40, `summary ${summary?.width} cells`);
  });

  test('an empty pane says nothing has been seen: no finding on a healthy host', () => {
    const view = table(selectScreen(input([]), onFindings, WIDE));
    assert.equal(view.matchingRows, 0);
    assert.equal(view.totalRows, 0);
  });
});

describe('the header', () => {
  test('counts the open findings and names the worst severity, in its tone, before the health counters', () => {
    const header = selectScreen(input(), state(), WIDE).header;
    assert.equal(header.findings, 'findings 2 ▲critical');
    assert.equal(header.findingsTone, 'bad');
    assert.match(header.health, /^retrans /);
    const warningOnly = selectScreen(input([postgresQueue, refusedResolved]), state(), WIDE).header;
    assert.equal(warningOnly.findings, 'findings 1 ▲warning');
    assert.equal(warningOnly.findingsTone, 'warn');
  });

  test('says nothing while none is open, and the health line is as it was', () => {
    const before = selectScreen(input([]), state(), WIDE).header;
    const resolved = selectScreen(input([refusedResolved]), state(), WIDE).header;
    assert.equal(resolved.findings, null);
    assert.equal(resolved.health, before.health);
  });

  test('at 60 and 80 columns the count keeps its place and the health counters give way', () => {
    for (const width of [60, 80]) {
      const header = selectScreen(input(), state(), { width, height: 24 }).header;
      assert.equal(header.findings, 'findings 2 ▲critical');
      assert.ok(displayWidth(`${header.findings} · ${header.health}`) <= width, header.health);
    }
  });
});

describe('a finding scope', () => {
  test('Enter on a finding carries its evidence; the reducer scopes every pane to it and shows its connections', () => {
    const screen = selectScreen(input(), onFindings, WIDE);
    assert.deepEqual(screen.selectedFinding, findingScope(curlLoss));
    const command = commandForKey('', key({ return: true }), {
      filterEditing: false,
      filterText: '',
      navigation: screen.navigation,
      selectedKey: screen.selectedKey,
      selectedFinding: screen.selectedFinding,
    });
    assert.deepEqual(command, { type: 'enterFinding', scope: findingScope(curlLoss) });
    const scoped = uiReducer(onFindings, command as UiAction);
    assert.equal(scoped.pane, 'connections');
    assert.deepEqual(scoped.scope, {
      kind: 'finding',
      id: curlLoss.id,
      summary: curlLoss.summary,
      connectionIds: [cookies.curl],
      listenerIds: [],
      pid: 4242,
      peerAddress: '93.184.216.34',
    });
    const connections = selectScreen(input(), scoped, WIDE);
    assert.deepEqual(table(connections).rows.map((row) => row.key), [String(cookies.curl)]);
    assert.equal(connections.header.scope, `scope: finding: ${curlLoss.summary} · Esc leaves`);
  });

  test('narrows the other panes to the evidence: its listeners by id, the processes and peers of its connections, their events', () => {
    const scope = findingScope(postgresQueue);
    const on = (pane: UiState['pane']) => table(selectScreen(input(), state({ pane, scope }), WIDE)).rows.map((row) => row.key);
    assert.deepEqual(on('connections'), [String(cookies.postgres)]);
    assert.deepEqual(on('listeners'), ['2002/1311']);
    assert.deepEqual(on('processes'), ['1311']);
    assert.deepEqual(on('peers'), ['2001:db8::20']);
    assert.deepEqual(on('findings'), [postgresQueue.id]);
    const curlEvents = table(selectScreen(input(), state({ pane: 'events', scope: findingScope(curlLoss) }), WIDE)).rows;
    assert.equal(curlEvents.length, 3, 'the drop, the retransmit and the handshake of the lossy connection');
    assert.ok(curlEvents.every((row) => row.key.startsWith(`${cookies.curl}/`)));
  });

  test('other scopes keep the findings about what they name, or holding their connections as evidence', () => {
    const kept = (scope: UiState['scope']) => table(selectScreen(input(), state({ pane: 'findings', scope }), WIDE)).rows.map((row) => row.key);
    assert.deepEqual(kept({ kind: 'process', pid: 4242 }), [curlLoss.id]);
    assert.deepEqual(kept({ kind: 'peer', address: '198.51.100.9' }), [refusedResolved.id]);
    assert.deepEqual(kept({ kind: 'containerQuery', container: null, pod: 'db-0' }), [postgresQueue.id]);
  });

  test('follows the finding as its evidence grows, and keeps what it had once the finding is gone', () => {
    const scoped = state({ scope: findingScope(curlLoss) });
    const grown = { ...curlLoss, evidence: { ...curlLoss.evidence, connectionIds: [cookies.curl, cookies.nginx] } };
    assert.deepEqual(
      table(selectScreen(input([grown]), scoped, WIDE)).rows.map((row) => row.key).sort(),
      [String(cookies.nginx), String(cookies.curl)].sort(),
    );
    assert.equal(withCurrentEvidence(scoped, [curlLoss]), scoped, 'unchanged evidence: the same state');
    assert.equal(withCurrentEvidence(scoped, []), scoped);
    assert.deepEqual(table(selectScreen(input([]), scoped, WIDE)).rows.map((row) => row.key), [String(cookies.curl)]);
  });

  test('Enter again on the finding in scope, or d, opens its page; Esc closes it, then leaves the scope', () => {
    const scope = findingScope(curlLoss);
    const scoped = reduce(onFindings, { type: 'enterFinding', scope });
    const page = reduce(scoped, { type: 'selectPane', pane: 'findings' }, { type: 'enterFinding', scope });
    assert.deepEqual(page.view, { kind: 'finding', findingId: curlLoss.id });
    assert.deepEqual(uiReducer(scoped, { type: 'openFindingDetail', key: String(cookies.curl) }).view, { kind: 'finding', findingId: curlLoss.id }, 'd from its connections');
    assert.deepEqual(uiReducer(onFindings, { type: 'openFindingDetail', key: postgresQueue.id }).view, { kind: 'finding', findingId: postgresQueue.id });
    const closed = uiReducer(page, { type: 'back' });
    assert.deepEqual(closed.view, { kind: 'table' });
    assert.equal(closed.scope?.kind, 'finding');
    assert.equal(uiReducer(closed, { type: 'back' }).scope, null);
  });

  test('d with no finding to show says where to find one', () => {
    const elsewhere = uiReducer(state(), { type: 'openFindingDetail', key: '1002' });
    assert.deepEqual(elsewhere.view, { kind: 'table' });
    assert.match(elsewhere.message?.text ?? '', /Findings pane \(!\)/);
    assert.equal(uiReducer(onFindings, { type: 'openFindingDetail', key: null }).message?.text, 'no finding to show');
  });
});

describe('keys and the start on Findings', () => {
  const browsing = { filterEditing: false, filterText: '', navigation: { keys: [], pageSize: 10 }, selectedKey: null };

  test('! selects Findings and d opens a finding; 1–6 are unchanged', () => {
    assert.deepEqual(commandForKey('!', key(), browsing), { type: 'selectPane', pane: 'findings' });
    assert.deepEqual(commandForKey('d', key(), { ...browsing, selectedKey: 'x' }), { type: 'openFindingDetail', key: 'x' });
    assert.deepEqual(commandForKey('1', key(), browsing), { type: 'selectPane', pane: 'connections' });
    assert.deepEqual(commandForKey('!', key(), { ...browsing, filterEditing: true }), { type: 'editFilter', text: '!' }, 'in the prompt, ! negates');
  });

  test('Tab walks Findings too while the tab line shows it, and only then', () => {
    const shown = { ...browsing, findingsShown: true };
    const tab = commandForKey('', key({ tab: true }), shown) as UiAction;
    const back = commandForKey('', key({ tab: true, shift: true }), shown) as UiAction;
    assert.equal(uiReducer(state(), back).pane, 'findings');
    assert.equal(uiReducer(uiReducer(state({ pane: 'events' }), tab), tab).pane, 'connections');
    assert.equal(uiReducer(state({ pane: 'events' }), tab).pane, 'findings');
    assert.equal(uiReducer(state({ pane: 'findings' }), { type: 'nextPane' }).pane, 'connections', 'once its tab is gone');
  });

  test('the first open finding brings the view to Findings, once, and never after the user picked a pane', () => {
    const moved = uiReducer(state(), { type: 'startOnFindings' });
    assert.equal(moved.pane, 'findings');
    assert.equal(uiReducer(uiReducer(moved, { type: 'selectPane', pane: 'peers' }), { type: 'startOnFindings' }).pane, 'peers');
    for (const action of [
      { type: 'nextPane' },
      { type: 'selectPane', pane: 'processes' },
      { type: 'move', delta: 1, rows: { keys: ['a', 'b'], pageSize: 2 } },
      { type: 'sortNextColumn' },
      { type: 'enter', key: '4242' },
      { type: 'openFilter' },
      { type: 'toggleClosed' },
    ] satisfies UiAction[]) {
      const chosen = uiReducer(state(), action);
      assert.equal(chosen.paneChosen, true, action.type);
      assert.equal(uiReducer(chosen, { type: 'startOnFindings' }), chosen, action.type);
    }
  });

  test('the help page lists the Findings key, Enter on a finding and d', () => {
    const entries = new Map(selectHelp(80, 24).entries);
    assert.match(entries.get('! 1 2 3 4 5 6') ?? '', /^Findings Connections/);
    assert.match(entries.get('Enter  d') ?? '', /a finding's evidence \(d: its page\)/);
  });
});

describe('pages', () => {
  test("a finding's page holds its whole text, wrapped: summary, next step, times, counters with units, reasons, absorbed, evidence", () => {
    const screen = selectScreen(input(), state({ pane: 'findings', view: { kind: 'finding', findingId: curlLoss.id } }), NARROW);
    assert.equal(screen.body.kind, 'finding');
    if (screen.body.kind !== 'finding') return;
    const page = screen.body.finding;
    assert.equal(page.title, '▲critical · loss · open');
    assert.equal(page.titleTone, 'bad');
    const group = (label: string) => page.groups.find((candidate) => candidate.label === label)?.lines ?? [];
    assert.equal(group('Summary').join(' '), curlLoss.summary, 'the whole summary');
    assert.ok(group('Summary').length > 1 && group('Summary').every((line) => displayWidth(line) <= NARROW.width - 11));
    assert.equal(group('Next step').join(' '), curlLoss.nextStep);
    assert.deepEqual(group('Counters'), ['retransmitted  7 segments', 'segments sent  800 segments', 'loss  8.2%']);
    assert.deepEqual(group('Reasons'), ['NETFILTER_DROP']);
    assert.match(group('Absorbed').join(' '), /^drops: symptoms of this cause/);
    assert.match(group('Since')[0] ?? '', / · 3m12s ago$/);
    assert.equal(group('Last seen')[0]?.endsWith(' · 2.0s ago'), true);
    assert.deepEqual(group('Evidence'), ['curl (4242)  10.0.0.5:40522 → 93.184.216.34:443  ESTAB  retrans 7']);
    assert.deepEqual(group('Process'), ['curl · pid 4242']);
    assert.deepEqual(group('Peer'), ['93.184.216.34:443']);
  });

  test("a resolved finding's page says when it resolved; one no longer listed keeps its last text", () => {
    const view = { kind: 'finding', findingId: refusedResolved.id } as const;
    const shown = selectScreen(input(), state({ view }), WIDE);
    assert.ok(shown.body.kind === 'finding' && shown.body.finding.groups.some((group) => group.label === 'Resolved' && group.lines[0]?.endsWith('4.0s ago')));
    const gone = selectScreen(input([]), state({ view }), WIDE);
    assert.ok(gone.body.kind === 'finding' && !gone.body.finding.present && gone.body.finding.title === '▲info · refused · resolved');
    assert.ok(gone.body.kind === 'finding' && gone.body.finding.groups.some((group) => group.label === 'Evidence' && group.lines[0]?.startsWith('curl (4250)')));
  });

  test("a connection's page lists the findings whose evidence holds it, worst first", () => {
    const both = buildFinding({ id: 'resets:curl', kind: 'resets', severity: 'info', summary: 'curl is reset', evidence: { ...curlLoss.evidence, absorbed: [] } });
    const screen = selectScreen(input([both, curlLoss, postgresQueue]), state({ view: { kind: 'detail', connectionId: cookies.curl } }), WIDE);
    assert.ok(screen.body.kind === 'detail');
    if (screen.body.kind !== 'detail') return;
    assert.deepEqual(screen.body.detail.findings, [
      { text: `▲critical loss · ${curlLoss.summary}`, tone: 'bad' },
      { text: '▲info resets · curl is reset', tone: 'dim' },
    ]);
    const other = selectScreen(input(), state({ view: { kind: 'detail', connectionId: cookies.nginx } }), WIDE);
    assert.ok(other.body.kind === 'detail' && other.body.detail.findings.length === 0);
  });
});

describe('wrapText', () => {
  test('breaks between words, cuts a word longer than a line, and never returns a line wider than asked', () => {
    assert.deepEqual(wrapText('the peer is not answering SYNs', 12), ['the peer is', 'not', 'answering', 'SYNs']);
    assert.deepEqual(wrapText('abcdefghij kl', 4), ['abcd', 'efgh', 'ij', 'kl']);
    assert.deepEqual(wrapText('', 10), ['']);
    assert.deepEqual(wrapText('日本語', 1), ['日', '本', '語']);
  });
});
