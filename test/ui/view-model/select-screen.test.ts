import assert from 'node:assert/strict';
import { formatTimeOfDay } from '../../../src/ui/view-model/format.js';
import { describe, test } from 'node:test';
import { selectScreen } from '../../../src/ui/view-model/select-screen.js';
import { footerLineCount } from '../../../src/ui/view-model/select-footer.js';
import { headerLineCount } from '../../../src/ui/view-model/select-header.js';
import { SORT_LABEL_GAP, TAB_DECORATION_WIDTH } from '../../../src/ui/view-model/select-tabs.js';
import { displayWidth } from '../../../src/ui/view-model/text-width.js';
import { paneColumns } from '../../../src/ui/view-model/columns.js';
import { initialUiState } from '../../../src/ui/view-model/ui-reducer.js';
import type { UiState } from '../../../src/ui/view-model/ui-state.js';
import type { ScreenView } from '../../../src/ui/view-model/view-types.js';
import type { ModelSnapshot } from '../../../src/model/snapshot-types.js';
import { NOW, connection, containerIdentity, flowLimit, listener, manyConnections, ratePoint, screenInput, snapshot, source } from './snapshot-builder.js';

const MiB = 1024 * 1024;

function state(fields: Partial<UiState> = {}): UiState {
  return { ...initialUiState({ intervalMs: 1000 }), ...fields };
}

/** Lines the components draw for this frame: header, tabs, table header and rows, footer. */
function frameLines(screen: ScreenView): number {
  const body = screen.body.kind === 'table' ? 1 + screen.body.table.rows.length : 0;
  return headerLineCount(screen.header) + 1 + body + footerLineCount(screen.footer);
}

const busy = snapshot({ connections: manyConnections(10_000) });
const sizes = [
  { width: 160, height: 45 },
  { width: 80, height: 24 },
  { width: 60, height: 15 },
];

describe('screen layout', () => {
  test('the frame is never taller than the terminal, even with every optional line showing', () => {
    const crowded = screenInput(busy, {
      source: source({ probes: [{ name: 'kfree_skb', status: 'unsupported', reason: 'no tracepoint' }] }),
    });
    const heaviest = state({
      scope: { kind: 'process', pid: 1003 },
      filter: { text: 'port:70000', editing: false },
      message: { text: 'saved /root/netscope-2025-01-01.json', tone: 'info' },
      paused: true,
    });
    for (const size of sizes) {
      for (const uiState of [state(), heaviest, state({ scope: { kind: 'process', pid: 1003 } })]) {
        const screen = selectScreen(crowded, uiState, size);
        assert.equal(screen.tooSmall, null);
        assert.ok(frameLines(screen) <= size.height, `${frameLines(screen)} lines at ${size.width}×${size.height}`);
      }
      const plain = selectScreen(screenInput(busy), state(), size);
      assert.equal(frameLines(plain), size.height, 'the table takes every line left');
    }
  });

  test('no line is wider than the terminal', () => {
    const input = screenInput(busy, {
      source: source({ probes: [{ name: 'kfree_skb', status: 'unsupported', reason: null }, { name: 'tcp_retransmit_skb', status: 'failed', reason: 'EPERM' }] }),
      host: { hostname: 'a-really-long-host-name.eu-west-1.compute.internal', kernel: '6.8.0' },
    });
    for (const size of sizes) {
      const screen = selectScreen(input, state({ filter: { text: 'nginx '.repeat(30), editing: true }, scope: { kind: 'peer', address: '2001:db8::1' } }), size);
      const header = screen.header;
      for (const line of [header.title, header.states, header.health, header.probesOff ?? '', header.scope ?? '', screen.footer.keys, screen.footer.filter ?? '']) {
        assert.ok(displayWidth(line) <= size.width, `${JSON.stringify(line)} at ${size.width}`);
      }
      assert.ok(displayWidth(header.rates) + 2 + displayWidth(header.sparkline) <= size.width);
      const tabs = screen.tabs.reduce((sum, tab) => sum + displayWidth(tab.label) + TAB_DECORATION_WIDTH, 0) + SORT_LABEL_GAP + displayWidth(screen.sortLabel ?? '');
      assert.ok(tabs <= size.width, `tabs and sort ${tabs} at ${size.width}`);
      if (screen.body.kind === 'table') {
        for (const row of screen.body.table.rows) assert.ok(displayWidth(row.cells.join(' ')) <= size.width);
      }
    }
  });

  test('below 60×15 the frame is one line saying so', () => {
    const input = screenInput(snapshot());
    assert.equal(selectScreen(input, state(), { width: 50, height: 10 }).tooSmall, 'terminal too small: 50×10, netscope needs 60×15');
    assert.equal(selectScreen(input, state(), { width: 59, height: 40 }).tooSmall, 'terminal too small: 59×40, netscope needs 60×15');
    assert.equal(selectScreen(input, state(), { width: 120, height: 14 }).tooSmall, 'terminal too small: 120×14, netscope needs 60×15');
    assert.equal(selectScreen(input, state(), { width: 60, height: 15 }).tooSmall, null);
  });

  test('the same input, state and size give the same frame object', () => {
    const input = screenInput(busy);
    const uiState = state();
    const first = selectScreen(input, uiState, { width: 120, height: 40 });
    assert.equal(selectScreen(input, uiState, { width: 120, height: 40 }), first);
    assert.notEqual(selectScreen(input, uiState, { width: 121, height: 40 }), first);
    assert.notEqual(selectScreen(input, state(), { width: 121, height: 40 }), first);
  });

  test('navigation carries every matching key and the page size; pages have none', () => {
    const input = screenInput(snapshot({ connections: [connection({ id: 1 }), connection({ id: 2 })] }));
    const table = selectScreen(input, state(), { width: 100, height: 30 });
    assert.deepEqual(table.navigation.keys, ['1', '2']);
    assert.equal(table.selectedKey, '1');
    assert.equal(table.navigation.pageSize, table.body.kind === 'table' ? 30 - 4 - 1 - 1 - 1 : -1);
    const detail = selectScreen(input, state({ view: { kind: 'detail', connectionId: 1 } }), { width: 100, height: 30 });
    assert.deepEqual(detail.navigation.keys, []);
    assert.equal(detail.selectedKey, null);
  });
});

