import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { commandForKey } from '../../../src/ui/keymap.js';
import { selectTable } from '../../../src/ui/view-model/select-table.js';
import { initialUiState, uiReducer } from '../../../src/ui/view-model/ui-reducer.js';
import type { UiState } from '../../../src/ui/view-model/ui-state.js';
import type { ModelSnapshot } from '../../../src/model/snapshot-types.js';
import { T0, connection, peersOf, screenInput, snapshot } from './snapshot-builder.js';
import { selectDetail } from '../../../src/ui/view-model/select-detail.js';
import { formatTimeOfDay } from '../../../src/ui/view-model/format.js';
import { key } from '../ink-key.js';

const named = connection({
  id: 1,
  daddr: '10.96.14.7',
  dport: 5432,
  owner: { pid: 30, comm: 'api' },
  peerName: { name: 'orders-db.prod.svc.cluster.local', source: 'dns', atMs: T0 },
});
const unnamed = connection({ id: 2, daddr: '10.0.0.9', dport: 443, owner: { pid: 31, comm: 'curl' } });
const data: ModelSnapshot = snapshot({ connections: [named, unnamed], peers: peersOf([named, unnamed]) });

function state(fields: Partial<UiState> = {}): UiState {
  return { ...initialUiState({ intervalMs: 1000 }), ...fields };
}

function cellOf(pane: 'connections' | 'peers', column: string, rowKey: string, fields: Partial<UiState> = {}): string {
  const result = selectTable({ snapshot: data, state: state({ pane, ...fields }), width: 200, rowLines: 20 }).table;
  const index = result.columns.findIndex((candidate) => candidate.id === column);
  assert.ok(index >= 0, `${pane} has ${column}`);
  return (result.rows.find((row) => row.key === rowKey)?.cells[index] ?? '').trim();
}

function keysMatching(pane: 'connections' | 'peers', text: string): readonly string[] {
  return selectTable({ snapshot: data, state: state({ pane, filter: { text, editing: false } }), width: 200, rowLines: 20 }).navigation.keys;
}

describe('peer names in the table', () => {
  test('REMOTE shows name:port where a name is known, the address elsewhere; n switches to addresses and back', () => {
    // A long name loses its middle, never its port.
    assert.match(cellOf('connections', 'remote', '1'), /^orders-db\.pr.*local:5432$/);
    assert.equal(cellOf('connections', 'remote', '2'), '10.0.0.9:443');
    const command = commandForKey('n', key(), { filterEditing: false, filterText: '', selectedKey: null, navigation: { keys: [], pageSize: 1 } });
    assert.deepEqual(command, { type: 'toggleNames' });
    const toggled = uiReducer(state(), { type: 'toggleNames' });
    assert.equal(toggled.addressesShown, true);
    assert.equal(cellOf('connections', 'remote', '1', { addressesShown: true }), '10.96.14.7:5432');
    assert.equal(uiReducer(toggled, { type: 'toggleNames' }).addressesShown, false);
  });

  test('Peers has a NAME column', () => {
    assert.equal(cellOf('peers', 'name', '10.96.14.7'), 'orders-db.prod.svc.cluster.local');
    assert.equal(cellOf('peers', 'name', '10.0.0.9'), '-');
  });

  test('fuzzy words and host: match names; host: takes a domain, never part of a label', () => {
    assert.deepEqual(keysMatching('connections', 'orders'), ['1']);
    assert.deepEqual(keysMatching('connections', 'host:orders-db.prod.svc.cluster.local'), ['1']);
    assert.deepEqual(keysMatching('connections', 'host:cluster.local'), ['1']);
    assert.deepEqual(keysMatching('connections', 'host:local'), ['1']);
    assert.deepEqual(keysMatching('connections', 'host:luster.local'), []);
    assert.deepEqual(keysMatching('connections', 'host:10.0.0.9'), ['2']);
    assert.deepEqual(keysMatching('connections', '!host:cluster.local'), ['2']);
    assert.deepEqual(keysMatching('peers', 'host:svc.cluster.local'), ['10.96.14.7']);
  });

  test('the detail page says where the name came from: a DNS answer, a hosts file or a PTR lookup, and when', () => {
    const at = formatTimeOfDay(T0);
    for (const [source, where] of [
      ['dns', `DNS answer at ${at}`],
      ['hosts', `hosts file, read at ${at}`],
      ['ptr', `PTR lookup at ${at}`],
    ] as const) {
      const named = connection({ id: 9, daddr: '10.0.0.16', peerName: { name: 'db-7.reverse.test', source, atMs: T0 } });
      const detail = selectDetail(screenInput(snapshot({ connections: [named] })), 9, 160);
      assert.equal(detail.fields.find((field) => field.label === 'Peer name')?.value, `db-7.reverse.test · ${where}`);
    }
  });
});
