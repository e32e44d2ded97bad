import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { TcpState } from '../../src/model/records.js';
import { toSnapshotDocument } from '../../src/model/snapshot-document.js';
import { T0, endpoints, natRecord, sampleRecord, stateRecord, taskOwner, udpFlowRecord } from './record-builders.js';

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

  test('a UDP flow\'s translation reaches the flow of its peer, not its socket\'s other flows', () => {
    const model = new ConnectionModel();
    const peerFlow = (daddr: string) =>
      udpFlowRecord({ cookie: 20, connected: false, endpoints: endpoints({ saddr: '10.244.1.5', sport: 41000, daddr, dport: 53 }) });
    model.ingest(peerFlow('10.96.0.10'));
    model.ingest(peerFlow('10.96.0.11'));
    model.ingest(natRecord({ cookie: 20, atMs: T0 + 1000, table: 'socket', udpPeer: { address: '10.96.0.11', port: 53 } }));
    const flows = model.tick(T0 + 2000).connections.filter((connection) => connection.protocol === 'udp');
    const natOf = (daddr: string) => flows.find((flow) => flow.daddr === daddr)?.nat;
    assert.equal(flows.length, 2);
    assert.notEqual(flows[0]?.id, 20, 'an unconnected socket\'s flows are not named by its cookie');
    assert.equal(natOf('10.96.0.10'), null);
    assert.deepEqual(natOf('10.96.0.11'), { destination: { address: '10.244.1.7', port: 5353 }, originalDestination: { address: '10.96.0.10', port: 53 }, direction: 'outgoing', table: 'socket' });
    assert.deepEqual(model.describe(flows.find((flow) => flow.daddr === '10.96.0.11')!.id)?.nat?.destination, { address: '10.244.1.7', port: 5353 });
  });

  test('a UDP translation for a peer the socket has no flow with is dropped', () => {
    const model = new ConnectionModel();
    model.ingest(udpFlowRecord({ cookie: 21, connected: true }));
    model.ingest(natRecord({ cookie: 21, atMs: T0 + 1000, udpPeer: { address: '127.0.0.99', port: 53 } }));
    assert.equal(model.tick(T0 + 2000).connections[0]?.nat, null);
    model.ingest(natRecord({ cookie: 21, atMs: T0 + 2000, udpPeer: { address: '127.0.0.53', port: 53 } }));
    assert.equal(model.tick(T0 + 3000).connections[0]?.nat?.table, 'host', 'the connected flow, by its peer');
  });
});
