import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { columnIds, defaultSort, paneColumns } from '../../../src/ui/view-model/columns.js';
import { selectTable } from '../../../src/ui/view-model/select-table.js';
import { displayWidth } from '../../../src/ui/view-model/text-width.js';
import { initialUiState, uiReducer } from '../../../src/ui/view-model/ui-reducer.js';
import type { PaneId, UiState } from '../../../src/ui/view-model/ui-state.js';
import type { ModelSnapshot } from '../../../src/model/snapshot-types.js';
import { NOW, T0, connection, containerIdentity, event, flowLimit, listener, manyConnections, snapshot } from './snapshot-builder.js';

function state(fields: Partial<UiState> = {}): UiState {
  return { ...initialUiState({ intervalMs: 1000 }), ...fields };
}

function sorted(pane: PaneId, column: string, descending: boolean): UiState['sort'] {
  return { ...state().sort, [pane]: { column, descending } };
}

function table(data: ModelSnapshot, fields: Partial<UiState> = {}, width = 160, rowLines = 30) {
  return selectTable({ snapshot: data, state: state(fields), width, rowLines });
}

function keysOf(data: ModelSnapshot, fields: Partial<UiState> = {}): readonly string[] {
  return table(data, fields).navigation.keys;
}

const trio = snapshot({
  connections: [
    connection({ id: 1, sendRate: 10, receiveRate: 10, daddr: '10.0.0.10', owner: { pid: 30, comm: 'nginx' }, openedAtMs: T0 + 5000 }),
    connection({ id: 2, sendRate: 500, receiveRate: 0, daddr: '10.0.0.9', owner: { pid: 10, comm: 'curl' }, openedAtMs: T0 }),
    connection({ id: 3, sendRate: 0, receiveRate: 100, daddr: '10.0.0.100', owner: { pid: null, comm: null, cmdline: null }, openedAtMs: T0 + 9000 }),
  ],
});

describe('columns', () => {
  test('every pane exposes its column ids and a default sort among them', () => {
    for (const pane of ['connections', 'processes', 'containers', 'peers', 'listeners', 'events'] as const) {
      const ids = columnIds(pane);
      assert.equal(new Set(ids).size, ids.length, pane);
      assert.ok(ids.includes(defaultSort(pane).column), pane);
    }
    assert.deepEqual(columnIds('connections'), ['pid', 'process', 'container', 'local', 'remote', 'proto', 'state', 'rate', 'send', 'recv', 'sent', 'received', 'retrans', 'resets', 'drops', 'rtt', 'age', 'limit']);
    assert.deepEqual(columnIds('containers'), ['name', 'runtime', 'pod', 'workload', 'image', 'procs', 'conns', 'bytes', 'send', 'recv', 'sent', 'received', 'retrans', 'resets', 'drops']);
  });

  test('every column leaves room for its header and the sort mark', () => {
    for (const columns of Object.values(paneColumns)) {
      for (const column of columns) assert.ok(column.minWidth >= column.header.length + 1, column.id);
    }
  });
});

describe('sorting', () => {
  test('connections start by total rate, biggest first, marked ▼', () => {
    const result = table(trio);
    assert.deepEqual(result.navigation.keys, ['2', '3', '1']);
    assert.deepEqual(
      result.table.columns.filter((column) => column.sortMark !== '').map((column) => [column.id, column.sortMark]),
      [['rate', '▼']],
    );
  });

  test('text sorts A→Z with unknowns last, and inverts', () => {
    assert.deepEqual(keysOf(trio, { sort: sorted('connections', 'process', false) }), ['2', '1', '3']);
    const inverted = table(trio, { sort: sorted('connections', 'process', true) });
    assert.deepEqual(inverted.navigation.keys, ['3', '1', '2']);
    assert.equal(inverted.table.columns.find((column) => column.id === 'process')?.sortMark, '▼');
    assert.equal(table(trio, { sort: sorted('connections', 'process', false) }).table.columns.find((column) => column.id === 'process')?.sortMark, '▲');
  });

  test('numbers sort with unknowns last in their natural direction', () => {
    assert.deepEqual(keysOf(trio, { sort: sorted('connections', 'pid', true) }), ['1', '2', '3']);
    assert.deepEqual(keysOf(trio, { sort: sorted('connections', 'send', true) }), ['2', '1', '3']);
    assert.deepEqual(keysOf(trio, { sort: sorted('connections', 'recv', false) }), ['2', '1', '3']);
  });

  test("a pid lent by the connection's listener reads `812?`, and sorts as 812", () => {
    const data = snapshot({
      connections: [
        connection({ id: 1, owner: { pid: 812, comm: 'nginx', provisional: true } }),
        connection({ id: 2, owner: { pid: 813, comm: 'nginx' } }),
        connection({ id: 3, owner: { pid: 811, comm: 'nginx' } }),
      ],
    });
    const result = table(data, { sort: sorted('connections', 'pid', false) });
    const pidIndex = result.table.columns.findIndex((column) => column.id === 'pid');
    assert.deepEqual(result.navigation.keys, ['3', '1', '2']);
    assert.deepEqual(result.table.rows.map((row) => row.cells[pidIndex]?.trim()), ['811', '812?', '813']);
  });

  test('addresses sort numerically, not as text', () => {
    assert.deepEqual(keysOf(trio, { sort: sorted('connections', 'remote', false) }), ['2', '1', '3']);
  });

  test('age sorts oldest first by default', () => {
    assert.deepEqual(keysOf(trio, { sort: sorted('connections', 'age', true) }), ['2', '1', '3']);
  });

  test('ties keep identity order in both directions, so rows do not jump between ticks', () => {
    const tied = snapshot({ connections: [5, 3, 9].map((id) => connection({ id, sendRate: 7, receiveRate: 0 })) });
    assert.deepEqual(keysOf(tied), ['3', '5', '9']);
    assert.deepEqual(keysOf(tied, { sort: sorted('connections', 'rate', false) }), ['3', '5', '9']);
  });

  test('an unknown sort column falls back to the pane default', () => {
    const result = table(trio, { sort: sorted('connections', 'bogus', true) });
    assert.deepEqual(result.navigation.keys, ['2', '3', '1']);
    assert.equal(result.table.columns.find((column) => column.sortMark !== '')?.id, 'rate');
  });

  test('other panes sort by their defaults: processes and peers by bytes, listeners by queue, events newest first', () => {
    const data = snapshot({
      connections: [
        connection({ id: 1, bytesSent: 10, bytesReceived: 10, daddr: '10.0.0.1', owner: { pid: 1 } }),
        connection({ id: 2, bytesSent: 100, bytesReceived: 0, daddr: '10.0.0.2', owner: { pid: 2 } }),
      ],
      listeners: [listener({ id: 7, acceptQueue: 0 }), listener({ id: 8, acceptQueue: 5 })],
      events: [event({ atMs: NOW - 10, kind: 'retransmit' }), event({ atMs: NOW - 10, kind: 'reset' }), event({ atMs: NOW - 20 })],
    });
    assert.deepEqual(keysOf(data, { pane: 'processes' }), ['2', '1']);
    assert.deepEqual(keysOf(data, { pane: 'peers' }), ['10.0.0.2', '10.0.0.1']);
    assert.deepEqual(keysOf(data, { pane: 'listeners' }), ['8/800', '7/800']);
    assert.deepEqual(keysOf(data, { pane: 'events' }), [`1/${NOW - 10}/retransmit/0`, `1/${NOW - 10}/reset/0`, `1/${NOW - 20}/state/0`]);
  });
});

