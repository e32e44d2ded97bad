import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { peerRows } from '../../../src/ui/view-model/peer-groups.js';
import { selectTable } from '../../../src/ui/view-model/select-table.js';
import { initialUiState, uiReducer } from '../../../src/ui/view-model/ui-reducer.js';
import { describeScope } from '../../../src/ui/view-model/scope.js';
import { keptPaneRows } from '../../../src/ui/view-model/select-table.js';
import { viewDocument } from '../../../src/ui/save-screen-snapshot.js';
import type { UiState } from '../../../src/ui/view-model/ui-state.js';
import type { ConnectionSnapshot, PeerName } from '../../../src/model/snapshot-types.js';
import { T0, connection, snapshot } from './snapshot-builder.js';

const edge = (atMs: number): PeerName => ({ name: 'edge.cdn.test', source: 'dns', atMs });
// Three addresses behind one name (a CDN), one named alone, one unnamed.
const edgeA = connection({ id: 1, daddr: '10.0.0.30', bytesSent: 100, bytesReceived: 1000, sendRate: 10, receiveRate: 5, retransmits: 1, peerName: edge(T0) });
const edgeB = connection({ id: 2, daddr: '10.0.0.4', bytesSent: 200, bytesReceived: 2000, sendRate: 20, receiveRate: 6, retransmits: 2, peerName: edge(T0 + 50) });
const edgeC = connection({ id: 3, daddr: '10.0.0.100', bytesSent: 300, bytesReceived: 3000, sendRate: 30, receiveRate: 7, resetsReceived: 1, peerName: { ...edge(T0 + 20), source: 'hosts' } });
const edgeAgain = connection({ id: 4, daddr: '10.0.0.30', bytesSent: 1, bytesReceived: 1, sendRate: 0, receiveRate: 0, closedAtMs: T0 + 2000, state: 'CLOSE', peerName: edge(T0) });
const lone = connection({ id: 5, daddr: '10.0.0.9', bytesSent: 7, bytesReceived: 7, peerName: { name: 'db.test', source: 'dns', atMs: T0 } });
const unnamed = connection({ id: 6, daddr: '10.0.0.8', bytesSent: 5, bytesReceived: 5 });
const unnamedToo = connection({ id: 7, daddr: '10.0.0.7', bytesSent: 5, bytesReceived: 5 });
const all: ConnectionSnapshot[] = [edgeA, edgeB, edgeC, edgeAgain, lone, unnamed, unnamedToo];
const data = snapshot({ connections: all });

function state(fields: Partial<UiState> = {}): UiState {
  return { ...initialUiState({ intervalMs: 1000 }), pane: 'peers', ...fields };
}

function peersTable(fields: Partial<UiState> = {}) {
  return selectTable({ snapshot: data, state: state(fields), width: 200, rowLines: 20 });
}

function cell(table: ReturnType<typeof peersTable>['table'], rowKey: string, column: string): string {
  const index = table.columns.findIndex((candidate) => candidate.id === column);
  assert.ok(index >= 0, `column ${column}`);
  const row = table.rows.find((candidate) => candidate.key === rowKey);
  assert.ok(row !== undefined, `row ${rowKey} in ${table.rows.map((candidate) => candidate.key).join(', ')}`);
  return (row.cells[index] ?? '').trim();
}

