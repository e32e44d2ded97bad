import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { saveScreenSnapshot, savedScreenText } from '../../src/ui/save-screen-snapshot.js';
import { initialUiState } from '../../src/ui/view-model/ui-reducer.js';
import type { UiState } from '../../src/ui/view-model/ui-state.js';
import { connection, listener, screenInput, snapshot } from './view-model/snapshot-builder.js';
import { buildFinding } from './view-model/finding-builder.js';

const schemaPath = new URL('../../../schema/snapshot.schema.json', import.meta.url);
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(schemaPath, 'utf8')));

const directory = mkdtempSync(path.join(tmpdir(), 'netscope-save-'));
after(() => rmSync(directory, { recursive: true, force: true }));

/**
 * nginx (800) serves two clients on :80; curl (1234) fetches from two hosts on :443, one of
 * them closed; postgres (900) has its own listener.
 */
const model = snapshot({
  connections: [
    connection({ id: 1, saddr: '10.0.0.1', sport: 80, daddr: '10.0.0.7', dport: 51000, bytesSent: 1000, sendRate: 10, owner: { pid: 800, comm: 'nginx' } }),
    connection({ id: 2, saddr: '10.0.0.1', sport: 80, daddr: '10.0.0.8', dport: 51001, bytesSent: 2000, sendRate: 20, owner: { pid: 800, comm: 'nginx' } }),
    connection({ id: 3, daddr: '93.184.216.34', bytesSent: 40_000, sendRate: 400, owner: { pid: 1234, comm: 'curl' } }),
    connection({ id: 4, daddr: '10.0.0.7', bytesSent: 80_000, state: 'CLOSE', closedAtMs: Date.UTC(2025, 0, 1, 0, 3), owner: { pid: 1234, comm: 'curl' } }),
  ],
  listeners: [listener({ id: 900 }), listener({ id: 901, sport: 5432, owner: { pid: 900, comm: 'postgres', cmdline: 'postgres -D /var/lib/postgresql' } })],
});
const input = screenInput(model);
const at = new Date(Date.UTC(2025, 0, 15, 12, 0, 0));

function state(fields: Partial<UiState> = {}): UiState {
  return { ...initialUiState({ intervalMs: 1000 }), ...fields };
}

function saved(view: UiState, now = at): { document: SnapshotDocument; text: string } {
  const result = saveScreenSnapshot(input, view, directory, now);
  const document = JSON.parse(readFileSync(result.path, 'utf8')) as SnapshotDocument;
  assert.equal(validate(document), true, JSON.stringify(validate.errors, null, 2));
  assert.equal(result.connections, document.connections.length);
  return { document, text: savedScreenText(result) };
}