describe('header', () => {
  const history = Array.from({ length: 10 }, (_unused, index) => ratePoint({ atMs: NOW - (9 - index) * 1000, sendRate: index * 1000, receiveRate: 0 }));
  const model = snapshot({
    connections: [connection({ id: 1 }), connection({ id: 2 }), connection({ id: 3, state: 'TIME_WAIT' }), connection({ id: 4, state: 'CLOSE', closedAtMs: NOW })],
    rateHistory: [...history.slice(0, -1), ratePoint({ sendRate: 1.2 * MiB, receiveRate: 512, retransmitsPerSecond: 3, resetsPerSecond: 0.5 })],
  });

  test('says where, how long, how many in which state, and how fast', () => {
    const header = selectScreen(screenInput(model), state(), { width: 160, height: 45 }).header;
    assert.equal(header.title, 'netscope · vm · up 3m12s · ebpf · every 1s');
    assert.equal(header.states, '4 conns: 2 ESTAB 1 TIME_WAIT 1 closed · 0 listening');
    assert.equal(header.rates, '↑ 1.2 MiB/s ↓ 512 B/s');
    assert.equal(header.health, 'retrans 3/s · drops 0/s · resets 0.5/s · lost 0');
    assert.equal(header.healthTone, 'warn');
    assert.equal(header.probesOff, null);
    assert.equal(header.scope, null);
    assert.equal(header.paused, false);
  });

  test('the sparkline covers the last minute, as wide as the line allows', () => {
    const wide = selectScreen(screenInput(model), state(), { width: 160, height: 45 }).header;
    assert.equal(wide.sparkline.length, 60);
    assert.equal(wide.sparkline.trimStart().length, 10);
    assert.equal(wide.sparkline.at(-1), '█');
    const narrow = selectScreen(screenInput(model), state(), { width: 60, height: 15 }).header;
    assert.equal(narrow.sparkline.length, 60 - narrow.rates.length - 2);
  });

  test('lists the probes that are off, the scope and the pause; lost events are bad', () => {
    const lossy: ModelSnapshot = { ...model, totals: { ...model.totals, lostEvents: 12 } };
    const input = screenInput(lossy, {
      source: source({
        probes: [
          { name: 'inet_sock_set_state', status: 'attached', reason: null },
          { name: 'kfree_skb', status: 'unsupported', reason: 'this kernel has no tracepoint skb:kfree_skb' },
        ],
      }),
    });
    const header = selectScreen(input, state({ paused: true, scope: { kind: 'process', pid: 1234 } }), { width: 160, height: 45 }).header;
    assert.equal(header.probesOff, 'probes off: kfree_skb (unsupported)');
    assert.equal(header.scope, 'scope: process 1234 (curl) · Esc leaves');
    assert.equal(header.paused, true);
    assert.equal(header.healthTone, 'bad');
    assert.match(header.health, /lost 12$/);
    assert.equal(headerLineCount(header), 6);
  });
});