describe('scope', () => {
  const data = snapshot({
    connections: [
      connection({ id: 1, daddr: '10.0.0.7', owner: { pid: 100, comm: 'app' } }),
      connection({ id: 2, daddr: '10.0.0.8', owner: { pid: 100, comm: 'app' } }),
      connection({ id: 3, daddr: '10.0.0.7', owner: { pid: 200, comm: 'other' } }),
      connection({ id: 4, saddr: '10.0.0.1', sport: 8080, daddr: '10.0.0.9', dport: 50000, owner: { pid: 300, comm: 'server' } }),
    ],
    listeners: [listener({ id: 50, sport: 8080, owner: { pid: 300, comm: 'server' } }), listener({ id: 51, sport: 22, owner: { pid: 1, comm: 'sshd' } })],
    events: [event({ connectionId: 1, pid: 100, daddr: '10.0.0.7' }), event({ connectionId: 3, pid: 200, daddr: '10.0.0.7', atMs: NOW - 5 })],
  });

  test('a process scope keeps its connections, itself, its peers, its listeners and its events', () => {
    const scope = { kind: 'process', pid: 100 } as const;
    assert.deepEqual([...keysOf(data, { scope })].sort(), ['1', '2']);
    assert.deepEqual(keysOf(data, { scope, pane: 'processes' }), ['100']);
    assert.deepEqual([...keysOf(data, { scope, pane: 'peers' })].sort(), ['10.0.0.7', '10.0.0.8']);
    assert.deepEqual(keysOf(data, { scope: { kind: 'process', pid: 300 }, pane: 'listeners' }), ['50/300']);
    assert.equal(keysOf(data, { scope, pane: 'events' }).length, 1);
  });

  test('a peer scope keeps the connections to it, the processes talking to it and the listeners it reached', () => {
    const scope = { kind: 'peer', address: '10.0.0.7' } as const;
    assert.deepEqual([...keysOf(data, { scope })].sort(), ['1', '3']);
    assert.deepEqual([...keysOf(data, { scope, pane: 'processes' })].sort(), ['100', '200']);
    assert.deepEqual(keysOf(data, { scope, pane: 'peers' }), ['10.0.0.7']);
    assert.equal(keysOf(data, { scope, pane: 'events' }).length, 2);
    assert.deepEqual(keysOf(data, { scope: { kind: 'peer', address: '10.0.0.9' }, pane: 'listeners' }), ['50/300']);
  });

  test('a listener scope keeps the connections it accepted (its port, in its netns), their processes and peers, itself and their events', () => {
    const accepted = snapshot({
      connections: [
        connection({ id: 1, saddr: '10.0.0.1', sport: 8080, daddr: '10.0.0.9', dport: 50000, netns: 7, owner: { pid: 300, comm: 'server' } }),
        connection({ id: 2, saddr: '127.0.0.1', sport: 8080, daddr: '127.0.0.1', dport: 50001, netns: 7, owner: { pid: 301, comm: 'worker' } }),
        // The same port in another network namespace belongs to another listener.
        connection({ id: 3, saddr: '10.0.0.1', sport: 8080, daddr: '10.0.0.8', dport: 50002, netns: 8, owner: { pid: 400, comm: 'other' } }),
        // A client of the server: its remote port is 8080, its local one is not.
        connection({ id: 4, saddr: '10.0.0.1', sport: 41000, daddr: '10.0.0.1', dport: 8080, netns: 7, owner: { pid: 500, comm: 'curl' } }),
      ],
      listeners: [listener({ id: 50, saddr: '0.0.0.0', sport: 8080, netns: 7, owner: { pid: 300, comm: 'server' } }), listener({ id: 51, sport: 8080, netns: 8, owner: { pid: 400, comm: 'other' } })],
      events: [
        event({ connectionId: 1, pid: 300, sport: 8080 }),
        event({ connectionId: 4, pid: 500, sport: 41000, dport: 8080, atMs: NOW - 5 }),
        event({ connectionId: null, kind: 'drop', saddr: '10.0.0.1', sport: 8080, atMs: NOW - 6 }),
      ],
    });
    const scope = { kind: 'listener', id: 50 } as const;
    assert.deepEqual([...keysOf(accepted, { scope })].sort(), ['1', '2']);
    assert.deepEqual([...keysOf(accepted, { scope, pane: 'processes' })].sort(), ['300', '301']);
    assert.deepEqual([...keysOf(accepted, { scope, pane: 'peers' })].sort(), ['10.0.0.9', '127.0.0.1']);
    assert.deepEqual(keysOf(accepted, { scope, pane: 'listeners' }), ['50/300']);
    assert.equal(keysOf(accepted, { scope, pane: 'events' }).length, 2, 'the accepted connection\'s event and the socketless drop at the port');
    assert.deepEqual(keysOf(accepted, { scope: { kind: 'listener', id: 99 } }), [], 'a listener that is gone keeps nothing');
  });

  test('a container scope keeps its connections, processes, itself, its peers, its listeners and its events', () => {
    const web = containerIdentity({ id: `aaaa${'1'.repeat(60)}`, name: 'web' });
    const db = containerIdentity({ id: `bbbb${'2'.repeat(60)}`, name: 'postgres', runtime: 'containerd', pod: 'db-0', namespace: 'prod' });
    const cache = containerIdentity({ id: `cccc${'3'.repeat(60)}`, name: 'redis', runtime: 'containerd', pod: 'cache-0', namespace: 'prod' });
    const containerised = snapshot({
      connections: [
        connection({ id: 1, daddr: '10.0.0.7', owner: { pid: 100, comm: 'app', container: web } }),
        connection({ id: 2, sport: 5432, daddr: '10.0.0.8', owner: { pid: 200, comm: 'postgres', container: db } }),
        connection({ id: 3, daddr: '10.0.0.7', owner: { pid: 300, comm: 'curl' } }),
        connection({ id: 4, daddr: '10.0.0.9', owner: { pid: 400, comm: 'redis-server', container: cache } }),
      ],
      listeners: [listener({ id: 50, sport: 5432, owner: { pid: 200, comm: 'postgres', container: db } }), listener({ id: 51, sport: 22, owner: { pid: 1, comm: 'sshd' } })],
      events: [
        event({ atMs: NOW - 1, connectionId: 1, pid: 100 }),
        event({ atMs: NOW - 2, connectionId: 3, pid: 300 }),
        // The connection is gone from the table: the event still belongs to postgres by its pid.
        event({ atMs: NOW - 3, connectionId: 999, pid: 200 }),
        event({ atMs: NOW - 4, connectionId: null, pid: null, kind: 'drop' }),
      ],
    });
    const everyPane = (scope: UiState['scope']) =>
      Object.fromEntries((['connections', 'processes', 'containers', 'peers', 'listeners', 'events'] as const).map((pane) => [pane, [...keysOf(containerised, { scope, pane })].sort()]));

    assert.deepEqual(everyPane({ kind: 'container', id: web.id }), {
      connections: ['1'],
      processes: ['100'],
      containers: [`docker/${web.id}`],
      peers: ['10.0.0.7'],
      listeners: [],
      events: [`1/${NOW - 1}/state/0`],
    });
    const postgres = {
      connections: ['2'],
      processes: ['200'],
      containers: [`containerd/${db.id}`],
      peers: ['10.0.0.8'],
      listeners: ['50/200'],
      events: [`999/${NOW - 3}/state/0`],
    };
    assert.deepEqual(everyPane({ kind: 'containerQuery', container: 'postgres', pod: null }), postgres, 'by name');
    assert.deepEqual(everyPane({ kind: 'containerQuery', container: 'bbbb22', pod: null }), postgres, 'by id prefix');
    assert.deepEqual(everyPane({ kind: 'containerQuery', container: null, pod: 'db-0' }), postgres, 'by pod name');
    assert.deepEqual(everyPane({ kind: 'containerQuery', container: null, pod: 'prod/db-0' }), postgres, 'by namespace/pod');
    assert.deepEqual(keysOf(containerised, { scope: { kind: 'containerQuery', container: null, pod: 'prod' } }), [], 'a namespace alone names no pod');
    assert.deepEqual(keysOf(containerised, { scope: { kind: 'containerQuery', container: 'redis', pod: 'prod/db-0' } }), [], 'container and pod must both match');
    assert.deepEqual(keysOf(containerised, { scope: { kind: 'containerQuery', container: 'redis', pod: 'cache-0' } }), ['4']);
    assert.deepEqual(keysOf(containerised, { scope: { kind: 'containerQuery', container: 'Postgres', pod: null } }), [], 'names are compared exactly, as --container does');

    assert.deepEqual(keysOf(containerised, { scope: { kind: 'process', pid: 200 }, pane: 'containers' }), [`containerd/${db.id}`]);
    assert.deepEqual(keysOf(containerised, { scope: { kind: 'peer', address: '10.0.0.7' }, pane: 'containers' }), [`docker/${web.id}`], 'the host curl adds no container');
  });

  test('Enter scopes to exactly its container; --container also takes the ones whose id merely starts so', () => {
    // Plain containerd ids are any name, so one id can start another.
    const redis = containerIdentity({ id: 'redis', name: 'redis', runtime: 'containerd' });
    const redisCache = containerIdentity({ id: 'redis-cache', name: 'redis-cache', runtime: 'containerd' });
    const data = snapshot({
      connections: [connection({ id: 1, owner: { pid: 10, container: redis } }), connection({ id: 2, owner: { pid: 20, container: redisCache } })],
    });
    assert.deepEqual(keysOf(data, { scope: { kind: 'container', id: 'redis' } }), ['1']);
    assert.deepEqual([...keysOf(data, { scope: { kind: 'containerQuery', container: 'redis', pod: null } })].sort(), ['1', '2']);
  });

  test('scope and filter counts: matching after both, total before', () => {
    const result = table(data, { scope: { kind: 'process', pid: 100 }, filter: { text: '10.0.0.8', editing: false } });
    assert.equal(result.table.matchingRows, 1);
    assert.equal(result.table.totalRows, 4);
  });
});

