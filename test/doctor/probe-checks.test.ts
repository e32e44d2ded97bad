/** Tracepoint and probe-load verdicts from injected BTF answers, probe statuses and errors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { probeErrorResult, probeLoadResult, tracepointResult } from '../../src/doctor/probe-checks.js';
import type { ProbeStatus } from '../../src/model/snapshot-types.js';
import { probeDefinitions, type ProbeDefinition } from '../../src/probes/ebpf-probes.js';
import { ProbeError } from '../../src/probes/probe-error.js';
import { ExitCode } from '../../src/errors.js';

const stateProbe = probeDefinitions.find((definition) => definition.required) as ProbeDefinition;
const dropProbe = probeDefinitions.find((definition) => definition.name === 'kfree_skb') as ProbeDefinition;

function allAttached(): ProbeStatus[] {
  return probeDefinitions.map((definition) => ({ name: definition.name, status: 'attached', reason: null }));
}

function withStatus(name: string, status: ProbeStatus['status'], reason: string): ProbeStatus[] {
  return allAttached().map((probe) => (probe.name === name ? { name, status, reason } : probe));
}

describe('probe checks', () => {
  it('passes a tracepoint typed in BTF as tp_btf, and warns of the raw_tp fallback otherwise', () => {
    const typed = tracepointResult(stateProbe, true);
    assert.equal(typed.status, 'pass');
    assert.match(typed.detail, /^tp_btf \(btf_trace_inet_sock_set_state is in BTF\)/);
    const untyped = tracepointResult(dropProbe, false);
    assert.equal(untyped.status, 'warn');
    assert.match(untyped.detail, /^raw_tp fallback: no btf_trace_kfree_skb in BTF/);
  });

  it('passes when every probe attached, naming each', () => {
    const result = probeLoadResult(allAttached());
    assert.equal(result.status, 'pass');
    for (const definition of probeDefinitions) assert.match(result.detail, new RegExp(definition.name));
  });

  it('warns when an optional probe is unsupported or failed, with its reason', () => {
    const unsupported = probeLoadResult(withStatus('kfree_skb', 'unsupported', 'this kernel has no tracepoint skb:kfree_skb (ENOENT)'));
    assert.equal(unsupported.status, 'warn');
    assert.match(unsupported.detail, /kfree_skb unsupported \(this kernel has no tracepoint skb:kfree_skb \(ENOENT\)\)/);
    assert.equal(probeLoadResult(withStatus('tcp_send_reset', 'failed', 'the kernel rejected it')).status, 'warn');
  });

  it('fails, exit 69, when a required probe is down', () => {
    const result = probeLoadResult(withStatus('inet_sock_set_state', 'unsupported', 'no tracepoint'));
    assert.equal(result.status, 'fail');
    assert.equal(result.status === 'fail' && result.exitCode, ExitCode.unavailable);
    assert.match(result.detail, /required probe inet_sock_set_state unsupported: no tracepoint/);
  });

  it("turns netscope's own ProbeError into a failure with its problem, fix and exit code", () => {
    const privilege = probeErrorResult(new ProbeError('cannot load eBPF probes: missing CAP_BPF', 'sudo netscope', ExitCode.noPermission));
    assert.deepEqual(privilege, {
      status: 'fail',
      detail: 'cannot load eBPF probes: missing CAP_BPF',
      fix: 'sudo netscope',
      needed: true,
      exitCode: ExitCode.noPermission,
    });
    const kernel = probeErrorResult(new ProbeError('cannot trace sock:inet_sock_set_state', 'check the kernel', ExitCode.unavailable));
    assert.equal(kernel.status === 'fail' && kernel.exitCode, ExitCode.unavailable);
  });
});
