import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { TcpState } from '../../src/model/records.js';
import { toSnapshotDocument } from '../../src/model/snapshot-document.js';
import { T0, endpoints, natRecord, sampleRecord, stateRecord, taskOwner } from './record-builders.js';

const schemaPath = new URL('../../../schema/snapshot.schema.json', import.meta.url);
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(schemaPath, 'utf8')));

describe('connection model: the real destination behind NAT', () => {
  test('a connection carries the translation conntrack recorded, in the snapshot and between ticks', () => {
    const model = new ConnectionModel();
    model.ingest(stateRecord({ cookie: 7, atMs: T0, endpoints: endpoints({ daddr: '10.96.0.10', dport: 53 }), oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner() }));
    model.ingest(sampleRecord({ cookie: 8, atMs: T0 + 10, endpoints: endpoints({ sport: 40001 }) }));
    assert.equal(model.tick(T0 + 1000).connections.find((connection) => connection.id === 7)?.nat, null);
    model.ingest(natRecord({ cookie: 7, atMs: T0 + 1000 }));
    const expected = { destination: { address: '10.244.1.7', port: 5353 }, originalDestination: { address: '10.96.0.10', port: 53 }, direction: 'outgoing', table: 'host' };
    assert.deepEqual(model.describe(7)?.nat, expected);
    const snapshot = model.tick(T0 + 2000);
    assert.deepEqual(snapshot.connections.find((connection) => connection.id === 7)?.nat, expected);
    assert.equal(snapshot.connections.find((connection) => connection.id === 8)?.nat, null, 'an untranslated connection has none');
  });

  test('a translation republishes the connection even when nothing else about it changed', () => {
    const model = new ConnectionModel();
    model.ingest(sampleRecord({ cookie: 9, atMs: T0 }));
    const before = model.tick(T0 + 1000).connections[0];
    assert.equal(model.tick(T0 + 2000).connections[0], before, 'unchanged: the same object');
    model.ingest(natRecord({ cookie: 9, atMs: T0 + 2000, direction: 'incoming', table: 'socket' }));
    const after = model.tick(T0 + 3000).connections[0];
    assert.notEqual(after, before);
    assert.equal(after?.nat?.direction, 'incoming');
  });

  test('a translation for a socket the table does not hold is dropped, and the document carries it as conntrack gave it', () => {
    const model = new ConnectionModel();
    model.ingest(natRecord({ cookie: 10, atMs: T0 }));
    assert.equal(model.tick(T0 + 1000).connections.length, 0);
    model.ingest(sampleRecord({ cookie: 11, atMs: T0 + 1000 }));
    model.ingest(natRecord({ cookie: 11, atMs: T0 + 1000 }));
    const document = toSnapshotDocument(model.tick(T0 + 2000), {
      host: { hostname: 'node-1', kernel: '6.8.0' },
      source: { kind: 'ebpf', probes: [] },
      generatedAtMs: T0 + 2000,
    });
    assert.deepEqual(document.connections[0]?.nat, {
      destination: { address: '10.244.1.7', port: 5353 },
      originalDestination: { address: '10.96.0.10', port: 53 },
      direction: 'outgoing',
      table: 'host',
    });
    assert.equal(validate(JSON.parse(JSON.stringify(document))), true, JSON.stringify(validate.errors, null, 2));
    const withoutTable = JSON.parse(JSON.stringify(document)) as { connections: { nat: Record<string, unknown> }[] };
    delete withoutTable.connections[0]?.nat.table;
    assert.equal(validate(withoutTable), false, 'the schema holds a translation to all its fields');
  });
});