describe('fitting', () => {
  test('at 80 columns the connections table keeps process, remote, state and rates; at 160 every column but the container, the protocol and the limit', () => {
    const narrow = table(trio, {}, 80);
    assert.deepEqual(
      narrow.table.columns.map((column) => column.id),
      ['process', 'remote', 'state', 'rate', 'send', 'recv'],
    );
    const wide = table(trio, {}, 160);
    assert.deepEqual(
      wide.table.columns.map((column) => column.id),
      columnIds('connections').filter((id) => id !== 'container' && id !== 'proto' && id !== 'limit'),
    );
  });

  test('the container column is the first to go, in connections and in processes', () => {
    const ids = (pane: PaneId, width: number) => table(trio, { pane }, width).table.columns.map((column) => column.id);
    assert.deepEqual(ids('connections', 181), columnIds('connections').filter((id) => id !== 'container'));
    assert.deepEqual(ids('connections', 182), columnIds('connections'));
    assert.deepEqual(ids('processes', 128), columnIds('processes').filter((id) => id !== 'container'));
    assert.deepEqual(ids('processes', 129), columnIds('processes'));
  });

  test('the limit column goes early when narrow, but stays while a row on screen is held back', () => {
    const ids = (data: ModelSnapshot) => table(data, {}, 80).table.columns.map((column) => column.id);
    const harmless = snapshot({ connections: [connection({ id: 1, limit: flowLimit({ verdict: 'app', limitedSeconds: { app: 1 } }) })] });
    assert.deepEqual(ids(harmless), ['process', 'remote', 'state', 'rate', 'send', 'recv']);
    const stalled = snapshot({ connections: [connection({ id: 1, limit: flowLimit({ verdict: 'stalled-reader', rcvWnd: 0, receiveQueue: 131_072 }) })] });
    assert.deepEqual(ids(stalled), ['process', 'remote', 'state', 'rate', 'send', 'limit']);
    const cells = table(stalled, {}, 80).table.rows[0]?.cells ?? [];
    assert.equal(cells.at(-1)?.trim(), 'stalled');
    // Off screen, a problem row raises nothing: the column is for the rows one can see.
    const many = snapshot({
      connections: [
        ...Array.from({ length: 30 }, (_, index) => connection({ id: 100 + index, sendRate: 1000 + index })),
        connection({ id: 1, sendRate: 1, limit: flowLimit({ verdict: 'receiver' }) }),
      ],
    });
    assert.deepEqual(table(many, {}, 80, 10).table.columns.map((column) => column.id), ['process', 'remote', 'state', 'rate', 'send', 'recv']);
  });

  test('sorting by limit puts our own stall first, then what holds flows back, then the harmless, unknown last', () => {
    const data = snapshot({
      connections: [
        connection({ id: 1, limit: flowLimit({ verdict: 'app' }) }),
        connection({ id: 2, limit: null }),
        connection({ id: 3, limit: flowLimit({ verdict: 'stalled-reader' }) }),
        connection({ id: 4, limit: flowLimit({ verdict: 'idle' }) }),
        connection({ id: 5, limit: flowLimit({ verdict: 'network' }) }),
        connection({ id: 6, limit: flowLimit({ verdict: 'receiver' }) }),
      ],
    });
    assert.deepEqual(table(data, { sort: sorted('connections', 'limit', true) }).navigation.keys, ['3', '5', '6', '1', '4', '2']);
  });

  test('at 80 columns the processes table keeps the command line', () => {
    const data = snapshot({ connections: [connection()] });
    assert.deepEqual(
      table(data, { pane: 'processes' }, 80).table.columns.map((column) => column.id),
      ['pid', 'process', 'conns', 'bytes', 'send', 'recv', 'retrans', 'command'],
    );
  });

  test('columns and cells never exceed the width, and cells are exactly their column wide', () => {
    const data = snapshot({
      connections: [
        connection({
          id: 1,
          family: 'ipv6',
          saddr: '2001:db8:85a3::8a2e:370:7334',
          daddr: '2001:db8:ffff:ffff:ffff:ffff:ffff:1',
          dport: 65535,
          owner: { comm: 'a-very-long-process-name', cmdline: `java ${'-Dproperty=value '.repeat(40)}` },
          sendRate: 1023 * 1024 * 1024,
        }),
        connection({ id: 2, owner: { comm: '日本語のプロセス名', container: containerIdentity({ name: 'a-container-name-longer-than-its-column', image: 'registry.example.com/team/app:2025.01.15-abcdef' }) } }),
      ],
    });
    for (const width of [60, 80, 100, 160, 200]) {
      for (const pane of ['connections', 'processes', 'containers', 'peers'] as const) {
        const result = table(data, { pane }, width);
        const widths = result.table.columns.map((column) => column.width);
        assert.ok(widths.reduce((sum, value) => sum + value, 0) + widths.length - 1 <= width, `${pane} at ${width}`);
        for (const row of result.table.rows) {
          row.cells.forEach((cell, index) => assert.equal(displayWidth(cell), widths[index], `${pane} ${width} ${cell}`));
          assert.ok(displayWidth(row.cells.join(' ')) <= width);
        }
      }
    }
    const remote = table(data, {}, 80).table;
    const remoteIndex = remote.columns.findIndex((column) => column.id === 'remote');
    const cell = remote.rows.find((row) => row.key === '1')?.cells[remoteIndex] ?? '';
    assert.ok(cell.includes('…') && cell.trimEnd().endsWith(':65535'), cell);
  });

  test('spare width goes to the flexible columns, never past their maximum', () => {
    const columns = table(trio, {}, 240).table.columns;
    const process = columns.find((column) => column.id === 'process');
    assert.equal(process?.width, 16);
    assert.ok((columns.find((column) => column.id === 'remote')?.width ?? 0) > 21);
  });
});

