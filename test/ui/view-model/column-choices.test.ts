import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { paneColumns } from '../../../src/ui/view-model/columns.js';
import { selectColumnMenu, toggledChoice } from '../../../src/ui/view-model/column-choices.js';
import { selectTable } from '../../../src/ui/view-model/select-table.js';
import { displayWidth } from '../../../src/ui/view-model/text-width.js';
import { initialUiState, uiReducer } from '../../../src/ui/view-model/ui-reducer.js';
import type { UiState } from '../../../src/ui/view-model/ui-state.js';
import type { ModelSnapshot } from '../../../src/model/snapshot-types.js';
import { connection, snapshot } from './snapshot-builder.js';

function state(fields: Partial<UiState> = {}): UiState {
  return { ...initialUiState({ intervalMs: 1000 }), ...fields };
}

function shownIds(data: ModelSnapshot, fields: Partial<UiState> = {}, width = 80): string[] {
  return selectTable({ snapshot: data, state: state(fields), width, rowLines: 20 }).table.columns.map((column) => column.id);
}

const quiet = snapshot({ connections: [connection({ id: 1 }), connection({ id: 2, owner: { pid: 99, comm: 'nginx' } })] });
const matteringDrop = { reason: 'NETFILTER_DROP', class: 'matters' as const, count: 4 };

describe('problem columns at narrow widths', () => {
  test('quiet rows leave 80 columns to the rates, as before', () => {
    assert.deepEqual(shownIds(quiet), ['process', 'remote', 'state', 'rate', 'send', 'recv']);
  });

  test('a row on screen that retransmits, is reset or drops brings that column ahead of the rate columns', () => {
    const lossy = snapshot({ connections: [connection({ id: 1 }), connection({ id: 2, retransmits: 7, resetsReceived: 1, drops: [matteringDrop] })] });
    const ids = shownIds(lossy);
    for (const problem of ['retrans', 'resets', 'drops']) assert.ok(ids.includes(problem), `${problem} in ${ids.join(' ')}`);
    assert.ok(!ids.includes('send') || !ids.includes('recv'), 'a rate column made room');
    for (const kept of ['process', 'remote', 'state']) assert.ok(ids.includes(kept), kept);
  });

  test('only the problem a visible row shows rises: retransmits alone bring RETRANS, not RST or DROPS', () => {
    const ids = shownIds(snapshot({ connections: [connection({ id: 1, retransmits: 3 })] }));
    assert.ok(ids.includes('retrans'));
    assert.ok(!ids.includes('resets') && !ids.includes('drops'), ids.join(' '));
  });

  test('a drop that does not matter (a purged queue) raises nothing', () => {
    const housekeeping = snapshot({ connections: [connection({ id: 1, drops: [{ reason: 'QUEUE_PURGE', class: 'housekeeping', count: 900 }] })] });
    assert.deepEqual(shownIds(housekeeping), shownIds(quiet));
  });

  test('the Processes, Containers and Peers panes raise them over their rates too', () => {
    const lossy = snapshot({ connections: [connection({ id: 1, drops: [matteringDrop] })] });
    for (const pane of ['processes', 'peers'] as const) {
      const quietIds = shownIds(quiet, { pane }, 60);
      const lossyIds = shownIds(lossy, { pane }, 60);
      assert.ok(!quietIds.includes('drops'), `${pane}: ${quietIds.join(' ')}`);
      assert.ok(lossyIds.includes('drops'), `${pane}: ${lossyIds.join(' ')}`);
    }
  });
});

