import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readlinkSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { currentNetnsInode, listNetworkNamespaces } from '../../src/probes/proc-netns.js';

describe('network namespaces', () => {
  const namespace = `nstest-${randomBytes(4).toString('hex')}`;
  let sleeper: ChildProcess;
  /** The namespace's inode from its bind mount, a source independent of /proc/PID/ns. */
  let namespaceInode: number;

  before(() => {
    execFileSync('ip', ['netns', 'add', namespace]);
    namespaceInode = statSync(`/run/netns/${namespace}`).ino;
    sleeper = spawn('ip', ['netns', 'exec', namespace, 'sleep', '30'], { stdio: 'ignore' });
  });

  after(async () => {
    if (sleeper.exitCode === null && sleeper.signalCode === null) {
      sleeper.kill('SIGKILL');
      await once(sleeper, 'exit');
    }
    execFileSync('ip', ['netns', 'del', namespace]);
  });

  test('currentNetnsInode is the inode of /proc/self/ns/net', () => {
    assert.equal(currentNetnsInode(), statSync('/proc/self/ns/net').ino);
  });

  test('lists a new namespace with a path that opens it, by its lowest pid', async () => {
    let namespaces = listNetworkNamespaces();
    // `ip netns exec` enters the namespace just before it execs sleep.
    for (let tries = 0; !namespaces.has(namespaceInode) && tries < 250; tries++) {
      await sleep(20);
      namespaces = listNetworkNamespaces();
    }
    const path = namespaces.get(namespaceInode) ?? assert.fail(`${namespace} not listed`);
    assert.equal(path, `/proc/${sleeper.pid}/ns/net`);
    assert.equal(readlinkSync(path), `net:[${namespaceInode}]`);
    assert.notEqual(namespaceInode, currentNetnsInode());
  });

  test("lists netscope's own namespace under a pid no higher than its own", () => {
    const path = listNetworkNamespaces().get(currentNetnsInode()) ?? assert.fail('own namespace not listed');
    assert.equal(readlinkSync(path), `net:[${currentNetnsInode()}]`);
    const pid = Number(/^\/proc\/(\d+)\/ns\/net$/.exec(path)?.[1]);
    assert.ok(pid <= process.pid, path);
  });
});
