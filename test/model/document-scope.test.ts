import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { scopeDocument } from '../../src/model/document-scope.js';
import { TcpState } from '../../src/model/records.js';
import { toSnapshotDocument } from '../../src/model/snapshot-document.js';
import type { ContainerIdentity } from '../../src/model/records.js';
import { T0, endpoints, stateRecord, taskOwner } from './record-builders.js';

const everything = { pid: null, port: null, container: null, pod: null };

const api: ContainerIdentity = {
  id: 'c0ffee'.padEnd(64, '0'),
  name: 'api',
  runtime: 'containerd',
  image: 'registry.example/api:2',
  pod: 'api-5f7d',
  namespace: 'shop',
  podUid: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
};
const cache: ContainerIdentity = { id: 'cafe'.padEnd(64, '1'), name: 'cache', runtime: 'docker', image: 'redis:7', pod: null, namespace: null, podUid: null };

function documentWithTwoProcesses(containerOf: (pid: number) => ContainerIdentity | null = () => null) {
  const model = new ConnectionModel();
  model.ingest({ kind: 'container', atMs: T0, cgroupId: 100, pid: null, container: containerOf(10), problem: null });
  model.ingest({ kind: 'container', atMs: T0, cgroupId: 200, pid: null, container: containerOf(20), problem: null });
  model.ingest(
    stateRecord({ cookie: 1, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner({ pid: 10, comm: 'curl', cgroupId: 100 }), endpoints: endpoints({ sport: 40000, daddr: '10.0.0.9', dport: 443 }) }),
  );
  model.ingest(
    stateRecord({ cookie: 2, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner({ pid: 20, comm: 'psql', cgroupId: 200 }), endpoints: endpoints({ sport: 40001, daddr: '10.0.0.7', dport: 5432 }) }),
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
    const scoped = scopeDocument(document, { ...everything, pid: 20 });
    assert.deepEqual(scoped.connections.map((entry) => entry.comm), ['psql']);
    assert.deepEqual(scoped.processes.map((process) => process.pid), [20]);
    assert.deepEqual(scoped.peers.map((peer) => peer.address), ['10.0.0.7']);
    assert.deepEqual(scoped.totals, document.totals);
  });

  test('--port matches either side', () => {
    const document = documentWithTwoProcesses();
    assert.deepEqual(scopeDocument(document, { ...everything, port: 443 }).connections.map((entry) => entry.id), ['1']);
    assert.deepEqual(scopeDocument(document, { ...everything, port: 40001 }).connections.map((entry) => entry.id), ['2']);
    assert.equal(scopeDocument(document, everything), document);
  });
});

describe('--container and --pod on the snapshot document', () => {
  const inContainers = () => documentWithTwoProcesses((pid) => (pid === 10 ? api : pid === 20 ? cache : null));

  test('--container keeps that container by name, or by a prefix of its id', () => {
    const document = inContainers();
    for (const container of ['cache', 'cafe', cache.id]) {
      const scoped = scopeDocument(document, { ...everything, container });
      assert.deepEqual(scoped.connections.map((entry) => entry.comm), ['psql'], container);
      assert.deepEqual(scoped.containers.map((entry) => entry.name), ['cache'], container);
      assert.deepEqual(scoped.processes.map((process) => process.pid), [20], container);
      assert.deepEqual(scoped.peers.map((peer) => peer.address), ['10.0.0.7'], container);
    }
  });

  test('--pod matches the pod name or namespace/name, never a host process', () => {
    const document = inContainers();
    assert.deepEqual(scopeDocument(document, { ...everything, pod: 'api-5f7d' }).connections.map((entry) => entry.comm), ['curl']);
    assert.deepEqual(scopeDocument(document, { ...everything, pod: 'shop/api-5f7d' }).connections.map((entry) => entry.comm), ['curl']);
    assert.deepEqual(scopeDocument(document, { ...everything, pod: 'other/api-5f7d' }).connections, []);
    assert.deepEqual(scopeDocument(documentWithTwoProcesses(), { ...everything, container: 'api' }).connections, []);
  });

  test('a container naming nothing leaves every list empty and the totals host-wide', () => {
    const document = inContainers();
    const scoped = scopeDocument(document, { ...everything, container: 'nope' });
    assert.deepEqual([scoped.connections, scoped.listeners, scoped.processes, scoped.peers, scoped.containers], [[], [], [], [], []]);
    assert.deepEqual(scoped.totals, document.totals);
  });
});
