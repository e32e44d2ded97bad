import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { scopeDocument } from '../../src/model/document-scope.js';
import { TcpState } from '../../src/model/records.js';
import { toSnapshotDocument } from '../../src/model/snapshot-document.js';
import { T0, endpoints, stateRecord, taskOwner } from './record-builders.js';

function documentWithTwoProcesses() {
  const model = new ConnectionModel();
  model.ingest(
    stateRecord({ cookie: 1, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner({ pid: 10, comm: 'curl' }), endpoints: endpoints({ sport: 40000, daddr: '10.0.0.9', dport: 443 }) }),
  );
  model.ingest(
    stateRecord({ cookie: 2, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner({ pid: 20, comm: 'psql' }), endpoints: endpoints({ sport: 40001, daddr: '10.0.0.7', dport: 5432 }) }),
  );
  return toSnapshotDocument(model.tick(T0 + 1000), {
    host: { hostname: 'h', kernel: 'k' },
    source: { kind: 'ebpf', probes: [] },
    generatedAtMs: T0 + 1000,
  });
}

describe('--pid and --port on the snapshot document', () => {
  test('--pid keeps that process, its connections and its peers; totals stay host-wide', () => {
    const document = documentWithTwoProcesses();
    const scoped = scopeDocument(document, { pid: 20, port: null });
    assert.deepEqual(scoped.connections.map((entry) => entry.comm), ['psql']);
    assert.deepEqual(scoped.processes.map((process) => process.pid), [20]);
    assert.deepEqual(scoped.peers.map((peer) => peer.address), ['10.0.0.7']);
    assert.deepEqual(scoped.totals, document.totals);
  });

  test('--port matches either side', () => {
    const document = documentWithTwoProcesses();
    assert.deepEqual(scopeDocument(document, { pid: null, port: 443 }).connections.map((entry) => entry.id), ['1']);
    assert.deepEqual(scopeDocument(document, { pid: null, port: 40001 }).connections.map((entry) => entry.id), ['2']);
    assert.equal(scopeDocument(document, { pid: null, port: null }), document);
  });
});
