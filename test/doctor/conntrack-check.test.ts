/** The conntrack check: what each finding means, and the real kernel's answer with and without CAP_NET_ADMIN. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { conntrackResult, probeConntrack } from '../../src/doctor/conntrack-check.js';
import { hostPaths } from '../../src/probes/host-paths.js';
import { packageRoot } from '../../src/probes/package-paths.js';

describe('conntrack check', () => {
  it('without nf_conntrack: nothing is asked, and the fix loads it', () => {
    const result = conntrackResult({ loaded: false });
    assert.equal(result.status, 'warn');
    assert.equal(result.needed, false);
    assert.match(result.detail, /nf_conntrack is not loaded.*nothing is asked.*real destination behind NAT.*not shown/);
    assert.match(result.fix ?? '', /modprobe nf_conntrack nf_conntrack_netlink/);
  });

  it('names the refusals: no CAP_NET_ADMIN, no nf_conntrack_netlink', () => {
    const refused = conntrackResult({ loaded: true, refusal: 'EPERM' });
    assert.equal(refused.status, 'warn');
    assert.match(refused.detail, /EPERM: it needs CAP_NET_ADMIN/);
    assert.match(refused.fix ?? '', /NET_ADMIN/);
    for (const refusal of ['EINVAL', 'EOPNOTSUPP']) assert.match(conntrackResult({ loaded: true, refusal }).fix ?? '', /modprobe nf_conntrack_netlink/);
    assert.equal(conntrackResult({ loaded: true, refusal: null }).status, 'pass');
  });

  it('on this kernel, as root: conntrack answers (no entry for a tuple nothing uses)', () => {
    assert.deepEqual(probeConntrack(hostPaths()), { loaded: true, refusal: null });
  });

  it('on this kernel, without CAP_NET_ADMIN: ctnetlink refuses with EPERM', () => {
    const child = spawnSync(
      'setpriv',
      ['--inh-caps=-net_admin', '--bounding-set=-net_admin', path.join(packageRoot, 'bin/node-runtime'), path.join(packageRoot, 'dist/test/doctor/conntrack-probe-as-child.js')],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), { loaded: true, refusal: 'EPERM' });
  });
});
