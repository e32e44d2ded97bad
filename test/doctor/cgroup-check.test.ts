/** The cgroup layout, read from a fake sysfs, and what it means for container attribution. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { cgroupLayoutResult, detectCgroupLayout } from '../../src/doctor/cgroup-check.js';
import { hostPaths, type HostPaths } from '../../src/probes/host-paths.js';

describe('cgroup layout check', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-doctor-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  /** A host root whose sys/fs/cgroup holds `cgroup.controllers` at `controllersDir`, if any. */
  function fakeHost(name: string, controllersDir: string | null): HostPaths {
    const root = path.join(scratch, name);
    const cgroupRoot = path.join(root, 'sys/fs/cgroup');
    mkdirSync(cgroupRoot, { recursive: true });
    if (controllersDir !== null) {
      mkdirSync(path.join(cgroupRoot, controllersDir), { recursive: true });
      writeFileSync(path.join(cgroupRoot, controllersDir, 'cgroup.controllers'), 'cpu memory pids\n');
    }
    return hostPaths(root);
  }

  it('tells pure v2, hybrid and v1-only apart', () => {
    const pure = fakeHost('pure', '');
    assert.deepEqual(detectCgroupLayout(pure), { layout: 'v2', v2Mount: path.join(pure.sys, 'fs/cgroup') });
    const hybrid = fakeHost('hybrid', 'unified');
    assert.deepEqual(detectCgroupLayout(hybrid), { layout: 'hybrid', v2Mount: path.join(hybrid.sys, 'fs/cgroup/unified') });
    assert.equal(detectCgroupLayout(fakeHost('legacy', null)).layout, 'v1');
  });

  it('says what container attribution will use, as information', () => {
    assert.match(cgroupLayoutResult('v2', '/sys/fs/cgroup').detail, /pure v2 at \/sys\/fs\/cgroup/);
    assert.match(cgroupLayoutResult('hybrid', '/sys/fs/cgroup/unified').detail, /hybrid, v2 at \/sys\/fs\/cgroup\/unified/);
    const legacy = cgroupLayoutResult('v1', '/sys/fs/cgroup/unified');
    assert.equal(legacy.status, 'info');
    assert.match(legacy.detail, /no connection is attributed to a container/);
  });
});
