import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ConnectionModel } from '../../src/model/connection-model.js';
import type { ContainerIdentity, ContainerRecord } from '../../src/model/records.js';
import { toSnapshotDocument } from '../../src/model/snapshot-document.js';
import { T0, clientHandshake, connectionOf, ownerRecord, sampleRecord, taskOwner } from './record-builders.js';

const schemaPath = new URL('../../../schema/snapshot.schema.json', import.meta.url);
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(schemaPath, 'utf8')));

const WEB_CGROUP = 501;
const WORKER_CGROUP = 502;
const HOST_CGROUP = 1;

const web: ContainerIdentity = {
  id: 'a'.repeat(64),
  name: 'web',
  runtime: 'containerd',
  image: 'registry.example/web:1.4',
  pod: 'web-7d9c',
  namespace: 'prod',
  podUid: '1234abcd-0000-1111-2222-333344445555',
};
const worker: ContainerIdentity = {
  id: 'b'.repeat(64),
  name: 'bbbbbbbbbbbb',
  runtime: 'docker',
  image: null,
  pod: null,
  namespace: null,
  podUid: null,
};

function containerRecord(cgroupId: number, container: ContainerIdentity | null, problem: ContainerRecord['problem'] = null): ContainerRecord {
  return { kind: 'container', atMs: T0, cgroupId, pid: null, container, problem };
}

/** Two web connections (pids 10, 11), one worker (pid 20), one host curl (pid 30). */
function populated(model: ConnectionModel): void {
  const handshakes = [
    clientHandshake(1, T0, 1, taskOwner({ pid: 10, comm: 'web', cgroupId: WEB_CGROUP })),
    clientHandshake(2, T0, 1, taskOwner({ pid: 11, comm: 'web-helper', cgroupId: WEB_CGROUP })),
    clientHandshake(3, T0, 1, taskOwner({ pid: 20, comm: 'worker', cgroupId: WORKER_CGROUP })),
    clientHandshake(4, T0, 1, taskOwner({ pid: 30, comm: 'curl', cgroupId: HOST_CGROUP })),
  ];
  for (const records of handshakes) for (const record of records) model.ingest(record);
}

