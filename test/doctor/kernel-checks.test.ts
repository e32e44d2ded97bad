/** Kernel verdicts from injected release strings and file texts. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { btfResult, kernelVersionResult, lockdownResult, unprivilegedBpfResult } from '../../src/doctor/kernel-checks.js';
import { ExitCode } from '../../src/errors.js';

describe('kernel checks', () => {
  it('passes 5.8+ and names what 5.11+ adds', () => {
    const modern = kernelVersionResult('6.18.44-fc-v657');
    assert.equal(modern.status, 'pass');
    assert.match(modern.detail, /charged to the cgroup \(5\.11\+\)/);
    const ringBufferOnly = kernelVersionResult('5.10.0-28-amd64');
    assert.equal(ringBufferOnly.status, 'pass');
    assert.match(ringBufferOnly.detail, /before 5\.11, see memlock/);
  });

  it('fails 4.19 with exit 69: no ring buffer, no typed tracepoints', () => {
    const result = kernelVersionResult('4.19.0-26-amd64');
    assert.equal(result.status, 'fail');
    assert.equal(result.status === 'fail' && result.exitCode, ExitCode.unavailable);
    assert.match(result.detail, /ring buffer needs Linux 5\.8\+, and typed tracepoints \(tp_btf\) 5\.5\+/);
    assert.match(result.fix ?? '', /5\.8 or newer/);
  });

  it('fails 5.6 for the ring buffer alone, and only warns on a release it cannot parse', () => {
    assert.doesNotMatch(kernelVersionResult('5.6.0').detail, /tp_btf/);
    assert.equal(kernelVersionResult('5.6.0').status, 'fail');
    assert.equal(kernelVersionResult('custom').status, 'warn');
  });

  it('fails without BTF (69, CONFIG_DEBUG_INFO_BTF) and when it cannot be read (77)', () => {
    assert.equal(btfResult({ present: true, readable: true }).status, 'pass');
    const missing = btfResult({ present: false, readable: false });
    assert.equal(missing.status === 'fail' && missing.exitCode, ExitCode.unavailable);
    assert.match(missing.fix ?? '', /CONFIG_DEBUG_INFO_BTF=y/);
    const unreadable = btfResult({ present: true, readable: false });
    assert.equal(unreadable.status === 'fail' && unreadable.exitCode, ExitCode.noPermission);
  });

  it('reads the bracketed lockdown mode: none passes, integrity warns, confidentiality fails', () => {
    assert.equal(lockdownResult('[none] integrity confidentiality\n').status, 'pass');
    const integrity = lockdownResult('none [integrity] confidentiality\n');
    assert.equal(integrity.status, 'warn');
    assert.equal(integrity.needed, false);
    const confidentiality = lockdownResult('none integrity [confidentiality]\n');
    assert.equal(confidentiality.status, 'fail');
    assert.equal(confidentiality.status === 'fail' && confidentiality.exitCode, ExitCode.unavailable);
    assert.match(confidentiality.detail, /BPF reads of kernel memory are forbidden/);
    assert.match(confidentiality.fix ?? '', /lockdown=integrity/);
  });

  it('reports a kernel without the lockdown LSM as information', () => {
    const result = lockdownResult(null);
    assert.equal(result.status, 'info');
    assert.match(result.detail, /no lockdown LSM/);
  });

  it('explains each value of kernel.unprivileged_bpf_disabled, for the record', () => {
    assert.match(unprivilegedBpfResult('0\n').detail, /= 0: users without privilege may load socket-filter programs/);
    assert.match(unprivilegedBpfResult('1\n').detail, /= 1: .*until the next boot/);
    assert.match(unprivilegedBpfResult('2\n').detail, /= 2: .*set it back to 0/);
    for (const text of ['0\n', '1\n', '2\n', null]) assert.equal(unprivilegedBpfResult(text).status, 'info');
  });
});
