/**
 * The streamed document is the very text `JSON.stringify(document, null, 2)` gave, for
 * documents of every shape the model publishes: `--json` and saved snapshots are unchanged.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ContainerRecord, ContainerIdentity } from '../../src/model/records.js';
import type { ModelSnapshot, SourceInfo } from '../../src/model/snapshot-types.js';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { TcpState } from '../../src/model/records.js';
import { toSnapshotDocument, toStreamedSnapshotDocument, type SnapshotDocument } from '../../src/model/snapshot-document.js';
import { withFindings } from '../../src/findings/finding-document.js';
import { snapshotDocumentJson } from '../../src/model/snapshot-document-json.js';
import { T0, clientHandshake, counters, dropRecord, endpoints, ownerRecord, sampleRecord, stateRecord, taskOwner } from './record-builders.js';

const source: SourceInfo = { kind: 'ebpf', probes: [{ name: 'tcp_drops', status: 'unsupported', reason: 'no "drop" reasons — 5.15' }] };

function documentOf(snapshot: ModelSnapshot): SnapshotDocument {
  return toSnapshotDocument(snapshot, { host: { hostname: 'höst-ü', kernel: '6.8.0' }, source, generatedAtMs: snapshot.atMs });
}

function streamed(document: SnapshotDocument): { text: string; pieces: number } {
  const pieces = [...snapshotDocumentJson(document)];
  return { text: pieces.join(''), pieces: pieces.length };
}

const web: ContainerIdentity = { id: 'a'.repeat(64), name: 'web', runtime: 'containerd', image: 'nginx:1.27', pod: 'web-0', namespace: 'shop', podUid: 'b1' };

function containerRecord(cgroupId: number, container: ContainerIdentity | null): ContainerRecord {
  return { kind: 'container', atMs: T0, cgroupId, pid: null, container, problem: null };
}

describe('streamed snapshot document', () => {
  test('an empty capture: the same text as JSON.stringify', () => {
    const document = documentOf(new ConnectionModel().tick(T0));
    assert.equal(streamed(document).text, `${JSON.stringify(document, null, 2)}\n`);
  });

  test('connections with unicode names, escapes, drops, a closed one and a container: the same text, one piece per connection', () => {
    const model = new ConnectionModel();
    model.ingest(containerRecord(77, web));
    for (const record of clientHandshake(1, T0, 3.25)) model.ingest(record);
    model.ingest(ownerRecord({ cookie: 0, atMs: T0 + 1, comm: 'wörker 🚀', cmdline: 'run --name "a\\b"\n\t\u0001 \ud800', user: 'ålice' }));
    for (const record of clientHandshake(2, T0 + 5, 1)) model.ingest({ ...record, endpoints: endpoints({ sport: 40001 }) } as typeof record);
    model.ingest(dropRecord({ cookie: 2, atMs: T0 + 10, packet: endpoints({ sport: 40001 }), reason: 'TCP_OFOMERGE' }));
    model.ingest(stateRecord({ cookie: 2, atMs: T0 + 20, oldState: TcpState.ESTABLISHED, newState: TcpState.CLOSE, owner: taskOwner() }));
    model.ingest(sampleRecord({ cookie: 3, atMs: T0 + 30, endpoints: endpoints({ family: 'ipv6', saddr: '::1', daddr: 'fe80::1', sport: 5000 }), counters: counters({ bytesAcked: 10 }) }));
    model.ingest(sampleRecord({ cookie: 9, atMs: T0 + 30, state: TcpState.LISTEN, counters: null }));
    const document = documentOf(model.tick(T0 + 1000));
    assert.equal(document.connections.length, 3);
    assert.ok(document.containers.length > 0);
    const { text, pieces } = streamed(document);
    assert.equal(text, `${JSON.stringify(document, null, 2)}\n`);
    // Eleven top-level fields, the array brackets, and each element on its own.
    assert.ok(pieces >= 11 + document.connections.length, `only ${pieces} pieces`);
  });

  test('a streamed document, its connections made as they are written: the same text, and no connection made before it is read', () => {
    const model = new ConnectionModel();
    for (const record of clientHandshake(1, T0, 3.25)) model.ingest(record);
    for (const record of clientHandshake(2, T0 + 5, 1)) model.ingest({ ...record, endpoints: endpoints({ sport: 40001 }) } as typeof record);
    const snapshot = model.tick(T0 + 1000);
    const meta = { host: { hostname: 'höst-ü', kernel: '6.8.0' }, source, generatedAtMs: snapshot.atMs };
    const read: number[] = [];
    // The document's part alone reads the segments received (the host gauges read other fields).
    const connections = snapshot.connections.map((connection) => new Proxy(connection, { get: (target, key) => (key === 'segmentsReceived' && read.push(target.id), Reflect.get(target, key)) }));
    const document = toStreamedSnapshotDocument({ ...snapshot, connections }, meta);
    assert.deepEqual(read, [], 'building the document reads no connection');
    const pieces = snapshotDocumentJson(withFindings(document, []));
    let text = '';
    let connectionsKeyWritten = false;
    for (const piece of pieces) {
      text += piece;
      if (!piece.endsWith('"connections": ')) continue;
      connectionsKeyWritten = true;
      assert.deepEqual(read, [], 'the fields before the connections are written without them');
    }
    assert.ok(connectionsKeyWritten);
    assert.equal(read.length, 2);
    assert.equal(text, `${JSON.stringify(withFindings(toSnapshotDocument(snapshot, meta), []), null, 2)}\n`);
  });

  test('any plain document: empty arrays and objects, nested arrays, undefined fields left out as JSON.stringify does', () => {
    const document = {
      schemaVersion: 2,
      skipped: undefined,
      nested: { list: [1, [2, { deep: [] }], {}], empty: {} },
      connections: [{ a: [undefined, null, 'x'] }, [], 'plain', 3.5e-7],
      drops: {},
    } as unknown as SnapshotDocument;
    assert.equal(streamed(document).text, `${JSON.stringify(document, null, 2)}\n`);
    assert.equal(streamed({} as SnapshotDocument).text, `${JSON.stringify({}, null, 2)}\n`);
  });
});
