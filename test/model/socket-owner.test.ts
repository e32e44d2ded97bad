import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SocketOwner } from '../../src/model/socket-owner.js';
import { taskOwner } from './record-builders.js';

describe('SocketOwner', () => {
  test('is a value: the sockets of one process share one owner, and adopting leaves the owner before as it was', () => {
    const nginx = taskOwner({ pid: 300, comm: 'nginx', uid: 33, cgroupId: 7 });
    const first = SocketOwner.UNKNOWN.adopting(nginx);
    const second = SocketOwner.UNKNOWN.adopting({ ...nginx });
    assert.equal(second, first);
    assert.deepEqual([first.pid, first.comm, first.uid, first.cgroupId, first.sampleUid], [300, 'nginx', 33, 7, null]);
    assert.equal(SocketOwner.UNKNOWN.known, false);
    assert.equal(SocketOwner.UNKNOWN.pid, null);
    assert.notEqual(SocketOwner.UNKNOWN.adopting(taskOwner({ pid: 301, comm: 'nginx', uid: 33, cgroupId: 7 })), first);
  });

  test("keeps the socket's sample uid through an adoption, and a cgroup id of 0 as none", () => {
    const sampled = SocketOwner.UNKNOWN.withSampleUid(1000);
    assert.equal(sampled.withSampleUid(1000), sampled);
    assert.equal(SocketOwner.UNKNOWN.withSampleUid(1000), sampled);
    const adopted = sampled.adopting(taskOwner({ pid: 400, comm: 'curl', uid: 1000, cgroupId: 0 }));
    assert.deepEqual([adopted.pid, adopted.cgroupId, adopted.sampleUid], [400, null, 1000]);
    assert.equal(sampled.pid, null, 'the owner before is unchanged');
  });
});