describe('containers pane', () => {
  const web = containerIdentity();
  const db = containerIdentity({ id: `c0ffee${'0'.repeat(58)}`, name: 'postgres', runtime: 'containerd', image: null, pod: 'db-0', namespace: 'prod' });
  const bare = containerIdentity({ id: `d00d${'0'.repeat(60)}`, name: 'job', runtime: 'cri-o', image: 'busybox', pod: 'batch-1', namespace: null });
  const data = snapshot({
    connections: [
      connection({ id: 1, bytesSent: 5000, bytesReceived: 0, owner: { pid: 10, comm: 'nginx', container: web } }),
      connection({ id: 2, bytesSent: 100, bytesReceived: 0, owner: { pid: 11, comm: 'nginx', container: web } }),
      connection({ id: 3, bytesSent: 9000, bytesReceived: 1000, retransmits: 2, owner: { pid: 20, comm: 'postgres', container: db } }),
      connection({ id: 4, bytesSent: 10, bytesReceived: 0, closedAtMs: NOW - 10, state: 'CLOSE', owner: { pid: 30, comm: 'sh', container: bare } }),
      connection({ id: 5, bytesSent: 1_000_000, owner: { pid: 40, comm: 'curl' } }),
    ],
  });
  const webKey = `docker/${web.id}`;
  const dbKey = `containerd/${db.id}`;
  const bareKey = `cri-o/${bare.id}`;

  test('lists the containers of the snapshot, by bytes, biggest first; host processes are not among them', () => {
    const result = table(data, { pane: 'containers' });
    assert.deepEqual(result.navigation.keys, [dbKey, webKey, bareKey]);
    assert.equal(result.table.columns.find((column) => column.sortMark !== '')?.id, 'bytes');
    assert.equal(result.table.totalRows, 3);
  });

  test('cells: name, runtime, namespace/pod, image, processes and the traffic sums; - where there is none', () => {
    const result = table(data, { pane: 'containers' });
    const cells = (key: string) =>
      Object.fromEntries(result.table.columns.map((column, index) => [column.id, result.table.rows.find((row) => row.key === key)?.cells[index]?.trim()]));
    assert.deepEqual(cells(webKey), {
      name: 'web',
      runtime: 'docker',
      pod: '-',
      workload: '-',
      image: 'nginx:1.27',
      procs: '2',
      conns: '2',
      bytes: '5.0 KiB',
      send: '200 B/s',
      recv: '3.9 KiB/s',
      sent: '5.0 KiB',
      received: '0 B',
      retrans: '-',
      resets: '-',
      drops: '-',
    });
    assert.deepEqual([cells(dbKey).pod, cells(dbKey).workload, cells(dbKey).image, cells(dbKey).retrans], ['prod/db-0', 'sts/db', '-', '2']);
    assert.equal(cells(bareKey).pod, 'batch-1', 'a pod without a namespace shows by name');
  });

  test('a container whose connections are all closed is dim, one with trouble warns', () => {
    const tones = Object.fromEntries(table(data, { pane: 'containers' }).table.rows.map((row) => [row.key, row.tone]));
    assert.deepEqual(tones, { [webKey]: 'normal', [dbKey]: 'warn', [bareKey]: 'dim' });
  });

  test('narrow terminals drop the image first; at 80 columns name, pod, processes, connections, bytes, rates and retransmits stay', () => {
    const ids = (width: number) => table(data, { pane: 'containers' }, width).table.columns.map((column) => column.id);
    assert.deepEqual(ids(80), ['name', 'pod', 'procs', 'conns', 'bytes', 'send', 'recv', 'retrans']);
    // The workload outranks the image: it names what a rollout keeps.
    assert.deepEqual(ids(118), columnIds('containers').filter((id) => id !== 'image' && id !== 'workload' && id !== 'resets' && id !== 'drops'));
    assert.deepEqual(ids(144), columnIds('containers').filter((id) => id !== 'image'));
    assert.deepEqual(ids(145), columnIds('containers'));
  });
});

