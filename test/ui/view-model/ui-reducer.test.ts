import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { columnIds, findSort } from '../../../src/ui/view-model/columns.js';
import { INTERVAL_STEPS_MS, initialUiState, uiReducer } from '../../../src/ui/view-model/ui-reducer.js';
import type { UiAction, UiState, VisibleRows } from '../../../src/ui/view-model/ui-state.js';

function start(fields: Partial<UiState> = {}): UiState {
  return { ...initialUiState({ intervalMs: 1000 }), ...fields };
}

function rows(...keys: string[]): VisibleRows {
  return { keys, pageSize: 2 };
}

function reduce(state: UiState, ...actions: UiAction[]): UiState {
  return actions.reduce(uiReducer, state);
}

function deepFreeze<Value>(value: Value): Value {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

describe('initialUiState', () => {
  test('starts on Connections with every pane on its default sort and nothing narrowed', () => {
    const state = initialUiState({ intervalMs: 1000 });
    assert.equal(state.pane, 'connections');
    assert.deepEqual(state.sort, {
      findings: { column: 'severity', descending: false },
      connections: { column: 'rate', descending: true },
      processes: { column: 'bytes', descending: true },
      containers: { column: 'bytes', descending: true },
      peers: { column: 'bytes', descending: true },
      listeners: { column: 'queue', descending: true },
      events: { column: 'time', descending: true },
    });
    assert.deepEqual(state.filter, { text: '', editing: false });
    assert.equal(state.scope, null);
    assert.deepEqual(state.view, { kind: 'table' });
    assert.equal(state.paused, false);
    assert.equal(state.intervalMs, 1000);
    assert.equal(state.message, null);
  });

  test('takes --filter, --port, --pid and --sort from the command line', () => {
    const state = initialUiState({ intervalMs: 500, filter: ' nginx ', port: 443, pid: 4242, sort: findSort('connections', 'rtt')! });
    assert.equal(state.filter.text, 'nginx port:443');
    assert.deepEqual(state.scope, { kind: 'process', pid: 4242 });
    assert.deepEqual(state.sort.connections, { column: 'rtt', descending: true });
    assert.equal(state.intervalMs, 500);
    assert.deepEqual(initialUiState({ intervalMs: 1000, sort: findSort('connections', 'process')! }).sort.connections, { column: 'process', descending: false });
    assert.equal(initialUiState({ intervalMs: 1000, port: 22 }).filter.text, 'port:22');
  });

  test('--container and --pod start scoped to the containers they name, together when both are given', () => {
    assert.deepEqual(initialUiState({ intervalMs: 1000, container: 'web' }).scope, { kind: 'containerQuery', container: 'web', pod: null });
    assert.deepEqual(initialUiState({ intervalMs: 1000, pod: 'prod/db-0' }).scope, { kind: 'containerQuery', container: null, pod: 'prod/db-0' });
    const both = initialUiState({ intervalMs: 1000, container: 'postgres', pod: 'db-0' });
    assert.deepEqual(both.scope, { kind: 'containerQuery', container: 'postgres', pod: 'db-0' });
    assert.equal(both.filter.text, '');
  });

  test('beside --pid, which holds the scope, --container and --pod narrow through the filter', () => {
    const state = initialUiState({ intervalMs: 1000, pid: 812, container: 'web', pod: 'prod/web-0', port: 443, filter: 'nginx' });
    assert.deepEqual(state.scope, { kind: 'process', pid: 812 });
    assert.equal(state.filter.text, 'nginx port:443 ctr:web pod:prod/web-0');
  });

  test('finds no sort column the pane does not have', () => {
    assert.equal(findSort('connections', 'bogus'), null);
  });
});

describe('uiReducer', () => {
  test('never mutates the state it is given', () => {
    const state = deepFreeze(start({ message: { text: 'hi', tone: 'info' } }));
    const actions: UiAction[] = [
      { type: 'nextPane' },
      { type: 'previousPane' },
      { type: 'selectPane', pane: 'peers' },
      { type: 'move', delta: 1, rows: rows('a', 'b') },
      { type: 'page', direction: 1, rows: rows('a', 'b', 'c') },
      { type: 'moveToStart', rows: rows('a') },
      { type: 'moveToEnd', rows: rows('a', 'b') },
      { type: 'sortNextColumn' },
      { type: 'sortPreviousColumn' },
      { type: 'invertSort' },
      { type: 'openFilter' },
      { type: 'editFilter', text: 'x' },
      { type: 'keepFilter' },
      { type: 'clearFilter' },
      { type: 'enter', key: '1' },
      { type: 'back' },
      { type: 'toggleHelp' },
      { type: 'togglePause' },
      { type: 'changeInterval', direction: 1 },
      { type: 'showMessage', text: 'saved', tone: 'info' },
      { type: 'clearMessage' },
    ];
    for (const action of actions) assert.doesNotThrow(() => uiReducer(state, action), action.type);
  });

  test('Tab and Shift-Tab cycle the panes in order, wrapping both ways', () => {
    const visited: string[] = [];
    let state = start();
    for (let step = 0; step < 6; step++) {
      state = uiReducer(state, { type: 'nextPane' });
      visited.push(state.pane);
    }
    assert.deepEqual(visited, ['processes', 'containers', 'peers', 'listeners', 'events', 'connections']);
    assert.equal(uiReducer(start(), { type: 'previousPane' }).pane, 'events');
    assert.equal(uiReducer(start(), { type: 'selectPane', pane: 'listeners' }).pane, 'listeners');
  });

  test('switching panes leaves the detail and help pages', () => {
    const inDetail = start({ view: { kind: 'detail', connectionId: 7 } });
    assert.deepEqual(uiReducer(inDetail, { type: 'nextPane' }).view, { kind: 'table' });
    assert.deepEqual(uiReducer(start({ view: { kind: 'help' } }), { type: 'selectPane', pane: 'connections' }).view, { kind: 'table' });
    const same = start();
    assert.equal(uiReducer(same, { type: 'selectPane', pane: 'connections' }), same);
  });

  test('movement clamps to the rows and remembers both index and key, per pane', () => {
    const keys = rows('a', 'b', 'c', 'd', 'e');
    let state = reduce(start(), { type: 'move', delta: 1, rows: keys });
    assert.deepEqual(state.selection.connections, { index: 1, key: 'b' });
    state = reduce(state, { type: 'move', delta: 10, rows: keys });
    assert.deepEqual(state.selection.connections, { index: 4, key: 'e' });
    state = reduce(state, { type: 'move', delta: -10, rows: keys });
    assert.deepEqual(state.selection.connections, { index: 0, key: 'a' });
    state = reduce(state, { type: 'page', direction: 1, rows: keys });
    assert.deepEqual(state.selection.connections, { index: 2, key: 'c' });
    state = reduce(state, { type: 'moveToEnd', rows: keys });
    assert.deepEqual(state.selection.connections, { index: 4, key: 'e' });
    state = reduce(state, { type: 'page', direction: -1, rows: keys });
    assert.deepEqual(state.selection.connections, { index: 2, key: 'c' });
    state = reduce(state, { type: 'moveToStart', rows: keys });
    assert.deepEqual(state.selection.connections, { index: 0, key: 'a' });
    assert.deepEqual(state.selection.processes, { index: 0, key: null });
  });

  test('movement starts from where the selected row is now, after a re-sort', () => {
    const state = start({ selection: { ...start().selection, connections: { index: 2, key: 'c' } } });
    const resorted = rows('c', 'a', 'b');
    assert.deepEqual(uiReducer(state, { type: 'move', delta: 1, rows: resorted }).selection.connections, { index: 1, key: 'a' });
    const gone = rows('x', 'y', 'z', 'w');
    assert.deepEqual(uiReducer(state, { type: 'move', delta: 1, rows: gone }).selection.connections, { index: 3, key: 'w' });
  });

  test('movement without rows, or off the table, changes nothing', () => {
    const state = start();
    assert.equal(uiReducer(state, { type: 'move', delta: 1, rows: rows() }), state);
    const inHelp = start({ view: { kind: 'help' } });
    assert.equal(uiReducer(inHelp, { type: 'move', delta: 1, rows: rows('a', 'b') }), inHelp);
  });

  test('the help turns its pages within the pages there are; off the help page, turning changes nothing', () => {
    const inHelp = start({ view: { kind: 'help' } });
    const second = uiReducer(inHelp, { type: 'turnHelpPage', to: 'next', pageCount: 2 });
    assert.deepEqual(second.view, { kind: 'help', page: 1 });
    assert.equal(uiReducer(second, { type: 'turnHelpPage', to: 'next', pageCount: 2 }), second, 'past the last page');
    assert.deepEqual(uiReducer(second, { type: 'turnHelpPage', to: 'previous', pageCount: 2 }).view, { kind: 'help', page: 0 });
    assert.deepEqual(uiReducer(inHelp, { type: 'turnHelpPage', to: 'last', pageCount: 4 }).view, { kind: 'help', page: 3 });
    assert.deepEqual(uiReducer(second, { type: 'turnHelpPage', to: 'first', pageCount: 2 }).view, { kind: 'help', page: 0 });
    assert.equal(uiReducer(start(), { type: 'turnHelpPage', to: 'next', pageCount: 2 }).view.kind, 'table');
    assert.deepEqual(uiReducer(uiReducer(second, { type: 'toggleHelp' }), { type: 'toggleHelp' }).view, { kind: 'help' }, 'help opens at its first page');
  });

  test('e steps the Events pane through the event types, trouble first, then back to all; elsewhere it does nothing', () => {
    let state = start({ pane: 'events' });
    const seen: (string | null)[] = [];
    for (let press = 0; press < 9; press++) {
      state = uiReducer(state, { type: 'cycleEventType' });
      seen.push(state.eventType);
    }
    assert.deepEqual(seen, ['drop', 'retransmit', 'reset', 'refused', 'connect', 'accept', 'close', 'state', null]);
    const connections = start();
    assert.equal(uiReducer(connections, { type: 'cycleEventType' }), connections);
  });

  test('> and < walk the pane columns, wrapping, each in its natural direction', () => {
    const ids = columnIds('connections');
    const next = uiReducer(start(), { type: 'sortNextColumn' });
    assert.deepEqual(next.sort.connections, { column: ids[ids.indexOf('rate') + 1], descending: true });
    const previous = uiReducer(start(), { type: 'sortPreviousColumn' });
    assert.deepEqual(previous.sort.connections, { column: 'state', descending: false });
    const atFirst = start({ sort: { ...start().sort, connections: { column: 'pid', descending: true } } });
    assert.equal(uiReducer(atFirst, { type: 'sortPreviousColumn' }).sort.connections.column, ids.at(-1));

    let state = start({ pane: 'processes' });
    const seen: string[] = [];
    for (let step = 0; step < columnIds('processes').length; step++) {
      state = uiReducer(state, { type: 'sortNextColumn' });
      seen.push(state.sort.processes.column);
    }
    assert.deepEqual([...seen].sort(), [...columnIds('processes')].sort());
    assert.equal(state.sort.processes.column, 'bytes');
    assert.deepEqual(state.sort.connections, start().sort.connections);
  });

  test('o / F6 opens the sort menu on the sort column; ↑↓ Home End move within the columns; Enter sorts by it; Esc closes', () => {
    const ids = columnIds('connections');
    const table = rows('a', 'b', 'c');
    const open = uiReducer(start(), { type: 'openSortMenu' });
    assert.deepEqual(open.view, { kind: 'sortMenu', cursor: ids.indexOf('rate') });
    const down = reduce(open, { type: 'move', delta: 1, rows: table }, { type: 'move', delta: 1, rows: table });
    assert.deepEqual(down.view, { kind: 'sortMenu', cursor: ids.indexOf('rate') + 2 });
    assert.deepEqual(down.selection, start().selection, 'the table selection stays where it was');
    assert.deepEqual(reduce(open, { type: 'moveToEnd', rows: table }).view, { kind: 'sortMenu', cursor: ids.length - 1 });
    assert.deepEqual(reduce(open, { type: 'moveToStart', rows: table }, { type: 'move', delta: -1, rows: table }).view, { kind: 'sortMenu', cursor: 0 }, 'no wrapping above the first');
    assert.deepEqual(reduce(open, { type: 'page', direction: 1, rows: table }).view, { kind: 'sortMenu', cursor: ids.length - 1 });

    const sorted = reduce(open, { type: 'moveToStart', rows: table }, { type: 'enter', key: 'a' });
    assert.deepEqual(sorted.view, { kind: 'table' });
    assert.deepEqual(sorted.sort.connections, findSort('connections', ids[0] ?? ''));
    const textColumn = ids.indexOf('state');
    const byState = reduce(open, { type: 'move', delta: textColumn - ids.indexOf('rate'), rows: table }, { type: 'enter', key: null });
    assert.deepEqual(byState.sort.connections, { column: 'state', descending: false }, 'a text column sorts A→Z, its natural direction');

    const closed = reduce(down, { type: 'back' });
    assert.deepEqual(closed.view, { kind: 'table' });
    assert.deepEqual(closed.sort, start().sort, 'Esc sorts nothing');
    assert.deepEqual(reduce(open, { type: 'openSortMenu' }).view, { kind: 'table' }, 'o again closes it');
    assert.deepEqual(reduce(open, { type: 'sortNextColumn' }).sort.connections.column, ids[ids.indexOf('rate') + 1], '> still steps');
  });

  test('the sort menu lists the pane on screen and opens only over its table', () => {
    const processes = uiReducer(start({ pane: 'processes' }), { type: 'openSortMenu' });
    assert.deepEqual(processes.view, { kind: 'sortMenu', cursor: columnIds('processes').indexOf('bytes') });
    const sorted = reduce(processes, { type: 'moveToStart', rows: rows() }, { type: 'enter', key: null });
    assert.equal(sorted.sort.processes.column, columnIds('processes')[0]);
    assert.deepEqual(sorted.sort.connections, start().sort.connections);
    const help = start({ view: { kind: 'help' } });
    assert.equal(uiReducer(help, { type: 'openSortMenu' }), help);
    const typing = start({ filter: { text: 'cu', editing: true } });
    assert.equal(uiReducer(typing, { type: 'openSortMenu' }), typing);
  });

  test('I inverts the sort; a newly chosen column starts in its natural direction again', () => {
    const inverted = uiReducer(start(), { type: 'invertSort' });
    assert.deepEqual(inverted.sort.connections, { column: 'rate', descending: false });
    assert.deepEqual(uiReducer(inverted, { type: 'invertSort' }).sort.connections, { column: 'rate', descending: true });
    assert.equal(reduce(inverted, { type: 'sortNextColumn' }).sort.connections.descending, true);
  });

  test('the filter opens, edits, is kept (trimmed) and cleared', () => {
    let state = reduce(start(), { type: 'openFilter' });
    assert.deepEqual(state.filter, { text: '', editing: true });
    state = reduce(state, { type: 'editFilter', text: 'nginx ' });
    assert.deepEqual(state.filter, { text: 'nginx ', editing: true });
    assert.equal(uiReducer(state, { type: 'editFilter', text: 'nginx ' }), state);
    state = reduce(state, { type: 'keepFilter' });
    assert.deepEqual(state.filter, { text: 'nginx', editing: false });
    assert.deepEqual(reduce(state, { type: 'openFilter' }).filter, { text: 'nginx', editing: true });
    assert.deepEqual(reduce(state, { type: 'clearFilter' }).filter, { text: '', editing: false });
    assert.deepEqual(reduce(start({ view: { kind: 'help' } }), { type: 'openFilter' }).view, { kind: 'table' });
  });

  test('Enter on a connection opens its page; on an event, the page of its connection', () => {
    assert.deepEqual(uiReducer(start(), { type: 'enter', key: '81920' }).view, { kind: 'detail', connectionId: 81920 });
    const events = start({ pane: 'events' });
    assert.deepEqual(uiReducer(events, { type: 'enter', key: '81920/1735689600123/reset/0' }).view, { kind: 'detail', connectionId: 81920 });
    const socketless = uiReducer(events, { type: 'enter', key: '-/1735689600123/drop/0' });
    assert.deepEqual(socketless.view, { kind: 'table' });
    assert.equal(socketless.message?.tone, 'info');
  });

  test('Enter on a process, peer or listener scopes every pane to it and shows its connections', () => {
    const moved = start({ pane: 'processes', selection: { ...start().selection, connections: { index: 9, key: '99' } } });
    const scoped = uiReducer(moved, { type: 'enter', key: '4242' });
    assert.deepEqual(scoped.scope, { kind: 'process', pid: 4242 });
    assert.equal(scoped.pane, 'connections');
    assert.deepEqual(scoped.selection.connections, { index: 0, key: null });

    const peer = uiReducer(start({ pane: 'peers' }), { type: 'enter', key: '2001:db8::7' });
    assert.deepEqual(peer.scope, { kind: 'peer', address: '2001:db8::7' });
    assert.equal(peer.pane, 'connections');

    // A listener scopes to the connections it accepted, whether or not its owner is known.
    const listening = uiReducer(start({ pane: 'listeners' }), { type: 'enter', key: '5120/812' });
    assert.deepEqual(listening.scope, { kind: 'listener', id: 5120 });
    assert.equal(listening.pane, 'connections');
    assert.deepEqual(uiReducer(start({ pane: 'listeners' }), { type: 'enter', key: '5121/-' }).scope, { kind: 'listener', id: 5121 });
  });

  test('Enter on a container scopes every pane to that container, by its full id', () => {
    const id = `3f2a9c${'0'.repeat(58)}`;
    const scoped = uiReducer(start({ pane: 'containers' }), { type: 'enter', key: `docker/${id}` });
    assert.deepEqual(scoped.scope, { kind: 'container', id });
    assert.equal(scoped.pane, 'connections');
    assert.deepEqual(scoped.view, { kind: 'table' });
    assert.equal(uiReducer(scoped, { type: 'back' }).scope, null);
    const malformed = start({ pane: 'containers' });
    assert.equal(uiReducer(malformed, { type: 'enter', key: 'docker/' }), malformed);
  });

  test('Enter with nothing selected, or off the table, changes nothing; in the prompt it keeps the filter', () => {
    const state = start();
    assert.equal(uiReducer(state, { type: 'enter', key: null }), state);
    const inDetail = start({ view: { kind: 'detail', connectionId: 3 } });
    assert.equal(uiReducer(inDetail, { type: 'enter', key: '5' }), inDetail);
    const typing = start({ filter: { text: 'curl', editing: true } });
    const kept = uiReducer(typing, { type: 'enter', key: '5' });
    assert.deepEqual(kept.filter, { text: 'curl', editing: false });
    assert.deepEqual(kept.view, { kind: 'table' });
  });

  test('back closes the page, then the prompt, then the scope, then the filter', () => {
    let state = start({
      view: { kind: 'detail', connectionId: 3 },
      filter: { text: 'curl', editing: false },
      scope: { kind: 'process', pid: 4242 },
    });
    state = uiReducer(state, { type: 'back' });
    assert.deepEqual(state.view, { kind: 'table' });
    assert.deepEqual(state.scope, { kind: 'process', pid: 4242 });
    state = uiReducer(state, { type: 'back' });
    assert.equal(state.scope, null);
    assert.equal(state.filter.text, 'curl');
    state = uiReducer(state, { type: 'back' });
    assert.deepEqual(state.filter, { text: '', editing: false });
    assert.equal(uiReducer(state, { type: 'back' }), state);

    const typing = start({ filter: { text: 'ngi', editing: true }, scope: { kind: 'peer', address: '10.0.0.7' } });
    const cleared = uiReducer(typing, { type: 'back' });
    assert.deepEqual(cleared.filter, { text: '', editing: false });
    assert.deepEqual(cleared.scope, { kind: 'peer', address: '10.0.0.7' });
    assert.deepEqual(uiReducer(start({ view: { kind: 'help' } }), { type: 'back' }).view, { kind: 'table' });
  });

  test('help and pause toggle', () => {
    const help = uiReducer(start(), { type: 'toggleHelp' });
    assert.deepEqual(help.view, { kind: 'help' });
    assert.deepEqual(uiReducer(help, { type: 'toggleHelp' }).view, { kind: 'table' });
    const paused = uiReducer(start(), { type: 'togglePause' });
    assert.equal(paused.paused, true);
    assert.equal(uiReducer(paused, { type: 'togglePause' }).paused, false);
  });

  test('+ and - step the interval within 100 ms and 10 s', () => {
    const up: number[] = [];
    let state = start();
    for (let step = 0; step < 5; step++) {
      state = uiReducer(state, { type: 'changeInterval', direction: 1 });
      up.push(state.intervalMs);
    }
    assert.deepEqual(up, [2000, 5000, 10_000, 10_000, 10_000]);
    const down: number[] = [];
    state = start();
    for (let step = 0; step < 5; step++) {
      state = uiReducer(state, { type: 'changeInterval', direction: -1 });
      down.push(state.intervalMs);
    }
    assert.deepEqual(down, [500, 250, 100, 100, 100]);
    assert.equal(state.intervalMs, INTERVAL_STEPS_MS[0]);
    assert.equal(uiReducer(start({ intervalMs: 1500 }), { type: 'changeInterval', direction: 1 }).intervalMs, 2000);
    assert.equal(uiReducer(start({ intervalMs: 1500 }), { type: 'changeInterval', direction: -1 }).intervalMs, 1000);
    assert.equal(uiReducer(start({ intervalMs: 30_000 }), { type: 'changeInterval', direction: -1 }).intervalMs, 10_000);
    const slowest = start({ intervalMs: 30_000 });
    assert.equal(uiReducer(slowest, { type: 'changeInterval', direction: 1 }), slowest);
  });

  test('messages show and clear', () => {
    const shown = uiReducer(start(), { type: 'showMessage', text: 'saved /root/netscope.json', tone: 'info' });
    assert.deepEqual(shown.message, { text: 'saved /root/netscope.json', tone: 'info' });
    assert.equal(uiReducer(shown, { type: 'clearMessage' }).message, null);
    const none = start();
    assert.equal(uiReducer(none, { type: 'clearMessage' }), none);
  });
});
