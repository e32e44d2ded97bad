import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { groupProcesses, processNameFromKey } from '../../../src/ui/view-model/process-groups.js';
import { commandCell, interpretedProgram } from '../../../src/ui/view-model/command-cell.js';
import { selectTable } from '../../../src/ui/view-model/select-table.js';
import { describeScope } from '../../../src/ui/view-model/scope.js';
import { initialUiState, uiReducer } from '../../../src/ui/view-model/ui-reducer.js';
import type { UiState } from '../../../src/ui/view-model/ui-state.js';
import type { ModelSnapshot } from '../../../src/model/snapshot-types.js';
import { viewDocument } from '../../../src/ui/save-screen-snapshot.js';
import { connection, containerIdentity, event, snapshot } from './snapshot-builder.js';

function state(fields: Partial<UiState> = {}): UiState {
  return { ...initialUiState({ intervalMs: 1000 }), ...fields };
}

function table(data: ModelSnapshot, fields: Partial<UiState> = {}, width = 160) {
  return selectTable({ snapshot: data, state: state({ pane: 'processes', ...fields }), width, rowLines: 30 });
}

function cell(result: ReturnType<typeof table>, row: number, column: string): string {
  const at = result.table.columns.findIndex((entry) => entry.id === column);
  return result.table.rows[row]?.cells[at]?.trim() ?? '';
}

const web = containerIdentity({ id: 'a'.repeat(64), name: 'web', image: 'curlimages/curl:8' });
// Twelve curl processes on the host, one in container web, two nginx workers.
const curls = Array.from({ length: 12 }, (_, index) =>
  connection({ id: 100 + index, bytesSent: 1000, bytesReceived: 0, sendRate: 10, receiveRate: 0, retransmits: index === 3 ? 5 : 0, owner: { pid: 2000 + index, comm: 'curl' } }),
);
const data = snapshot({
  connections: [
    ...curls,
    connection({ id: 200, bytesSent: 7, bytesReceived: 0, owner: { pid: 3000, comm: 'curl', container: web } }),
    connection({ id: 300, bytesSent: 50_000, bytesReceived: 0, owner: { pid: 812, comm: 'nginx', uid: 33, user: 'www-data' } }),
    connection({ id: 301, bytesSent: 50_000, bytesReceived: 0, owner: { pid: 813, comm: 'nginx', uid: 0, user: 'root' } }),
  ],
  events: [event({ connectionId: 105, pid: 2005, comm: 'curl' }), event({ connectionId: 300, pid: 812, comm: 'nginx' }), event({ connectionId: 999, pid: 2011, comm: 'curl' })],
});

