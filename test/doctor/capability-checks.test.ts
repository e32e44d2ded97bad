/** Capability verdicts from CapEff text, as /proc/PID/status shows it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  namespaceEntryResult,
  networkAdminResult,
  ownerLookupResult,
  resourceLimitResult,
  tracingCapabilityResult,
} from '../../src/doctor/capability-checks.js';
import { parseKernelVersion } from '../../src/doctor/kernel-version.js';
import { effectiveCapabilities } from '../../src/probes/capabilities.js';
import { ExitCode } from '../../src/errors.js';

/** CapEff of a full root shell (bits 0–40) and of a shell with nothing. */
const rootCapEff = 'CapEff:\t000001ffffffffff\n';
const noCapEff = 'CapEff:\t0000000000000000\n';
/** CAP_BPF (39) and CAP_PERFMON (38) only, as a DaemonSet would grant them. */
const bpfAndPerfmonCapEff = `CapEff:\t${((1n << 39n) | (1n << 38n)).toString(16).padStart(16, '0')}\n`;
/** CAP_SYS_ADMIN (21) only: what kernels before 5.8 ask for. */
const sysAdminCapEff = `CapEff:\t${(1n << 21n).toString(16).padStart(16, '0')}\n`;

describe('capability checks', () => {
  it('passes the probes with CAP_BPF and CAP_PERFMON, or with CAP_SYS_ADMIN', () => {
    const granted = tracingCapabilityResult(effectiveCapabilities(bpfAndPerfmonCapEff), 1000);
    assert.equal(granted.status, 'pass');
    assert.match(granted.detail, /CAP_BPF and CAP_PERFMON held/);
    const admin = tracingCapabilityResult(effectiveCapabilities(sysAdminCapEff), 1000);
    assert.equal(admin.status, 'pass');
    assert.match(admin.detail, /CAP_SYS_ADMIN held/);
  });

  it('fails the probes with CapEff 0: exit 77, sudo as the fix, degraded mode named', () => {
    const result = tracingCapabilityResult(effectiveCapabilities(noCapEff), 1000);
    assert.equal(result.status, 'fail');
    assert.equal(result.needed, true);
    assert.equal(result.status === 'fail' && result.exitCode, ExitCode.noPermission);
    assert.match(result.detail, /missing CAP_BPF and CAP_PERFMON \(uid 1000\)/);
    assert.match(result.detail, /degraded, on sock_diag and \/proc/);
    assert.match(result.fix ?? '', /sudo "\$\(command -v netscope\)"/);
  });

  it('warns that NAT destinations and UDP flows go without CAP_NET_ADMIN, and that TCP does not need it', () => {
    assert.equal(networkAdminResult(effectiveCapabilities(rootCapEff)).status, 'pass');
    const without = networkAdminResult(effectiveCapabilities(noCapEff));
    assert.equal(without.status, 'warn');
    assert.equal(without.needed, false);
    assert.match(without.detail, /conntrack \(ctnetlink\) refuses and the UDP packet program cannot load.*TCP is unaffected/);
    assert.match(without.fix ?? '', /NET_ADMIN/);
  });

  it('warns that other namespaces go unsampled without CAP_SYS_ADMIN', () => {
    assert.equal(namespaceEntryResult(effectiveCapabilities(rootCapEff)).status, 'pass');
    const without = namespaceEntryResult(effectiveCapabilities(bpfAndPerfmonCapEff));
    assert.equal(without.status, 'warn');
    assert.match(without.detail, /setns/);
  });

  it("warns that other users' sockets lose their owners without CAP_SYS_PTRACE or CAP_DAC_READ_SEARCH", () => {
    for (const capability of ['SYS_PTRACE', 'DAC_READ_SEARCH'] as const) {
      assert.equal(ownerLookupResult(effectiveCapabilities(rootCapEff), capability).status, 'pass');
      const without = ownerLookupResult(effectiveCapabilities(bpfAndPerfmonCapEff), capability);
      assert.equal(without.status, 'warn');
      assert.equal(without.needed, false);
      assert.match(without.detail, /show no owner/);
    }
  });

  it('wants CAP_SYS_RESOURCE only on kernels that charge BPF memory to ulimit -l', () => {
    const held = effectiveCapabilities(bpfAndPerfmonCapEff);
    const modern = resourceLimitResult(held, parseKernelVersion('6.1.0'));
    assert.equal(modern.status, 'info');
    assert.match(modern.detail, /not needed/);
    const old = resourceLimitResult(held, parseKernelVersion('5.10.0'));
    assert.equal(old.status, 'warn');
    assert.match(old.detail, /see memlock/);
    assert.equal(resourceLimitResult(effectiveCapabilities(rootCapEff), parseKernelVersion('5.4.0')).status, 'pass');
  });
});
