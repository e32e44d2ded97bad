import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runtimeStateResult } from '../../src/doctor/runtime-state-check.js';

const roots = {
  docker: ['/data/docker', '/var/lib/docker'],
  containerd: ['/run/containerd', '/run/docker/containerd/daemon'],
  containersStorage: ['/run/containers/storage', '/var/lib/containers/storage'],
};

describe('container runtimes check', () => {
  test('names every runtime state directory that exists, in the order netscope reads them', () => {
    const present = new Set(['/data/docker', '/run/containerd', '/var/lib/containers/storage']);
    assert.deepEqual(runtimeStateResult(roots, (path) => present.has(path)), {
      status: 'info',
      detail: 'container names from docker /data/docker, containerd /run/containerd, CRI-O/podman /var/lib/containers/storage',
      fix: null,
      needed: false,
    });
  });

  test('none found is for the record, with the hint for running in a container', () => {
    const result = runtimeStateResult(roots, () => false);
    assert.equal(result.status, 'info');
    assert.match(result.detail, /^no container runtime state found: .*--host-root\)$/);
  });
});