describe('Processes grouped by name (H)', () => {
  test('H toggles the Processes pane between a row per pid and a row per name and container', () => {
    const grouped = uiReducer(state({ pane: 'processes' }), { type: 'toggleProcessGroups' });
    assert.equal(grouped.processesGrouped, true);
    assert.equal(uiReducer(grouped, { type: 'toggleProcessGroups' }).processesGrouped, false);
    const elsewhere = uiReducer(state(), { type: 'toggleProcessGroups' });
    assert.equal(elsewhere.processesGrouped, false, 'only on the Processes pane');
    assert.match(elsewhere.message?.text ?? '', /Processes/);
  });

  test('per pid there are 15 rows; grouped, 3: curl on the host ×12 with their sums, curl in web ×1, nginx ×2', () => {
    assert.equal(table(data).navigation.keys.length, 15);
    const result = table(data, { processesGrouped: true, sort: { ...state().sort, processes: { column: 'pid', descending: true } } });
    assert.equal(result.navigation.keys.length, 3);
    assert.equal(cell(result, 0, 'pid'), '×12');
    assert.equal(cell(result, 0, 'process'), 'curl');
    assert.equal(cell(result, 0, 'conns'), '12');
    assert.equal(cell(result, 0, 'sent'), '11.7 KiB');
    assert.equal(cell(result, 0, 'send'), '120 B/s');
    assert.equal(cell(result, 0, 'retrans'), '5');
    assert.equal(cell(result, 0, 'container'), '-');
    assert.equal(cell(result, 1, 'pid'), '×2');
    assert.equal(cell(result, 1, 'user'), '-', 'two users under one name: none shown');
    assert.equal(cell(result, 2, 'pid'), '×1');
    assert.equal(cell(result, 2, 'container'), 'web');
  });

  test('grouping the same rows twice gives the same rows (the memos hold between keystrokes)', () => {
    assert.equal(groupProcesses(data.processes), groupProcesses(data.processes));
  });

  test('Enter on a grouped row scopes to every process of that name in that container', () => {
    const grouped = state({ pane: 'processes', processesGrouped: true });
    const keys = table(data, { processesGrouped: true }).navigation.keys;
    const hostCurl = keys.find((key) => processNameFromKey(key)?.comm === 'curl' && processNameFromKey(key)?.containerId === null) ?? null;
    const scoped = uiReducer(grouped, { type: 'enter', key: hostCurl });
    assert.deepEqual(scoped.scope, { kind: 'processName', comm: 'curl', containerId: null });
    assert.equal(scoped.pane, 'connections');
    const connections = selectTable({ snapshot: data, state: scoped, width: 160, rowLines: 30 }).navigation.keys;
    assert.deepEqual([...connections].sort(), curls.map((entry) => String(entry.id)).sort(), 'the twelve host curls, not the one in web');
    const events = selectTable({ snapshot: data, state: { ...scoped, pane: 'events' }, width: 160, rowLines: 30 }).table.rows.length;
    assert.equal(events, 2, 'its connection’s event and its process’s event of an evicted socket, not nginx’s');
    assert.equal(describeScope(scoped.scope, data), 'scope: processes named curl (12 pids) · Esc leaves');

    const inWeb = keys.find((key) => processNameFromKey(key)?.containerId === web.id) ?? null;
    const webScope = uiReducer(grouped, { type: 'enter', key: inWeb });
    assert.deepEqual(selectTable({ snapshot: data, state: webScope, width: 160, rowLines: 30 }).navigation.keys, ['200']);
    assert.match(describeScope(webScope.scope, data) ?? '', /^scope: processes named curl in container web .*\(1 pid\)/);
  });

  test('per pid, Enter still scopes to one process', () => {
    const scoped = uiReducer(state({ pane: 'processes' }), { type: 'enter', key: '2003' });
    assert.deepEqual(scoped.scope, { kind: 'process', pid: 2003 });
  });

  test('under a filter the groups sum only the kept connections', () => {
    const result = table(data, { processesGrouped: true, filter: { text: 'nginx', editing: false } });
    assert.equal(result.navigation.keys.length, 1, result.navigation.keys.join(' | '));
    assert.equal(cell(result, 0, 'pid'), '×2');
    assert.equal(cell(result, 0, 'conns'), '2');
  });

  test('the saved view names the name scope and the grouping', () => {
    const saved = viewDocument(state({ pane: 'processes', processesGrouped: true, scope: { kind: 'processName', comm: 'curl', containerId: null } }));
    assert.deepEqual(saved.scope, { kind: 'processName', comm: 'curl', containerId: null });
    assert.equal(saved.processesGrouped, true);
    assert.equal(viewDocument(state()).processesGrouped, undefined, 'per pid, as documents always were');
  });
});

describe('COMMAND leads with the script or module an interpreter runs', () => {
  test('python -m, a python script, node, bash: the program first, the whole command line after', () => {
    assert.equal(commandCell('/usr/bin/python3 -m http.server 8000'), 'http.server 8000 · /usr/bin/python3 -m http.server 8000');
    assert.equal(commandCell('python3 -u /srv/app/worker.py --queue jobs'), 'worker.py --queue jobs · python3 -u /srv/app/worker.py --queue jobs');
    assert.equal(commandCell('/usr/local/bin/node --require ./trace.js server.js'), 'server.js · /usr/local/bin/node --require ./trace.js server.js');
    assert.equal(commandCell('bash script.sh'), 'script.sh · bash script.sh');
    assert.equal(commandCell('/usr/bin/python3.12 /opt/tool/run.py'), 'run.py · /usr/bin/python3.12 /opt/tool/run.py');
  });

  test('inline code, an interactive shell and other programs show as they are', () => {
    assert.equal(interpretedProgram('python3 -c import socket'), null);
    assert.equal(commandCell('bash'), 'bash');
    assert.equal(commandCell('/usr/sbin/nginx -g daemon off;'), '/usr/sbin/nginx -g daemon off;');
    assert.equal(commandCell('curl -sS http://127.0.0.1:8080/'), 'curl -sS http://127.0.0.1:8080/');
    assert.equal(commandCell(null), '-');
  });

  test('at 80 columns the Processes pane shows the module, not the interpreter’s path', () => {
    const server = snapshot({ connections: [connection({ id: 1, owner: { pid: 4242, comm: 'python3', cmdline: '/usr/bin/python3 -m http.server 8000' } })] });
    const result = table(server, {}, 80);
    assert.ok(result.table.columns.some((column) => column.id === 'command'));
    assert.match(cell(result, 0, 'command'), /^http\.server/);
  });
});