describe('s: the document of what the view shows', () => {
  test('unfiltered, it holds everything and says the view was whole', () => {
    const { document, text } = saved(state());
    assert.deepEqual(document.connections.map((entry) => entry.id), ['1', '2', '3', '4']);
    assert.equal(document.listeners.length, 2);
    assert.deepEqual(document.processes.map((process) => [process.pid, process.connections]), [[800, 2], [1234, 2]]);
    assert.deepEqual(document.view, { filter: '', scope: null, pane: 'connections', sort: { column: 'rate', descending: true }, closedHidden: false });
    assert.equal(text, `saved 4 connections to ${path.join(directory, 'netscope-20250115-120000.json')}`);
  });

  test('under a filter, only the kept connections, the aggregates summed over them, the filter named', () => {
    const { document, text } = saved(state({ filter: { text: 'nginx', editing: false }, pane: 'peers' }), new Date(at.getTime() + 1000));
    assert.deepEqual(document.connections.map((entry) => entry.id), ['1', '2']);
    assert.deepEqual(document.processes.map((process) => [process.pid, process.connections, process.bytesSent, process.sendRate]), [[800, 2, 3000, 30]]);
    assert.deepEqual(
      document.peers.map((peer) => [peer.address, peer.connections, peer.bytesSent]),
      [['10.0.0.7', 1, 1000], ['10.0.0.8', 1, 2000]],
      "10.0.0.7 counts nginx's connection only, not curl's 80 kB",
    );
    assert.deepEqual(document.containers, []);
    assert.deepEqual(document.listeners.map((entry) => entry.id), ['900'], 'the listeners the Listeners pane keeps under the filter');
    assert.equal(document.totals.connectionsOpened, 4, 'totals stay host-wide');
    assert.equal(document.view?.filter, 'nginx');
    assert.equal(document.view?.pane, 'peers');
    assert.equal(text, `saved 2 connections (filter: nginx) to ${path.join(directory, 'netscope-20250115-120001.json')}`);
  });

  test('scoped to a process with closed rows hidden: its open connections, and the view says both', () => {
    const view = state({ scope: { kind: 'process', pid: 1234 }, closedHidden: true });
    const { document, text } = saved(view, new Date(at.getTime() + 2000));
    assert.deepEqual(document.connections.map((entry) => entry.id), ['3']);
    assert.deepEqual(document.processes.map((process) => [process.pid, process.connections]), [[1234, 1]]);
    assert.deepEqual(document.view?.scope, { kind: 'process', pid: 1234 });
    assert.equal(document.view?.closedHidden, true);
    assert.match(text, /^saved 1 connection \(scope: process 1234, open only\) to /);
  });

  test('t alone leaves out the closed connection, and the processes and peers stop counting it', () => {
    const { document, text } = saved(state({ closedHidden: true }), new Date(at.getTime() + 4000));
    assert.deepEqual(document.connections.map((entry) => entry.id), ['1', '2', '3']);
    assert.deepEqual(document.processes.map((process) => [process.pid, process.connections]), [[800, 2], [1234, 1]]);
    assert.deepEqual(document.peers.map((peer) => [peer.address, peer.connections]), [['10.0.0.7', 1], ['10.0.0.8', 1], ['93.184.216.34', 1]]);
    assert.match(text, /^saved 3 connections \(open only\) to /);
  });

  test('a filter that keeps nothing saves an empty document that still names it', () => {
    const { document, text } = saved(state({ filter: { text: 'no-such-program', editing: false } }), new Date(at.getTime() + 3000));
    assert.deepEqual([document.connections, document.processes, document.peers, document.listeners], [[], [], [], []]);
    assert.equal(document.view?.filter, 'no-such-program');
    assert.match(text, /^saved 0 connections \(filter: no-such-program\) to /);
  });

  test('scoped to a name shared by several addresses: every connection carrying it, peers one per address; the schema holds', () => {
    const edge = { name: 'edge.cdn.test', source: 'dns' as const, atMs: Date.UTC(2025, 0, 15, 11, 59) };
    const named = snapshot({
      connections: [
        connection({ id: 11, daddr: '198.51.100.4', bytesSent: 10, peerName: edge }),
        connection({ id: 12, daddr: '198.51.100.30', bytesSent: 20, peerName: edge }),
        connection({ id: 13, daddr: '203.0.113.9', bytesSent: 30 }),
      ],
    });
    const result = saveScreenSnapshot(screenInput(named), state({ scope: { kind: 'peerName', name: 'edge.cdn.test' }, pane: 'peers' }), directory, new Date(at.getTime() + 5000));
    const document = JSON.parse(readFileSync(result.path, 'utf8')) as SnapshotDocument;
    assert.equal(validate(document), true, JSON.stringify(validate.errors, null, 2));
    assert.deepEqual(document.connections.map((entry) => entry.id), ['11', '12']);
    assert.deepEqual(document.peers.map((peer) => [peer.address, peer.bytesSent, peer.peerName?.name]), [['198.51.100.30', 20, 'edge.cdn.test'], ['198.51.100.4', 10, 'edge.cdn.test']]);
    assert.deepEqual(document.view?.scope, { kind: 'peerName', name: 'edge.cdn.test' });
    assert.match(savedScreenText(result), /^saved 2 connections \(scope: peer edge\.cdn\.test\) to /);
  });

  test('scoped to a finding: its evidence as the finding has it now, and the view names it; the schema holds', () => {
    const atEnter = { kind: 'finding' as const, id: 'loss:pid=1234', summary: 'curl loses segments', connectionIds: [3], listenerIds: [], pid: 1234, peerAddress: '93.184.216.34' };
    const grown = buildFinding({ id: 'loss:pid=1234', kind: 'loss', evidence: { connectionIds: [3, 4], listenerIds: [901], counters: [], reasons: [], absorbed: [] } });
    const result = saveScreenSnapshot({ ...input, findings: [grown] }, state({ scope: atEnter, pane: 'findings' }), directory, new Date(at.getTime() + 5000));
    const document = JSON.parse(readFileSync(result.path, 'utf8')) as SnapshotDocument;
    assert.equal(validate(document), true, JSON.stringify(validate.errors, null, 2));
    assert.deepEqual(document.connections.map((entry) => entry.id), ['3', '4']);
    assert.deepEqual(document.listeners.map((entry) => entry.id), ['901']);
    assert.deepEqual(document.view?.scope, { kind: 'finding', id: 'loss:pid=1234', connectionIds: ['3', '4'], listenerIds: ['901'] });
    assert.equal(document.view?.pane, 'findings');
    assert.match(savedScreenText(result), /^saved 2 connections \(scope: finding loss:pid=1234\) to /);
  });

  test('grouped by name (H) and scoped to a name: the processes of that name, one per pid, and the view says both; the schema holds', () => {
    const { document, text } = saved(state({ pane: 'processes', processesGrouped: true, scope: { kind: 'processName', comm: 'nginx', containerId: null } }), new Date(at.getTime() + 7000));
    assert.deepEqual(document.connections.map((entry) => entry.id), ['1', '2']);
    assert.deepEqual(document.processes.map((process) => [process.pid, process.connections]), [[800, 2]]);
    assert.deepEqual(document.view?.scope, { kind: 'processName', comm: 'nginx', containerId: null });
    assert.equal(document.view?.processesGrouped, true);
    assert.match(text, /^saved 2 connections \(scope: processes named nginx\) to /);
    const bogus = { ...document, view: { ...document.view, processesGrouped: false } };
    assert.equal(validate(bogus), false, 'per pid the field is absent, never false');
  });
});