describe('container scope in the header and the footer', () => {
  const web = containerIdentity();
  const db = containerIdentity({ id: `c0ffee${'0'.repeat(58)}`, name: 'postgres', runtime: 'containerd', pod: 'db-0', namespace: 'prod' });
  const api = (replica: number) => containerIdentity({ id: `a${replica}${'0'.repeat(62)}`, name: 'api', runtime: 'containerd', pod: `api-${replica}`, namespace: 'prod' });
  const listening = containerIdentity({ id: `1dab${'0'.repeat(60)}`, name: 'ldap', runtime: 'podman' });
  const model = snapshot({
    connections: [
      connection({ id: 1, owner: { pid: 10, comm: 'nginx', container: web } }),
      connection({ id: 2, owner: { pid: 20, comm: 'postgres', container: db } }),
      connection({ id: 3, owner: { pid: 30, comm: 'api', container: api(1) } }),
      connection({ id: 4, owner: { pid: 40, comm: 'api', container: api(2) } }),
    ],
    listeners: [listener({ id: 90, sport: 389, owner: { pid: 50, comm: 'slapd', container: listening } })],
  });
  const screenFor = (fields: Partial<UiState>, data: ModelSnapshot = model) => selectScreen(screenInput(data), state(fields), { width: 120, height: 30 });
  const query = (container: string | null, pod: string | null = null): UiState['scope'] => ({ kind: 'containerQuery', container, pod });

  test('names the one container a scope stands for', () => {
    assert.equal(screenFor({ scope: { kind: 'container', id: web.id } }).header.scope, 'scope: container web (docker) · Esc leaves');
    assert.equal(screenFor({ scope: query('web') }).header.scope, 'scope: container web (docker) · Esc leaves');
    assert.equal(screenFor({ scope: query(null, 'prod/db-0') }).header.scope, 'scope: container postgres (containerd) in pod prod/db-0 · Esc leaves');
    assert.equal(screenFor({ scope: query('ldap') }).header.scope, 'scope: container ldap (podman) · Esc leaves', 'a container that only listens counts');
    assert.equal(screenFor({ scope: { kind: 'container', id: web.id } }, snapshot()).header.scope, 'scope: container 3f2a9c000000 · Esc leaves', 'gone: its short id');
  });

  test('counts the containers a --container/--pod scope matches, none yet included', () => {
    assert.equal(screenFor({ scope: query('api') }).header.scope, 'scope: containers matching "api" (2) · Esc leaves');
    assert.equal(screenFor({ scope: query('nope') }).header.scope, 'scope: containers matching "nope" (none yet) · Esc leaves');
    assert.equal(screenFor({ scope: query('web', 'db-0') }).header.scope, 'scope: containers matching "web" in pod "db-0" (none yet) · Esc leaves');
  });

  test('a --container/--pod scope that matches nothing says so in the footer, and keeps the scope', () => {
    const unmatched = screenFor({ scope: query('nope') });
    assert.deepEqual(unmatched.footer.message, { text: 'no container matches "nope" yet — Esc shows all', tone: 'warn' });
    assert.match(unmatched.footer.keys, /^Esc leave scope/);
    assert.equal(unmatched.body.kind === 'table' ? unmatched.body.table.matchingRows : -1, 0);
    assert.equal(screenFor({ scope: query(null, 'staging/db-0') }).footer.message?.text, 'no container matches pod "staging/db-0" yet — Esc shows all');
    assert.equal(screenFor({ scope: query('web') }).footer.message, null, 'once it matches, the note goes');
    assert.equal(screenFor({ scope: { kind: 'container', id: web.id } }, snapshot()).footer.message, null, 'Enter scopes to a container that was there');
  });

  test('a filter error and a fresh message take the footer line before the note', () => {
    assert.equal(screenFor({ scope: query('nope'), filter: { text: 'pid:x', editing: false } }).footer.message?.tone, 'bad');
    assert.equal(screenFor({ scope: query('nope'), message: { text: 'saved /tmp/x.json', tone: 'info' } }).footer.message?.text, 'saved /tmp/x.json');
  });

  test('the note takes its line from the table, never from the frame', () => {
    for (const size of sizes) {
      const unmatched = selectScreen(screenInput(model), state({ scope: query('nope') }), size);
      const matched = selectScreen(screenInput(model), state({ scope: query('web') }), size);
      assert.equal(unmatched.navigation.pageSize, matched.navigation.pageSize - 1, `${size.width}×${size.height}`);
      assert.equal(headerLineCount(unmatched.header) + 1 + 1 + unmatched.navigation.pageSize + footerLineCount(unmatched.footer), size.height);
      assert.ok(displayWidth(unmatched.footer.message?.text ?? '') <= size.width);
    }
  });
});