describe('column chooser', () => {
  test('C opens the chooser over the table, the cursor moves within the columns, C or Esc closes it', () => {
    const opened = uiReducer(state(), { type: 'openColumnMenu' });
    assert.deepEqual(opened.view, { kind: 'columnMenu', cursor: 0 });
    const rows = { keys: [], pageSize: 10 };
    const moved = uiReducer(uiReducer(opened, { type: 'move', delta: 1, rows }), { type: 'moveToEnd', rows });
    assert.deepEqual(moved.view, { kind: 'columnMenu', cursor: paneColumns.connections.length - 1 });
    assert.deepEqual(uiReducer(moved, { type: 'openColumnMenu' }).view, { kind: 'table' });
    assert.deepEqual(uiReducer(moved, { type: 'back' }).view, { kind: 'table' });
    const typing = state({ filter: { text: 'x', editing: true } });
    assert.equal(uiReducer(typing, { type: 'openColumnMenu' }), typing, 'not while the filter prompt is open');
  });

  test('a column on screen goes off; a column off, or without room, comes on; the last one stays', () => {
    assert.equal(toggledChoice('pid', ['process', 'pid']), 'hidden');
    assert.equal(toggledChoice('pid', ['process']), 'shown');
    assert.equal(toggledChoice('process', ['process']), null);
  });

  test('PID turned on shows at 80 columns and stays through every width; STATE turned off is gone at every width', () => {
    const at = (id: string) => paneColumns.connections.findIndex((column) => column.id === id);
    let ui = uiReducer(state(), { type: 'openColumnMenu' });
    ui = uiReducer(ui, { type: 'move', delta: at('pid'), rows: { keys: [], pageSize: 10 } });
    ui = uiReducer(ui, { type: 'toggleColumn', shownColumnIds: shownIds(quiet, ui) });
    ui = uiReducer(ui, { type: 'move', delta: at('state') - at('pid'), rows: { keys: [], pageSize: 10 } });
    ui = uiReducer(ui, { type: 'toggleColumn', shownColumnIds: shownIds(quiet, ui) });
    assert.deepEqual(ui.columnChoices.connections, { pid: 'shown', state: 'hidden' });
    for (const width of [60, 80, 120, 200]) {
      const ids = shownIds(quiet, ui, width);
      assert.ok(ids.includes('pid'), `${width}: ${ids.join(' ')}`);
      assert.ok(!ids.includes('state'), `${width}: ${ids.join(' ')}`);
    }
    // The choice is the pane's: Processes keeps its own columns.
    assert.deepEqual(ui.columnChoices.processes, {});
    // It lasts through pane switches and closing the menu.
    const back = uiReducer(uiReducer(uiReducer(ui, { type: 'back' }), { type: 'selectPane', pane: 'peers' }), { type: 'selectPane', pane: 'connections' });
    assert.deepEqual(back.columnChoices.connections, { pid: 'shown', state: 'hidden' });
    // Toggled again, PID goes off (it is on screen) and STATE comes back on.
    let again = uiReducer(back, { type: 'openColumnMenu' });
    again = uiReducer(again, { type: 'move', delta: at('pid'), rows: { keys: [], pageSize: 10 } });
    again = uiReducer(again, { type: 'toggleColumn', shownColumnIds: shownIds(quiet, again) });
    assert.ok(!shownIds(quiet, again, 200).includes('pid'));
  });

  test('turning off the last column on screen is refused with a message', () => {
    const ui = uiReducer(state({ view: { kind: 'columnMenu', cursor: 1 } }), { type: 'toggleColumn', shownColumnIds: ['process'] });
    assert.deepEqual(ui.columnChoices.connections, {});
    assert.match(ui.message?.text ?? '', /last column/);
  });

  test('the menu lists every column with [x] on screen, [ ] off or without room, and says which', () => {
    const menu = selectColumnMenu('connections', { state: 'hidden', pid: 'shown' }, ['pid', 'process', 'remote', 'rate'], 0, 80, 40);
    assert.match(menu.title, /^Columns of Connections/);
    assert.equal(menu.lines.length, paneColumns.connections.length);
    const line = (header: string) => menu.lines.find((entry) => entry.text.slice(6).startsWith(`${header} `))?.text ?? '';
    assert.match(line('PID'), /^> \[x\] PID\s+on \(chosen\)$/);
    assert.match(line('STATE'), /^ {2}\[ \] STATE\s+off$/);
    assert.match(line('LOCAL'), /^ {2}\[ \] LOCAL\s+no room at this width$/);
    assert.match(line('REMOTE'), /^ {2}\[x\] REMOTE\s+on$/);
    for (const text of [menu.title, ...menu.lines.map((entry) => entry.text)]) assert.ok(displayWidth(text) <= 80, text);
  });
});
