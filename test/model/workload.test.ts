import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ContainerIdentity } from '../../src/model/records.js';
import { inWorkload, workloadFromLabels, workloadFromPodName, workloadOf } from '../../src/model/workload.js';

describe('the workload behind a pod', () => {
  test('from the pod name: a Deployment, a StatefulSet, a CronJob; a DaemonSet or a Job cannot be told apart', () => {
    assert.deepEqual(workloadFromPodName('api-7d4b9c8f6-x2x9z'), { kind: 'Deployment', name: 'api', source: 'podName' });
    assert.deepEqual(workloadFromPodName('web-2'), { kind: 'StatefulSet', name: 'web', source: 'podName' });
    assert.deepEqual(workloadFromPodName('backup-28931540-zb5nq'), { kind: 'CronJob', name: 'backup', source: 'podName' });
    assert.deepEqual(workloadFromPodName('fluentd-x7k2p'), { kind: null, name: 'fluentd', source: 'podName' });
    assert.equal(workloadFromPodName('debug'), null, 'a bare pod');
    assert.equal(workloadFromPodName('api-cache'), null, 'a word with vowels is no generated suffix');
  });

  test('from the labels the controllers set', () => {
    assert.deepEqual(workloadFromLabels('api-7d4b9c8f6-x2x9z', { 'pod-template-hash': '7d4b9c8f6', app: 'api' }), { kind: 'Deployment', name: 'api', source: 'labels' });
    assert.deepEqual(
      workloadFromLabels('web-2', { 'controller-revision-hash': 'web-6c9f8b7d5', 'statefulset.kubernetes.io/pod-name': 'web-2' }),
      { kind: 'StatefulSet', name: 'web', source: 'labels' },
    );
    assert.deepEqual(
      workloadFromLabels('fluentd-x7k2p', { 'controller-revision-hash': '5d8f7c6b9', 'pod-template-generation': '3' }),
      { kind: 'DaemonSet', name: 'fluentd', source: 'labels' },
    );
    assert.deepEqual(workloadFromLabels('migrate-x7k2p', { 'batch.kubernetes.io/job-name': 'migrate' }), { kind: 'Job', name: 'migrate', source: 'labels' });
    assert.deepEqual(workloadFromLabels('backup-28931540-zb5nq', { 'job-name': 'backup-28931540' }), { kind: 'CronJob', name: 'backup', source: 'labels' });
    assert.equal(workloadFromLabels('debug', { app: 'debug' }), null, 'no controller label');
  });

  test("a container's workload: its labels' where they said, else its pod name's; none outside a pod", () => {
    const base: ContainerIdentity = { id: 'a'.repeat(64), name: 'app', runtime: 'containerd', image: null, pod: 'api-7d4b9c8f6-x2x9z', namespace: 'shop', podUid: null };
    assert.deepEqual(workloadOf(base), { kind: 'Deployment', name: 'api', source: 'podName' });
    assert.deepEqual(workloadOf({ ...base, workload: { kind: 'Deployment', name: 'api-v2', source: 'labels' } })?.name, 'api-v2');
    assert.equal(workloadOf({ ...base, pod: null }), null);
    assert.ok(inWorkload(base, 'api'));
    assert.ok(!inWorkload(base, 'ap'));
    assert.ok(!inWorkload(null, 'api'));
  });
});
