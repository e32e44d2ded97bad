import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ContainerIdentity } from '../../src/model/records.js';
import { containerKey, listenerKey, podNameWithoutSuffix, processKey } from '../../src/model/stable-identity.js';

function pod(name: string, container = 'app'): ContainerIdentity {
  return { id: 'a'.repeat(64), name: container, runtime: 'containerd', image: null, pod: name, namespace: 'shop', podUid: null };
}

describe('names that survive a rollout', () => {
  test("a Deployment's pod loses its template hash and random suffix", () => {
    assert.equal(podNameWithoutSuffix('api-7d4b9c8f6-x2x9z'), 'api');
    assert.equal(podNameWithoutSuffix('orders-api-5f8d7c9b4d-qwz2k'), 'orders-api');
  });
  test("a DaemonSet's and a Job's pod lose their random suffix; a CronJob's its scheduled minute too", () => {
    assert.equal(podNameWithoutSuffix('fluentd-x7k2p'), 'fluentd');
    assert.equal(podNameWithoutSuffix('migrate-db-zb5nq'), 'migrate-db');
    assert.equal(podNameWithoutSuffix('backup-28931540-zb5nq'), 'backup');
  });
  test("a StatefulSet's pod keeps its ordinal, and words are not taken for suffixes", () => {
    assert.equal(podNameWithoutSuffix('web-0'), 'web-0');
    assert.equal(podNameWithoutSuffix('redis'), 'redis');
    // "stats" and "cache" hold vowels, which Kubernetes never generates.
    assert.equal(podNameWithoutSuffix('app-stats'), 'app-stats');
    assert.equal(podNameWithoutSuffix('api-cache'), 'api-cache');
  });
  test('two pods of one Deployment have the same container key; another namespace does not', () => {
    assert.equal(containerKey(pod('api-7d4b9c8f6-x2x9z')), containerKey(pod('api-66bd4f7b8c-k4lmn')));
    assert.equal(containerKey(pod('api-7d4b9c8f6-x2x9z')), 'shop/api/app');
    assert.notEqual(containerKey(pod('api-7d4b9c8f6-x2x9z')), containerKey({ ...pod('api-7d4b9c8f6-x2x9z'), namespace: 'staging' }));
  });
  test('processes by name and container, listeners by process and port — never by pid', () => {
    assert.equal(processKey('nginx', null), 'nginx');
    assert.equal(processKey('nginx', pod('web-5d9c7b8f4-x7k2p', 'nginx')), 'nginx in shop/web/nginx');
    assert.equal(processKey(null, null), '(unknown)');
    assert.equal(listenerKey('nginx', null, 80), 'nginx :80');
  });
});