describe('selection and window', () => {
  const hundred = snapshot({ connections: Array.from({ length: 100 }, (_unused, index) => connection({ id: index + 1, sendRate: 1000 - index, receiveRate: 0 })) });

  function at(index: number, key: string | null = null) {
    return table(hundred, { selection: { ...state().selection, connections: { index, key } } }, 160, 10);
  }

  test('the window shows only the rows that fit and keeps the selection inside', () => {
    const top = at(0);
    assert.equal(top.table.rows.length, 10);
    assert.equal(top.table.firstRowIndex, 0);
    assert.deepEqual(top.table.rows.filter((row) => row.selected).map((row) => row.key), ['1']);
    assert.equal(top.navigation.keys.length, 100);
    assert.equal(top.navigation.pageSize, 10);

    const middle = at(50);
    assert.equal(middle.table.firstRowIndex, 46);
    assert.equal(middle.table.rows.findIndex((row) => row.selected), 4);
    assert.equal(middle.selectedKey, '51');

    const end = at(99);
    assert.equal(end.table.firstRowIndex, 90);
    assert.equal(end.table.rows.at(-1)?.selected, true);
  });

  test('the selection follows its row as the order changes, and stays at its index when the row is gone', () => {
    const followed = at(0, '60');
    assert.equal(followed.selectedKey, '60');
    assert.ok(followed.table.rows.some((row) => row.key === '60' && row.selected));
    const gone = at(7, 'no-such-row');
    assert.equal(gone.selectedKey, '8');
    assert.equal(at(500).selectedKey, '100');
  });

  test("keys stay right from tick to tick when unchanged rows (the same objects) keep their place, others move, and new ones come in", () => {
    const first = [1, 2, 3, 4].map((id) => connection({ id, sendRate: 100 - id }));
    assert.deepEqual(keysOf(snapshot({ connections: first })), ['1', '2', '3', '4']);
    const [one, two, three, four] = first as [ReturnType<typeof connection>, ...ReturnType<typeof connection>[]];
    // The same objects for 1, 3 and 4; 2 published anew and now busiest; 5 new, at 3's old place.
    const second = [one, connection({ id: 2, sendRate: 500 }), three!, four!, connection({ id: 5, sendRate: 97.5 })];
    assert.deepEqual(keysOf(snapshot({ connections: second })), ['2', '1', '5', '3', '4']);
    assert.deepEqual(keysOf(snapshot({ connections: [four!, three!, two!] })), ['2', '3', '4']);
  });

  test('an empty pane has no selection', () => {
    const empty = table(snapshot(), { pane: 'listeners' });
    assert.equal(empty.selectedKey, null);
    assert.deepEqual(empty.table.rows, []);
    assert.equal(empty.table.matchingRows, 0);
  });

  test('only the window is formatted, even at 10,000 connections', () => {
    const big = snapshot({ connections: manyConnections(10_000) });
    const result = table(big, {}, 160, 38);
    assert.equal(result.table.rows.length, 38);
    assert.equal(result.navigation.keys.length, 10_000);
  });
});

