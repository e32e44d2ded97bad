import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NAT_MARKER } from '../../../src/ui/view-model/columns.js';
import { selectScreen } from '../../../src/ui/view-model/select-screen.js';
import { selectTable } from '../../../src/ui/view-model/select-table.js';
import { initialUiState } from '../../../src/ui/view-model/ui-reducer.js';
import type { UiState } from '../../../src/ui/view-model/ui-state.js';
import type { NatSnapshot } from '../../../src/model/snapshot-types.js';
import { connection, containerIdentity, screenInput, snapshot } from './snapshot-builder.js';

const toBackend: NatSnapshot = {
  destination: { address: '10.244.1.7', port: 53 },
  originalDestination: { address: '10.96.0.10', port: 53 },
  direction: 'outgoing',
  table: 'host',
};

const data = snapshot({
  connections: [
    connection({ id: 1, daddr: '10.96.0.10', dport: 53, nat: toBackend, sendRate: 30 }),
    connection({ id: 2, daddr: '10.0.0.9', dport: 443, sendRate: 20 }),
    connection({
      id: 3,
      saddr: '10.244.1.7',
      sport: 53,
      daddr: '10.244.1.5',
      dport: 40000,
      sendRate: 10,
      owner: { pid: 812, comm: 'coredns', container: containerIdentity({ name: 'coredns', pod: 'coredns-5d78c', namespace: 'kube-system' }) },
      nat: { ...toBackend, direction: 'incoming' },
    }),
  ],
});

function state(fields: Partial<UiState> = {}): UiState {
  return { ...initialUiState({ intervalMs: 1000 }), ...fields };
}

function remoteCells(width: number, fields: Partial<UiState> = {}): Map<string, string> {
  const { table, navigation } = selectTable({ snapshot: data, state: state(fields), width, rowLines: 10 });
  const remote = table.columns.findIndex((column) => column.id === 'remote');
  assert.ok(remote >= 0, `REMOTE shown at ${width} columns`);
  return new Map(table.rows.map((row, index) => [navigation.keys[index] ?? '', (row.cells[remote] ?? '').trimEnd()]));
}

describe('the real destination behind NAT on screen', () => {
  test('REMOTE keeps what the process addressed and marks a translated connection, wide and narrow', () => {
    for (const width of [160, 80, 50]) {
      const cells = remoteCells(width);
      assert.equal(cells.get('1')?.endsWith(NAT_MARKER), true, `${width}: ${cells.get('1')}`);
      assert.match(cells.get('1') ?? '', /^10\.96\.0\.10:53/);
      assert.equal(cells.get('2')?.includes(NAT_MARKER), false, `${width}: an untranslated connection is unmarked`);
      assert.equal(cells.get('3')?.includes(NAT_MARKER), false, `${width}: an accepted one's remote is its real client`);
    }
  });

  test('the backend\'s address finds the connections NAT sent to it (and the backend\'s own socket)', () => {
    assert.deepEqual([...remoteCells(160, { filter: { text: '10.244.1.7:53', editing: false } }).keys()].sort(), ['1', '3']);
    assert.deepEqual([...remoteCells(160, { filter: { text: '10.244.1.7', editing: false } }).keys()].sort(), ['1', '3']);
    assert.deepEqual([...remoteCells(160, { filter: { text: '10.244.1.7:54', editing: false } }).keys()], []);
  });

  test('nat: keeps the translated connections, by what was addressed or where it went', () => {
    assert.deepEqual([...remoteCells(160, { filter: { text: 'nat:*', editing: false } }).keys()].sort(), ['1', '3']);
    assert.deepEqual([...remoteCells(160, { filter: { text: '!nat:*', editing: false } }).keys()], ['2']);
    assert.deepEqual([...remoteCells(160, { filter: { text: 'nat:10.96.0.10:53 !coredns', editing: false } }).keys()], ['1']);
  });

  test('the detail page shows the translation, and the local socket that served it', () => {
    const screen = selectScreen(screenInput(data), state({ view: { kind: 'detail', connectionId: 1 } }), { width: 120, height: 40 });
    assert.equal(screen.body.kind, 'detail');
    if (screen.body.kind !== 'detail') return;
    const fields = Object.fromEntries(screen.body.detail.fields.map((field) => [field.label, field.value]));
    assert.equal(fields.Remote, '10.96.0.10:53');
    assert.equal(fields.NAT, "10.96.0.10:53 → 10.244.1.7:53 (conntrack, the host's table) · coredns · pid 812 · container coredns (docker) in pod kube-system/coredns-5d78c");
  });

  test('an accepted connection says its client addressed another destination; an untranslated one has no NAT line', () => {
    const accepted = selectScreen(screenInput(data), state({ view: { kind: 'detail', connectionId: 3 } }), { width: 120, height: 40 });
    const plain = selectScreen(screenInput(data), state({ view: { kind: 'detail', connectionId: 2 } }), { width: 120, height: 40 });
    if (accepted.body.kind !== 'detail' || plain.body.kind !== 'detail') throw new Error('not a detail page');
    assert.equal(accepted.body.detail.fields.find((field) => field.label === 'NAT')?.value, "10.96.0.10:53 → 10.244.1.7:53 (conntrack, the host's table) · the client addressed the first");
    assert.equal(plain.body.detail.fields.some((field) => field.label === 'NAT'), false);
  });
});
