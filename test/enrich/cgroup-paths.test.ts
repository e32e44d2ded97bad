import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CgroupPaths } from '../../src/enrich/cgroup-paths.js';
import { hostPaths, type HostPaths } from '../../src/probes/host-paths.js';

const workDir = mkdtempSync(join(tmpdir(), 'nstest-cgroup-paths-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

const DOCKER_ID = createHash('sha256').update('web').digest('hex');

/** A host root of its own: the v2 mount is detected once per sysfs path, so hosts are never reused. */
interface FakeHost {
  paths: HostPaths;
  /** Creates the cgroup in the v2 hierarchy; its inode is its id. */
  makeCgroup(path: string): number;
  removeCgroup(path: string): void;
  /** /proc/PID/cgroup as the kernel writes it: the lines given, one a line. */
  writeTask(pid: number, lines: string[]): void;
}

let hostCount = 0;
function fakeHost(layout: 'pureV2' | 'hybrid'): FakeHost {
  const paths = hostPaths(join(workDir, `host-${++hostCount}`));
  const cgroupRoot = join(paths.sys, 'fs', 'cgroup');
  const v2Mount = layout === 'pureV2' ? cgroupRoot : join(cgroupRoot, 'unified');
  mkdirSync(v2Mount, { recursive: true });
  if (layout === 'pureV2') writeFileSync(join(cgroupRoot, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
  return {
    paths,
    makeCgroup(path) {
      mkdirSync(join(v2Mount, path), { recursive: true });
      return statSync(join(v2Mount, path)).ino;
    },
    removeCgroup(path) {
      rmdirSync(join(v2Mount, path));
    },
    writeTask(pid, lines) {
      mkdirSync(join(paths.proc, String(pid)), { recursive: true });
      writeFileSync(join(paths.proc, String(pid), 'cgroup'), lines.map((line) => `${line}\n`).join(''));
    },
  };
}

/** Deeper than the walk of the hierarchy goes, so only the task can name it. */
const BEYOND_WALK = `/${Array.from({ length: 20 }, (_, level) => `level${level}`).join('/')}`;

describe('CgroupPaths on a pure v2 host', () => {
  it('reads the path from the task when its cgroup is the one asked for', () => {
    const host = fakeHost('pureV2');
    const cgroupId = host.makeCgroup(BEYOND_WALK);
    host.writeTask(100, [`0::${BEYOND_WALK}`]);
    const cgroups = new CgroupPaths(host.paths);
    assert.deepEqual(cgroups.locate(cgroupId, 100), { v2Path: BEYOND_WALK, v1Paths: [] });
    assert.equal(cgroups.locate(cgroupId, null), null, 'the walk stops short of it: the task alone found it');
  });

  it('walks the hierarchy when the task has moved to another cgroup', () => {
    const host = fakeHost('pureV2');
    const cgroupId = host.makeCgroup(`/system.slice/docker-${DOCKER_ID}.scope`);
    host.makeCgroup('/system.slice/sshd.service');
    host.writeTask(100, ['0::/system.slice/sshd.service']);
    assert.deepEqual(new CgroupPaths(host.paths).locate(cgroupId, 100), { v2Path: `/system.slice/docker-${DOCKER_ID}.scope`, v1Paths: [] });
  });

  it('walks the hierarchy when the task is gone, or none is known', () => {
    const host = fakeHost('pureV2');
    const cgroupId = host.makeCgroup('/kubepods.slice/kubepods-besteffort.slice');
    const cgroups = new CgroupPaths(host.paths);
    const expected = { v2Path: '/kubepods.slice/kubepods-besteffort.slice', v1Paths: [] };
    assert.deepEqual(cgroups.locate(cgroupId, 4242), expected);
    assert.deepEqual(cgroups.locate(cgroupId, null), expected);
  });

  it('finds the root cgroup', () => {
    const host = fakeHost('pureV2');
    const rootId = host.makeCgroup('/');
    host.writeTask(1, ['0::/']);
    const cgroups = new CgroupPaths(host.paths);
    assert.deepEqual(cgroups.locate(rootId, 1), { v2Path: '/', v1Paths: [] });
    assert.deepEqual(cgroups.locate(rootId, null), { v2Path: '/', v1Paths: [] });
  });

  it('null for a cgroup that no longer exists, even with its last task on record', () => {
    const host = fakeHost('pureV2');
    host.makeCgroup('/system.slice/sshd.service');
    const removedId = host.makeCgroup('/system.slice/backup.service');
    host.writeTask(100, ['0::/system.slice/backup.service']);
    host.removeCgroup('/system.slice/backup.service');
    const cgroups = new CgroupPaths(host.paths);
    assert.equal(cgroups.locate(removedId, 100), null);
    assert.equal(cgroups.locate(removedId, null), null);
  });

  it('startPass forgets the walk, so a cgroup created after it is found', () => {
    const host = fakeHost('pureV2');
    host.makeCgroup('/system.slice');
    const cgroups = new CgroupPaths(host.paths);
    const noFileHasInodeZero = 0;
    assert.equal(cgroups.locate(noFileHasInodeZero, null), null, 'walks the hierarchy as it is now');
    const createdId = host.makeCgroup(`/system.slice/docker-${DOCKER_ID}.scope`);
    assert.equal(cgroups.locate(createdId, null), null, 'the walk is remembered until the next pass');
    cgroups.startPass();
    assert.deepEqual(cgroups.locate(createdId, null), { v2Path: `/system.slice/docker-${DOCKER_ID}.scope`, v1Paths: [] });
  });
});

describe('CgroupPaths on a hybrid host (v2 at unified)', () => {
  /** A docker container under the cgroupfs driver: v1 controllers only, v2 left at containerd's. */
  const containerTask = [
    `12:memory:/docker/${DOCKER_ID}`,
    `11:cpu,cpuacct:/docker/${DOCKER_ID}`,
    '2:name=elogind:/',
    '1:name=systemd:/system.slice/containerd.service',
    '0::/system.slice/containerd.service',
  ];

  it('reads the v2 path under unified and the v1 paths, named hierarchies first, each once', () => {
    const host = fakeHost('hybrid');
    const cgroupId = host.makeCgroup('/system.slice/containerd.service');
    host.writeTask(100, containerTask);
    assert.deepEqual(new CgroupPaths(host.paths).locate(cgroupId, 100), {
      v2Path: '/system.slice/containerd.service',
      v1Paths: ['/', '/system.slice/containerd.service', `/docker/${DOCKER_ID}`],
    });
  });

  it('walks unified when the task is gone: no v1 paths then', () => {
    const host = fakeHost('hybrid');
    const cgroupId = host.makeCgroup('/system.slice/containerd.service');
    assert.deepEqual(new CgroupPaths(host.paths).locate(cgroupId, 100), { v2Path: '/system.slice/containerd.service', v1Paths: [] });
  });

  it('v1PathsOf: the task v1 paths alone; empty once it is gone', () => {
    const host = fakeHost('hybrid');
    host.writeTask(100, containerTask);
    const cgroups = new CgroupPaths(host.paths);
    assert.deepEqual(cgroups.v1PathsOf(100), ['/', '/system.slice/containerd.service', `/docker/${DOCKER_ID}`]);
    assert.deepEqual(cgroups.v1PathsOf(101), []);
  });
});