describe('tabs and footer', () => {
  const model = snapshot({ connections: [connection({ id: 1 }), connection({ id: 2, owner: { comm: 'nginx', pid: 5 } })] });

  test('tabs name every pane in order; the active one counts its rows', () => {
    const plain = selectScreen(screenInput(model), state(), { width: 120, height: 30 });
    assert.deepEqual(
      plain.tabs.map((tab) => [tab.label, tab.active]),
      [
        ['1 Connections (2)', true],
        ['2 Processes', false],
        ['3 Containers', false],
        ['4 Peers', false],
        ['5 Listeners', false],
        ['6 Events', false],
      ],
    );
    const filtered = selectScreen(screenInput(model), state({ filter: { text: 'nginx', editing: false } }), { width: 120, height: 30 });
    assert.equal(filtered.tabs[0]?.label, '1 Connections (1/2)');
  });

  test('the tab line names the sort column and its direction, whether or not the column fits', () => {
    for (const column of paneColumns.connections) {
      for (const descending of [true, false]) {
        const screen = selectScreen(screenInput(busy), state({ sort: { ...state().sort, connections: { column: column.id, descending } } }), { width: 80, height: 24 });
        assert.equal(screen.sortLabel, `sort ${column.header}${descending ? '▼' : '▲'}`);
      }
    }
    const hidden = selectScreen(screenInput(busy), state({ sort: { ...state().sort, connections: { column: 'rtt', descending: true } } }), { width: 80, height: 24 });
    assert.ok(hidden.body.kind === 'table' && !hidden.body.table.columns.some((column) => column.id === 'rtt'), 'RTT does not fit at 80 columns');
    assert.equal(hidden.sortLabel, 'sort RTT▼');
  });

  test('the filter shows as a prompt while typed and as a line once kept', () => {
    const typing = selectScreen(screenInput(model), state({ filter: { text: 'ngi', editing: true } }), { width: 100, height: 30 }).footer;
    assert.equal(typing.filter, '/ ngi▏');
    assert.match(typing.keys, /^Enter keep {2}Esc clear/);
    const kept = selectScreen(screenInput(model), state({ filter: { text: 'nginx', editing: false } }), { width: 100, height: 30 }).footer;
    assert.equal(kept.filter, 'filter: nginx');
    assert.match(kept.keys, /^Esc clear filter {2}q quit/);
    assert.equal(selectScreen(screenInput(model), state(), { width: 100, height: 30 }).footer.filter, null);
  });

  test('a filter that cannot be used says why in the footer, in bad tone', () => {
    const screen = selectScreen(screenInput(model), state({ filter: { text: 'pid:abc', editing: true } }), { width: 100, height: 30 });
    assert.deepEqual(screen.footer.message, { text: 'pid:abc — a pid is a number from 1 to 4194304', tone: 'bad' });
    assert.equal(screen.body.kind === 'table' ? screen.body.table.matchingRows : -1, 0);
  });

  test('a long filter and a message share their line without overflowing it', () => {
    for (const editing of [true, false]) {
      const footer = selectScreen(screenInput(model), state({ filter: { text: `${'nginx '.repeat(20)}pid:abc`, editing } }), { width: 80, height: 30 }).footer;
      const line = `${footer.filter ?? ''}  ${footer.message?.text ?? ''}`;
      assert.ok(displayWidth(line) <= 80, line);
      assert.match(footer.message?.text ?? '', /^pid:abc — /);
      if (editing) assert.ok(footer.filter?.endsWith('pid:abc▏'), footer.filter ?? '');
    }
  });

  test('messages show with their tone; key hints fit the width, most useful first', () => {
    const saved = selectScreen(screenInput(model), state({ message: { text: 'saved /tmp/x.json', tone: 'info' } }), { width: 60, height: 20 }).footer;
    assert.deepEqual(saved.message, { text: 'saved /tmp/x.json', tone: 'accent' });
    assert.ok(saved.keys.startsWith('q quit  ? help  / filter'));
    assert.ok(displayWidth(saved.keys) <= 60);
    const wide = selectScreen(screenInput(model), state(), { width: 200, height: 20 }).footer;
    assert.match(wide.keys, /Space pause {2}\+ - 1s {2}s save {2}w flight rec {2}t hide closed$/);
    const paused = selectScreen(screenInput(model), state({ paused: true }), { width: 200, height: 20 }).footer;
    assert.match(paused.keys, /Space resume/);
  });
});