describe('Peers grouped by name', () => {
  test('addresses sharing a name are one row summing their traffic; a name of one address and unnamed addresses stay rows of their own', () => {
    const rows = peerRows(data.peers, false);
    assert.deepEqual(
      rows.map((row) => [row.groupName, row.addresses]),
      [
        ['edge.cdn.test', ['10.0.0.4', '10.0.0.30', '10.0.0.100']],
        [null, ['10.0.0.7']],
        [null, ['10.0.0.8']],
        [null, ['10.0.0.9']],
      ],
    );
    const group = rows[0];
    assert.ok(group !== undefined);
    assert.equal(group.address, '10.0.0.4', 'the first address in address order');
    assert.equal(group.connections, 4);
    assert.equal(group.openConnections, 3);
    assert.equal(group.bytesSent, 601);
    assert.equal(group.bytesReceived, 6001);
    assert.equal(group.sendRate, 60);
    assert.equal(group.receiveRate, 18);
    assert.equal(group.retransmits, 3);
    assert.equal(group.resetsReceived, 1);
    assert.deepEqual(group.peerName, edge(T0 + 50), 'the newest sighting of the name');
  });

  test('with n (addresses shown), one row per address, as the model has them', () => {
    const rows = peerRows(data.peers, true);
    assert.deepEqual(
      rows.map((row) => row.address),
      data.peers.map((peer) => peer.address),
    );
    assert.ok(rows.every((row) => row.groupName === null && row.addresses.length === 1));
  });

  test('the same peers give the same rows, so the table stays memoized between frames', () => {
    assert.equal(peerRows(data.peers, false), peerRows(data.peers, false));
    assert.notEqual(peerRows(data.peers, false), peerRows(data.peers, true));
  });

  test('the pane: the group keyed by its name, ADDRESS saying how many; n splits it again', () => {
    const grouped = peersTable().table;
    assert.deepEqual(grouped.rows.map((row) => row.key), ['name:edge.cdn.test', '10.0.0.9', '10.0.0.7', '10.0.0.8']);
    assert.equal(cell(grouped, 'name:edge.cdn.test', 'address'), '3 addresses');
    assert.equal(cell(grouped, 'name:edge.cdn.test', 'name'), 'edge.cdn.test');
    assert.equal(cell(grouped, '10.0.0.9', 'address'), '10.0.0.9');
    assert.equal(cell(grouped, '10.0.0.9', 'name'), 'db.test');
    const split = peersTable({ addressesShown: true }).table;
    assert.deepEqual(split.rows.map((row) => row.key).sort(), ['10.0.0.100', '10.0.0.30', '10.0.0.4', '10.0.0.7', '10.0.0.8', '10.0.0.9']);
  });

  test('Enter on the group scopes every pane to all its addresses; the scope line and a save name it', () => {
    const scoped = uiReducer(state(), { type: 'enter', key: 'name:edge.cdn.test' });
    assert.deepEqual(scoped.scope, { kind: 'peerName', name: 'edge.cdn.test' });
    assert.equal(scoped.pane, 'connections');
    const connections = selectTable({ snapshot: data, state: scoped, width: 200, rowLines: 20 });
    assert.deepEqual([...connections.navigation.keys].sort(), ['1', '2', '3', '4']);
    assert.equal(describeScope(scoped.scope, data), 'scope: peer edge.cdn.test (3 addresses) · Esc leaves');
    const peers = selectTable({ snapshot: data, state: { ...scoped, pane: 'peers' }, width: 200, rowLines: 20 });
    assert.deepEqual(peers.navigation.keys, ['name:edge.cdn.test']);
    const saved = keptPaneRows(data, scoped);
    assert.deepEqual(saved.peers.map((peer) => peer.address), ['10.0.0.100', '10.0.0.30', '10.0.0.4'], 'the document keeps one peer per address');
    assert.ok(saved.peers.every((peer) => !('addresses' in peer)), 'and its peers keep their shape');
    assert.deepEqual(viewDocument(scoped).scope, { kind: 'peerName', name: 'edge.cdn.test' });
  });

  test('Enter on a row of one address scopes to the address, as before', () => {
    assert.deepEqual(uiReducer(state(), { type: 'enter', key: '10.0.0.9' }).scope, { kind: 'peer', address: '10.0.0.9' });
  });

  test('host: keeps the group when any of its addresses matches', () => {
    const keys = peersTable({ filter: { text: 'host:10.0.0.100', editing: false } }).navigation.keys;
    assert.deepEqual(keys, ['10.0.0.100'], 'under a filter the pane sums the kept connections: one address of the name is left');
    assert.deepEqual(peersTable({ filter: { text: 'host:cdn.test', editing: false } }).navigation.keys, ['name:edge.cdn.test']);
  });
});