describe('events by type', () => {
  test('e narrows the Events pane to one type, named beside the sort; the scope still applies', () => {
    const data = snapshot({
      events: [
        event({ kind: 'retransmit', connectionId: 1, pid: 100, atMs: NOW - 1 }),
        event({ kind: 'reset', direction: 'received', connectionId: 2, pid: 200, atMs: NOW - 2 }),
        event({ kind: 'retransmit', connectionId: 3, pid: 200, atMs: NOW - 3 }),
        event({ kind: 'drop', reason: 'NETFILTER_DROP', connectionId: null, pid: null, atMs: NOW - 4 }),
      ],
    });
    const retransmits = table(data, { pane: 'events', eventType: 'retransmit' });
    assert.deepEqual(retransmits.navigation.keys.map((key) => key.split('/')[2]), ['retransmit', 'retransmit']);
    assert.equal(retransmits.table.sortLabel, 'type retransmit · sort TIME▼');
    assert.equal(table(data, { pane: 'events', eventType: 'retransmit', scope: { kind: 'process', pid: 200 } }).navigation.keys.length, 1);
    assert.equal(table(data, { pane: 'events' }).navigation.keys.length, 4);
    assert.equal(table(data, { pane: 'events' }).table.sortLabel, 'sort TIME▼');
  });
});

describe('column widths', () => {
  test('come from the headers and each column\'s bounds, never from the rows: they do not move between ticks', () => {
    const short = snapshot({ connections: [connection({ id: 1, owner: { pid: 7, comm: 'a', cmdline: 'a' } })] });
    const long = snapshot({
      connections: [
        connection({ id: 1, owner: { pid: 4_194_303, comm: 'a-very-long-name', cmdline: 'x'.repeat(300) } }),
        connection({ id: 2, owner: { pid: null, comm: null, cmdline: null }, daddr: '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', dport: 65535 }),
      ],
    });
    for (const pane of ['connections', 'processes', 'events'] as const) {
      for (const width of [80, 160]) {
        const widths = (data: ModelSnapshot) => table(data, { pane }, width).table.columns.map((column) => [column.id, column.width]);
        assert.deepEqual(widths(long), widths(short), `${pane} at ${width}`);
        assert.deepEqual(widths(snapshot()), widths(short), `${pane} at ${width}, empty`);
      }
    }
  });
});

