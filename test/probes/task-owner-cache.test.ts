import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskOwnerCache } from '../../src/probes/task-owner-cache.js';
import { tcpEventLayout } from '../../src/probes/tcp-events.js';
import { buildTcpEvent, type TcpEventFields } from './tcp-event-builder.js';

function decode(cache: TaskOwnerCache, fields: TcpEventFields) {
  const bytes = buildTcpEvent(fields);
  return cache.decode(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.length), 0);
}

const NGINX: TcpEventFields = { pid: 412, uid: 33, cgroupId: 2n ** 40n + 7n, comm: 'nginx' };

describe('the task an event names', () => {
  it('is one object while its pid, uid, cgroup and name stay the same', () => {
    const cache = new TaskOwnerCache(tcpEventLayout, (comm) => comm);
    const first = decode(cache, { ...NGINX, cookie: 1n });
    assert.deepEqual(first, { pid: 412, comm: 'nginx', uid: 33, cgroupId: 2 ** 40 + 7 });
    assert.equal(decode(cache, { ...NGINX, cookie: 2n }), first, 'another socket of the same task');
  });

  it('is decoded anew when any of them differs: a renamed thread, another user, a moved cgroup, another process in the slot', () => {
    const cache = new TaskOwnerCache(tcpEventLayout, (comm) => comm);
    const first = decode(cache, NGINX);
    assert.equal(decode(cache, { ...NGINX, comm: 'nginx: worker' }).comm, 'nginx: worker');
    assert.equal(decode(cache, { ...NGINX, comm: 'nginx: worker', uid: 0 }).uid, 0);
    assert.equal(decode(cache, { ...NGINX, comm: 'nginx: worker', uid: 0, cgroupId: 2n ** 40n + 8n }).cgroupId, 2 ** 40 + 8);
    assert.equal(decode(cache, { ...NGINX, cgroupId: 7n }).cgroupId, 7, 'the cgroup id’s high half differs');
    const sameSlot = decode(cache, { ...NGINX, pid: 412 + 64 });
    assert.equal(sameSlot.pid, 476);
    assert.notEqual(sameSlot, first);
    assert.notEqual(decode(cache, NGINX), first, 'the slot was taken: the first task is decoded again');
    assert.deepEqual(decode(cache, NGINX), first);
  });

  it('reads the longest name (15 bytes and its NUL) whole', () => {
    const cache = new TaskOwnerCache(tcpEventLayout, (comm) => comm);
    assert.equal(decode(cache, { ...NGINX, comm: 'abcdefghijklmno' }).comm, 'abcdefghijklmno');
  });

  it('passes a name through the sanitiser once, when it is decoded: the shared object is never rewritten', () => {
    const shown: string[] = [];
    const cache = new TaskOwnerCache(tcpEventLayout, (comm) => {
      shown.push(comm);
      return comm.replaceAll('\x1b', '\\x1b');
    });
    const hostile = { ...NGINX, comm: '\x1b]2;PWNED\x07' };
    const first = decode(cache, hostile);
    const again = decode(cache, hostile);
    assert.equal(again, first);
    assert.equal(first.comm, '\\x1b]2;PWNED\x07');
    assert.deepEqual(shown, ['\x1b]2;PWNED\x07']);
  });
});