describe('containers', () => {
  test('a connection carries the container of its owner cgroup; a host process carries null', () => {
    const model = new ConnectionModel();
    populated(model);
    model.ingest(containerRecord(WEB_CGROUP, web));
    model.ingest(containerRecord(WORKER_CGROUP, worker));
    model.ingest(containerRecord(HOST_CGROUP, null));
    const snapshot = model.tick(T0 + 1000);
    assert.deepEqual(connectionOf(snapshot, 1).owner.container, web);
    assert.deepEqual(connectionOf(snapshot, 3).owner.container, worker);
    assert.equal(connectionOf(snapshot, 4).owner.container, null);
    assert.deepEqual(
      snapshot.processes.map(({ pid, container }) => [pid, container?.name ?? null]),
      [
        [10, 'web'],
        [11, 'web'],
        [20, 'bbbbbbbbbbbb'],
        [30, null],
      ],
    );
  });

  test('a container resolved after the connection was published republishes it', () => {
    const model = new ConnectionModel();
    populated(model);
    const before = model.tick(T0 + 1000);
    assert.equal(connectionOf(before, 1).owner.container, null);
    model.ingest(containerRecord(WEB_CGROUP, web));
    const after = model.tick(T0 + 2000);
    assert.deepEqual(connectionOf(after, 1).owner.container, web);
    // Untouched connections are still shared between the two snapshots.
    assert.equal(connectionOf(after, 4), connectionOf(before, 4));
  });

  test('an owner found in /proc later brings its cgroup, and with it the container', () => {
    const model = new ConnectionModel();
    model.ingest(sampleRecord({ cookie: 9, atMs: T0 }));
    model.ingest(containerRecord(WEB_CGROUP, web));
    model.ingest(ownerRecord({ cookie: 9, atMs: T0 + 1, pid: 12, comm: 'nginx', cgroupId: WEB_CGROUP }));
    assert.deepEqual(connectionOf(model.tick(T0 + 1000), 9).owner.container, web);
  });

  test('containers[] sums the connections of each container, with its processes', () => {
    const model = new ConnectionModel();
    populated(model);
    model.ingest(containerRecord(WEB_CGROUP, web));
    model.ingest(containerRecord(WORKER_CGROUP, worker));
    model.ingest(containerRecord(HOST_CGROUP, null));
    const snapshot = model.tick(T0 + 1000);
    const bytesOf = (ids: number[]) => ids.reduce((sum, id) => sum + connectionOf(snapshot, id).bytesSent, 0);
    assert.deepEqual(
      snapshot.containers.map(({ container, connections, bytesSent, processes }) => ({ name: container.name, runtime: container.runtime, connections, bytesSent, processes })),
      [
        { name: 'web', runtime: 'containerd', connections: 2, bytesSent: bytesOf([1, 2]), processes: [{ pid: 10, comm: 'web' }, { pid: 11, comm: 'web-helper' }] },
        { name: 'bbbbbbbbbbbb', runtime: 'docker', connections: 1, bytesSent: bytesOf([3]), processes: [{ pid: 20, comm: 'worker' }] },
      ],
    );
  });

  test('two cgroups of one container add up under its id', () => {
    const model = new ConnectionModel();
    populated(model);
    model.ingest(containerRecord(WEB_CGROUP, web));
    model.ingest(containerRecord(WORKER_CGROUP, web));
    const snapshot = model.tick(T0 + 1000);
    assert.deepEqual(
      snapshot.containers.map(({ container, connections }) => [container.name, connections]),
      [['web', 3]],
    );
  });

  test('runtime state problems are counted by reason', () => {
    const model = new ConnectionModel();
    model.ingest(containerRecord(WEB_CGROUP, web, 'malformed'));
    model.ingest(containerRecord(WORKER_CGROUP, worker, 'symlink'));
    model.ingest(containerRecord(503, worker, 'malformed'));
    assert.deepEqual(model.tick(T0 + 1000).containerStateProblems, { malformed: 2, symlink: 1 });
  });

  test('past its capacity the table forgets cgroups no socket refers to, oldest first', () => {
    const model = new ConnectionModel({ maxCgroups: 2 });
    populated(model);
    model.ingest(containerRecord(WEB_CGROUP, web));
    model.ingest(containerRecord(900, worker));
    model.ingest(containerRecord(901, worker));
    model.ingest(containerRecord(WORKER_CGROUP, worker));
    model.tick(T0 + 1000);
    // 900 and 901 are unreferenced: the older goes first, then the next, down to capacity.
    model.ingest(ownerRecord({ cookie: 0, atMs: T0 + 1001, pid: 40, cgroupId: 901 }));
    model.ingest(sampleRecord({ cookie: 50, atMs: T0 + 1001 }));
    model.ingest(ownerRecord({ cookie: 50, atMs: T0 + 1002, pid: 40, comm: 'late', cgroupId: 901 }));
    const snapshot = model.tick(T0 + 2000);
    assert.equal(connectionOf(snapshot, 50).owner.container, null, 'cgroup 901 was forgotten');
    assert.deepEqual(connectionOf(snapshot, 1).owner.container, web, 'a referenced cgroup is kept');
    assert.deepEqual(connectionOf(snapshot, 3).owner.container, worker);
  });

  test('the document carries each container, the aggregate and the problems, and matches the schema', () => {
    const model = new ConnectionModel();
    populated(model);
    model.ingest(containerRecord(WEB_CGROUP, web));
    model.ingest(containerRecord(WORKER_CGROUP, worker, 'notFound'));
    model.tick(T0 + 1000);
    const document = toSnapshotDocument(model.snapshot, {
      host: { hostname: 'node-1', kernel: '6.18.0' },
      source: { kind: 'ebpf', probes: [] },
      generatedAtMs: T0 + 1000,
    });
    // `web-7d9c` is no name a controller makes: no workload.
    assert.deepEqual(document.connections.find((entry) => entry.id === '1')?.container, { ...web, workload: null });
    assert.equal(document.connections.find((entry) => entry.id === '4')?.container, null);
    assert.deepEqual(document.source.containerStateProblems, { notFound: 1 });
    assert.deepEqual(
      document.containers.map(({ id, name, pod, namespace, connections, processes }) => ({ id, name, pod, namespace, connections, processes })),
      [
        { id: web.id, name: 'web', pod: 'web-7d9c', namespace: 'prod', connections: 2, processes: [{ pid: 10, comm: 'web' }, { pid: 11, comm: 'web-helper' }] },
        { id: worker.id, name: 'bbbbbbbbbbbb', pod: null, namespace: null, connections: 1, processes: [{ pid: 20, comm: 'worker' }] },
      ],
    );
    assert.equal(validate(JSON.parse(JSON.stringify(document))), true, JSON.stringify(validate.errors, null, 2));
  });

  test('a container resolved again to the same answer republishes nothing; a different answer republishes its connections', () => {
    const model = new ConnectionModel();
    populated(model);
    model.ingest(containerRecord(WEB_CGROUP, web));
    model.ingest(containerRecord(HOST_CGROUP, null));
    const first = model.tick(T0 + 1000);
    // A new process of the cgroups, resolved again: the same container, the host again.
    model.ingest(containerRecord(WEB_CGROUP, { ...web }));
    model.ingest({ kind: 'container', atMs: T0, cgroupId: HOST_CGROUP, pid: 31, container: null, problem: null });
    const second = model.tick(T0 + 2000);
    assert.equal(connectionOf(second, 1), connectionOf(first, 1));
    assert.equal(connectionOf(second, 4), connectionOf(first, 4));
    model.ingest(containerRecord(WEB_CGROUP, { ...web, image: 'registry.example/web:1.5' }));
    const third = model.tick(T0 + 3000);
    assert.notEqual(connectionOf(third, 1), connectionOf(second, 1));
    assert.equal(connectionOf(third, 1).owner.container?.image, 'registry.example/web:1.5');
    assert.equal(connectionOf(third, 4), connectionOf(second, 4));
  });
});