describe('row tone', () => {
  test('closed connections are dim, troubled ones by severity: lost packets and a CLOSE_WAIT leak are bad; retransmits, resets, a fresh CLOSE_WAIT and a SYN unanswered for a second warn', () => {
    const data = snapshot({
      connections: [
        connection({ id: 1, closedAtMs: NOW - 10, state: 'CLOSE', retransmits: 4 }),
        connection({ id: 2, retransmits: 1 }),
        connection({ id: 3, resetsReceived: 1 }),
        connection({ id: 4, drops: [{ reason: 'NETFILTER_DROP', class: 'matters', count: 1 }] }),
        connection({ id: 5, state: 'SYN_SENT', stateHistory: [{ state: 'SYN_SENT', atMs: NOW - 2000, durationMs: null }] }),
        connection({ id: 6, state: 'SYN_SENT', stateHistory: [{ state: 'SYN_SENT', atMs: NOW - 200, durationMs: null }] }),
        connection({ id: 7 }),
        connection({ id: 8, state: 'CLOSE_WAIT', stateHistory: [{ state: 'CLOSE_WAIT', atMs: NOW - 5000, durationMs: null }] }),
        connection({ id: 9, state: 'CLOSE_WAIT', stateHistory: [{ state: 'CLOSE_WAIT', atMs: NOW - 61_000, durationMs: null }] }),
        // The worst problem wins: a retransmitting row that also lost packets is bad.
        connection({ id: 10, retransmits: 3, drops: [{ reason: 'NETFILTER_DROP', class: 'matters', count: 1 }] }),
      ],
    });
    const tones = Object.fromEntries(table(data).table.rows.map((row) => [row.key, row.tone]));
    assert.deepEqual(tones, { '1': 'dim', '2': 'warn', '3': 'warn', '4': 'bad', '5': 'warn', '6': 'normal', '7': 'normal', '8': 'warn', '9': 'bad', '10': 'bad' });
  });

  test('a full accept queue is bad, a non-empty one warns; drops are bad events', () => {
    const data = snapshot({
      listeners: [listener({ id: 1, acceptQueue: 128, acceptQueueLimit: 128 }), listener({ id: 2, acceptQueue: 3 }), listener({ id: 3 })],
      events: [event({ kind: 'drop', atMs: NOW - 1 }), event({ kind: 'reset', atMs: NOW - 2 }), event({ toState: 'CLOSE', atMs: NOW - 3 })],
    });
    assert.deepEqual(table(data, { pane: 'listeners' }).table.rows.map((row) => row.tone), ['bad', 'warn', 'normal']);
    assert.deepEqual(table(data, { pane: 'events' }).table.rows.map((row) => row.tone), ['bad', 'warn', 'dim']);
  });
});

describe('drops that matter', () => {
  test('DROPS counts and colours only class matters: a purged queue, a segment for a closed socket or an unannotated free stay quiet', () => {
    const data = snapshot({
      connections: [
        connection({
          id: 1,
          drops: [
            { reason: 'QUEUE_PURGE', class: 'housekeeping', count: 1379 },
            { reason: 'NOT_SPECIFIED', class: 'unclassified', count: 1364 },
            { reason: 'TCP_CLOSE', class: 'stray', count: 2 },
            { reason: 'NO_SOCKET', class: 'refused', count: 1 },
          ],
        }),
        connection({
          id: 2,
          drops: [
            { reason: 'QUEUE_PURGE', class: 'housekeeping', count: 5 },
            { reason: 'NETFILTER_DROP', class: 'matters', count: 7 },
            { reason: 'SOCKET_RCVBUFF', class: 'matters', count: 2 },
          ],
        }),
      ],
    });
    const result = table(data);
    const drops = result.table.columns.findIndex((column) => column.id === 'drops');
    assert.deepEqual(
      result.table.rows.map((row) => [row.key, row.cells[drops]?.trim(), row.tone]).sort(),
      [
        ['1', '-', 'normal'],
        ['2', '9', 'bad'],
      ],
    );
  });
});