describe('help', () => {
  test('lists every key', () => {
    const screen = selectScreen(screenInput(snapshot()), state({ view: { kind: 'help' } }), { width: 100, height: 40 });
    assert.equal(screen.body.kind, 'help');
    const keys = screen.body.kind === 'help' ? screen.body.help.entries.map(([keysText]) => keysText).join(' ') : '';
    for (const key of ['q', 'Ctrl-C', 'F10', '?', 'h', 'F1', '↑', 'j', 'PgUp', 'Home', 'g G', 'Tab', 'Shift-Tab', '1 2 3 4 5 6', 'Enter', 'Esc', 'Backspace', '<', '>', 'F6', 'I', '/', '!x', 'a|b', 'pid:N', 'port:N', 'state:NAME', 'ctr:', 'pod:', 'Space', 'Z', '+ -', 's', 'Ctrl-S']) {
      assert.ok(keys.includes(key), key);
    }
    assert.equal(screen.footer.keys, 'Esc close  q quit');
  });
});

describe('detail page', () => {
  const subject = connection({
    id: 4242,
    state: 'CLOSE_WAIT',
    stateHistory: [
      { state: 'SYN_SENT', atMs: NOW - 60_000, durationMs: 12 },
      { state: 'ESTABLISHED', atMs: NOW - 59_988, durationMs: 49_988 },
      { state: 'CLOSE_WAIT', atMs: NOW - 10_000, durationMs: null },
    ],
    retransmits: 3,
    resetsReceived: 1,
    drops: [
      { reason: 'TCP_CSUM', class: 'matters', count: 1 },
      { reason: 'NETFILTER_DROP', class: 'matters', count: 3 },
    ],
    owner: { pid: 1234, comm: 'curl', cmdline: 'curl --retry 3 https://example.com/a/very/long/path?with=query' },
  });
  const input = screenInput(snapshot({ connections: [subject] }), { detailRates: { send: [0, 100, 200], receive: [5, 5, 5] } });

  function detailOf(screen: ScreenView) {
    assert.equal(screen.body.kind, 'detail');
    if (screen.body.kind !== 'detail') throw new Error('not a detail page');
    return screen.body.detail;
  }

  test('shows both endpoints, the owner with its command line, the counters and latencies', () => {
    const detail = detailOf(selectScreen(input, state({ view: { kind: 'detail', connectionId: 4242 } }), { width: 120, height: 40 }));
    assert.equal(detail.present, true);
    assert.equal(detail.title, 'curl (1234)  10.0.0.1:40000 → 93.184.216.34:443  CLOSE_WAIT');
    const fields = Object.fromEntries(detail.fields.map((field) => [field.label, field]));
    assert.equal(fields.Local?.value, '10.0.0.1:40000');
    assert.equal(fields.Remote?.value, '93.184.216.34:443');
    assert.equal(fields.Process?.value, 'curl · pid 1234');
    assert.equal(fields.User?.value, 'alice (uid 1000)');
    assert.equal(fields.Command?.value, 'curl --retry 3 https://example.com/a/very/long/path?with=query');
    assert.equal(fields.State?.value, 'CLOSE_WAIT for 10s');
    assert.equal(fields.RTT?.value, '12.5ms');
    assert.equal(fields.Connect?.value, '12.0ms');
    assert.deepEqual([fields.Retransmits?.value, fields.Retransmits?.tone], ['3', 'warn']);
    assert.equal(fields.Resets?.value, 'sent 0 · received 1');
    assert.equal(fields.Drops?.tone, 'bad');
    assert.equal(fields.Sent?.value, '4.0 KiB · 10 segments · 100 B/s');
  });

  test("marks an owner lent by the connection's listener, in the title and the Process field", () => {
    const accepted = connection({ id: 4343, owner: { pid: 812, comm: 'nginx', cmdline: 'nginx: master process', provisional: true } });
    const detail = detailOf(selectScreen(screenInput(snapshot({ connections: [accepted] })), state({ view: { kind: 'detail', connectionId: 4343 } }), { width: 120, height: 40 }));
    assert.ok(detail.title.startsWith('nginx (812?)  '), detail.title);
    assert.equal(detail.fields.find((field) => field.label === 'Process')?.value, "nginx · pid 812 (its listener's; not confirmed yet)");
  });

  test('since when: the first and last of each problem under its counter, and the last problem events with their times', () => {
    const troubled = connection({
      id: 4244,
      retransmits: 2,
      resetsReceived: 1,
      problems: { retransmits: { firstAtMs: NOW - 60_000, lastAtMs: NOW - 12_000 }, resets: { firstAtMs: NOW - 5000, lastAtMs: NOW - 5000 }, drops: null },
      problemTrail: [
        { atMs: NOW - 60_000, kind: 'retransmit', detail: null },
        { atMs: NOW - 12_000, kind: 'retransmit', detail: null },
        { atMs: NOW - 5000, kind: 'reset', detail: 'received' },
      ],
    });
    const detail = detailOf(selectScreen(screenInput(snapshot({ connections: [troubled] })), state({ view: { kind: 'detail', connectionId: 4244 } }), { width: 120, height: 40 }));
    const fields = Object.fromEntries(detail.fields.map((field) => [field.label, field]));
    assert.equal(fields['Retransmits since']?.value, `${formatTimeOfDay(NOW - 60_000)}, last ${formatTimeOfDay(NOW - 12_000)} (12s ago)`);
    assert.equal(fields['Resets since']?.value, `${formatTimeOfDay(NOW - 5000)} (5.0s ago), no other`);
    assert.equal(fields['Drops since'], undefined, 'no drop, no line');
    const labels = detail.fields.map((field) => field.label);
    assert.equal(labels.indexOf('Retransmits since'), labels.indexOf('Retransmits') + 1, 'right under its counter');
    assert.deepEqual(detail.problemTrail, [
      `${formatTimeOfDay(NOW - 60_000)}  retransmit`,
      `${formatTimeOfDay(NOW - 12_000)}  retransmit`,
      `${formatTimeOfDay(NOW - 5000)}  reset received`,
    ]);
  });

  test('the Drops field counts only drops that matter and says how many others were not counted', () => {
    const quiet = connection({
      id: 4243,
      drops: [
        { reason: 'QUEUE_PURGE', class: 'housekeeping', count: 5 },
        { reason: 'TCP_OLD_DATA', class: 'stray', count: 1 },
      ],
    });
    const fieldsOf = (subject: typeof quiet) => {
      const detail = detailOf(selectScreen(screenInput(snapshot({ connections: [subject] })), state({ view: { kind: 'detail', connectionId: subject.id } }), { width: 120, height: 40 }));
      return { drops: detail.fields.find((field) => field.label === 'Drops'), lines: detail.drops };
    };
    const onlyOthers = fieldsOf(quiet);
    assert.deepEqual([onlyOthers.drops?.value, onlyOthers.drops?.tone], ['0 packets lost · 6 not counted (not network loss), by reason below', 'normal']);
    assert.deepEqual(onlyOthers.lines, ['QUEUE_PURGE ×5 · housekeeping', 'TCP_OLD_DATA ×1 · stray']);
    const lossy = fieldsOf({ ...quiet, drops: [...quiet.drops, { reason: 'NETFILTER_DROP', class: 'matters', count: 2 }] });
    assert.deepEqual([lossy.drops?.value, lossy.drops?.tone], ['2 packets lost · 6 not counted (not network loss), by reason below', 'bad']);
  });

  test('names the container the owner runs in', () => {
    const contained = connection({ id: 7, owner: { pid: 1311, comm: 'postgres', container: containerIdentity({ name: 'postgres', runtime: 'containerd', pod: 'db-0', namespace: 'prod' }) } });
    const detail = detailOf(selectScreen(screenInput(snapshot({ connections: [contained] })), state({ view: { kind: 'detail', connectionId: 7 } }), { width: 120, height: 40 }));
    assert.equal(detail.fields.find((field) => field.label === 'Process')?.value, 'postgres · pid 1311 · container postgres (containerd) in pod prod/db-0');
  });

  test('has the state timeline with the time in each state, drops by reason, and rate sparklines', () => {
    const detail = detailOf(selectScreen(input, state({ view: { kind: 'detail', connectionId: 4242 } }), { width: 120, height: 40 }));
    assert.equal(detail.timeline.length, 3);
    assert.match(detail.timeline[0] ?? '', /^SYN_SENT {6}\d\d:\d\d:\d\d\.\d{3} {3}12ms$/);
    assert.match(detail.timeline[1] ?? '', /^ESTABLISHED {3}\S+ {3}49s$/);
    assert.match(detail.timeline[2] ?? '', /^CLOSE_WAIT {4}\S+ {3}10s so far$/);
    assert.deepEqual(detail.drops, ['NETFILTER_DROP ×3 · matters', 'TCP_CSUM ×1 · matters']);
    assert.equal(detail.sendSparkline, '▁▅█');
    assert.equal(detail.receiveSparkline, '███');
  });

  test('shows what limits the flow, the shares behind the verdict and the counters behind those', () => {
    const stalled = connection({
      id: 9,
      limit: flowLimit({
        verdict: 'stalled-reader',
        busyShare: 0,
        idleShare: 1,
        rwndLimitedShare: 0,
        busyMs: 0,
        rwndLimitedMs: 0,
        receiveQueue: 131_072,
        rcvWnd: 0,
        limitedSeconds: { 'stalled-reader': 42, app: 3 },
      }),
    });
    const detail = detailOf(selectScreen(screenInput(snapshot({ connections: [stalled] })), state({ view: { kind: 'detail', connectionId: 9 } }), { width: 200, height: 40 }));
    const limit = detail.fields.find((field) => field.label === 'Limit');
    assert.deepEqual(
      [limit?.value, limit?.tone],
      [
        'stalled-reader — this side is not reading: bytes wait unread and it advertises a zero window · last 1.0s: busy 0%, idle 100%; of busy: rwnd-limited 0%, sndbuf-limited 0%; retransmitted 0%',
        'bad',
      ],
    );
    assert.deepEqual(detail.limitCounters, [
      'busy 0ms · rwnd-limited 0ms · sndbuf-limited 0ms · 0 of 120 segments retransmitted',
      'peer window 64.0 KiB · our window 0 B · cwnd 40 · ssthresh none (no loss yet)',
      'unread 128 KiB · unacknowledged 1.0 MiB · not sent 960 KiB · delivery 11.9 MiB/s',
      'limited for stalled-reader 42s · app 3.0s',
    ]);
    const unknown = detailOf(selectScreen(input, state({ view: { kind: 'detail', connectionId: 4242 } }), { width: 120, height: 40 }));
    assert.equal(unknown.fields.some((field) => field.label === 'Limit'), false, 'no line while unknown');
    assert.deepEqual(unknown.limitCounters, []);
  });

  test('an evicted connection keeps its last known values, marked gone', () => {
    const open = state({ view: { kind: 'detail', connectionId: 4242 } });
    selectScreen(input, open, { width: 120, height: 40 });
    const evicted = detailOf(selectScreen(screenInput(snapshot()), open, { width: 120, height: 40 }));
    assert.equal(evicted.present, false);
    assert.equal(evicted.title, 'curl (1234)  10.0.0.1:40000 → 93.184.216.34:443  CLOSE_WAIT');
    const never = detailOf(selectScreen(screenInput(snapshot()), state({ view: { kind: 'detail', connectionId: 999_999 } }), { width: 120, height: 40 }));
    assert.equal(never.present, false);
    assert.deepEqual(never.fields, []);
  });
});