describe('cells', () => {
  test('connections read as people expect: comm, endpoint, short state, rates with - for zero', () => {
    const data = snapshot({
      connections: [connection({ id: 1, sendRate: 0, receiveRate: 1.2 * 1024 * 1024, retransmits: 0, resetsSent: 2, resetsReceived: 1, srttMs: 0.25 })],
    });
    const result = table(data);
    const row = result.table.rows[0];
    const cell = (id: string) => row?.cells[result.table.columns.findIndex((column) => column.id === id)]?.trim();
    assert.equal(cell('pid'), '1234');
    assert.equal(cell('process'), 'curl');
    assert.equal(cell('local'), '10.0.0.1:40000');
    assert.equal(cell('remote'), '93.184.216.34:443');
    assert.equal(cell('state'), 'ESTAB');
    assert.equal(cell('send'), '-');
    assert.equal(cell('recv'), '1.2 MiB/s');
    assert.equal(cell('retrans'), '-');
    assert.equal(cell('resets'), '2/1');
    assert.equal(cell('rtt'), '250us');
    assert.equal(cell('age'), '3m11s');
  });

  test('under a filter, Peers, Processes and Containers sum only the kept connections', () => {
    const web = containerIdentity({ name: 'web' });
    const data = snapshot({
      connections: [
        connection({ id: 1, dport: 443, bytesSent: 1000, owner: { pid: 10, comm: 'curl', container: web } }),
        connection({ id: 2, dport: 80, bytesSent: 7000, owner: { pid: 10, comm: 'curl', container: web } }),
        connection({ id: 3, dport: 443, bytesSent: 500, owner: { pid: 11, comm: 'wget' } }),
      ],
    });
    const filtered = { filter: { text: 'port:443', editing: false } };
    const cells = (pane: PaneId, column: string) => {
      const result = table(data, { pane, ...filtered });
      const index = result.table.columns.findIndex((candidate) => candidate.id === column);
      return result.table.rows.map((row) => row.cells[index]?.trim());
    };
    assert.deepEqual(cells('peers', 'conns'), ['2'], 'one peer, its two port-443 connections');
    assert.deepEqual(cells('peers', 'sent'), ['1.5 KiB']);
    assert.deepEqual(cells('processes', 'sent').sort(), ['1000 B', '500 B']);
    assert.deepEqual(cells('containers', 'sent'), ['1000 B']);
    const tabs = table(data, { pane: 'peers', ...filtered }).table;
    assert.deepEqual([tabs.matchingRows, tabs.totalRows], [1, 1]);
    assert.deepEqual(cells('peers', 'conns').length, 1);
    assert.deepEqual(table(data, { pane: 'peers' }).table.rows.length, 1, 'unfiltered: the model\'s own rows');
  });

  test('AGE of a connection older than the capture is a lower bound: ≥ its first sighting', () => {
    const data = snapshot({ connections: [connection({ id: 1, preexisting: true, openedAtMs: NOW - 4900 }), connection({ id: 2, openedAtMs: NOW - 4900 })] });
    const result = table(data, { sort: { ...state().sort, connections: { column: 'age', descending: true } } });
    const age = result.table.columns.findIndex((column) => column.id === 'age');
    assert.deepEqual(result.table.rows.map((row) => row.cells[age]?.trim()).sort(), ['4.9s', '≥4.9s']);
  });

  test('t hides closed and TIME_WAIT connections from the Connections pane, and shows them again', () => {
    const data = snapshot({
      connections: [
        connection({ id: 1 }),
        connection({ id: 2, state: 'CLOSE', closedAtMs: NOW - 10 }),
        connection({ id: 3, state: 'TIME_WAIT' }),
        connection({ id: 4, state: 'CLOSE_WAIT' }),
      ],
    });
    const hidden = uiReducer(state(), { type: 'toggleClosed' });
    assert.deepEqual([...table(data, hidden).navigation.keys].sort(), ['1', '4']);
    assert.equal(table(data, hidden).table.totalRows, 4, 'the pane still counts them: (2/4)');
    assert.deepEqual([...table(data, uiReducer(hidden, { type: 'toggleClosed' })).navigation.keys].sort(), ['1', '2', '3', '4']);
  });

  test('events are named as --events names them, and read as a sentence', () => {
    const data = snapshot({
      connections: [connection({ id: 7, sport: 40007, resetsReceived: 1, state: 'CLOSE' }), connection({ id: 8, sport: 40008 })],
      events: [
        event({ atMs: NOW - 1, kind: 'drop', reason: 'TCP_CSUM', fromState: null, toState: null }),
        event({ atMs: NOW - 2, kind: 'reset', direction: 'received', reason: null, fromState: null, toState: null }),
        event({ atMs: NOW - 3, kind: 'reset', direction: 'sent', reason: 'NOT_SPECIFIED', fromState: null, toState: null }),
        event({ atMs: NOW - 4, kind: 'retransmit', fromState: null, toState: 'ESTABLISHED' }),
        event({ atMs: NOW - 5, connectionId: 7, sport: 0, fromState: 'SYN_SENT', toState: 'CLOSE' }),
        event({ atMs: NOW - 6, connectionId: 7, sport: 0, fromState: 'CLOSE', toState: 'SYN_SENT' }),
        event({ atMs: NOW - 7, connectionId: 8, fromState: 'SYN_RECV', toState: 'ESTABLISHED' }),
        event({ atMs: NOW - 8, connectionId: 8, fromState: 'FIN_WAIT2', toState: 'CLOSE' }),
        event({ atMs: NOW - 9, connectionId: 8, fromState: 'ESTABLISHED', toState: 'FIN_WAIT1' }),
      ],
    });
    const result = table(data, { pane: 'events' });
    const column = (id: string) => result.table.columns.findIndex((candidate) => candidate.id === id);
    assert.deepEqual(
      result.table.rows.map((row) => [row.cells[column('kind')]?.trim(), row.cells[column('detail')]?.trim(), row.tone]),
      [
        ['drop', 'TCP_CSUM', 'bad'],
        ['reset', 'from the peer', 'warn'],
        ['reset', 'sent: NOT_SPECIFIED', 'warn'],
        ['retransmit', 'in ESTAB', 'warn'],
        ['refused', 'SYN_SENT→CLOSE', 'bad'],
        ['connect', 'CLOSE→SYN_SENT', 'normal'],
        ['accept', 'SYN_RECV→ESTAB', 'normal'],
        ['close', 'FIN_WAIT2→CLOSE', 'dim'],
        ['state', 'ESTAB→FIN_WAIT1', 'normal'],
      ],
    );
    const local = column('local');
    assert.equal(result.table.rows[5]?.cells[local]?.trim(), '10.0.0.1:40007', 'a connect shows the port bound after it, not 0');
  });
});
