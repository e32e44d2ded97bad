/**
 * What the running kernel offers netscope's probes: its version, BTF, lockdown, and the sysctl
 * that governs unprivileged BPF.
 */
import os from 'node:os';
import { vmlinuxBtfPath } from '../probes/ebpf-probes.js';
import { runAsRootHint } from '../probes/probe-error.js';
import { ExitCode } from '../errors.js';
import { fail, info, pass, warn, type Check, type CheckResult } from './check-result.js';
import { fileAccess, readTextIfPresent, type FileAccess } from './host-files.js';
import { kernelAtLeast, kernelFeatureSince, parseKernelVersion } from './kernel-version.js';

const lockdownPath = '/sys/kernel/security/lockdown';
const unprivilegedBpfDisabledPath = '/proc/sys/kernel/unprivileged_bpf_disabled';

/** The ring buffer (5.8) is the floor; typed tracepoints (5.5) and memcg charging (5.11) are noted. */
export function kernelVersionResult(release: string): CheckResult {
  const version = parseKernelVersion(release);
  if (version === null) return warn(`cannot read a version from "${release}"; the probes check decides`, null);
  if (!kernelAtLeast(version, kernelFeatureSince.ringBuffer)) {
    const typed = kernelAtLeast(version, kernelFeatureSince.typedTracepoints) ? '' : ', and typed tracepoints (tp_btf) 5.5+';
    return fail(
      `${release}: netscope's event ring buffer needs Linux 5.8+${typed}`,
      "run Linux 5.8 or newer (a distribution kernel with BPF backported, such as RHEL 8's 4.18, may still load — the probes check decides)",
      ExitCode.unavailable,
    );
  }
  const memory = kernelAtLeast(version, kernelFeatureSince.memcgAccounting)
    ? 'BPF memory charged to the cgroup (5.11+)'
    : 'BPF memory still counted against ulimit -l (before 5.11, see memlock)';
  return pass(`${release}: typed tracepoints (5.5+), ring buffer (5.8+), ${memory}`);
}

/** CO-RE relocations and tp_btf both read the kernel's own type information. */
export function btfResult(access: FileAccess, path = vmlinuxBtfPath): CheckResult {
  if (!access.present) {
    return fail(
      `${path} is missing: this kernel exposes no BTF, which the CO-RE probes need`,
      'run a kernel built with CONFIG_DEBUG_INFO_BTF=y (most distributions since 2020)',
      ExitCode.unavailable,
    );
  }
  if (!access.readable) return fail(`${path} is not readable by this user`, runAsRootHint, ExitCode.noPermission);
  return pass(`${path} is present and readable`);
}

/**
 * The lockdown LSM's active mode is the bracketed word (`none [integrity] confidentiality`).
 * Integrity forbids BPF writes to user memory, which netscope never does; confidentiality
 * forbids BPF reads of kernel memory, which every probe does.
 */
export function lockdownResult(text: string | null): CheckResult {
  if (text === null) return info(`no lockdown LSM (${lockdownPath} is absent)`);
  const mode = /\[(\w+)\]/.exec(text)?.[1];
  switch (mode) {
    case 'none':
      return pass('none: nothing forbids the probes');
    case 'integrity':
      return warn('integrity: BPF may not write to user memory, which netscope never does; its probes load', null);
    case 'confidentiality':
      return fail(
        'confidentiality: BPF reads of kernel memory are forbidden, so the probes cannot load',
        'boot with lockdown=integrity (or without lockdown) on the kernel command line; it cannot be lowered at run time',
        ExitCode.unavailable,
      );
    default:
      return warn(`unrecognised mode in "${text.trim()}"; the probes check decides`, null);
  }
}

/** What each value of kernel.unprivileged_bpf_disabled means (Documentation/admin-guide/sysctl/kernel.rst). */
const unprivilegedBpfMeaning: Readonly<Record<string, string>> = {
  '0': 'users without privilege may load socket-filter programs',
  '1': 'only privileged users may use bpf(), until the next boot',
  '2': 'only privileged users may use bpf(); an administrator may set it back to 0',
};

/** Only for the record: netscope's tracing programs need privilege whatever this says. */
export function unprivilegedBpfResult(text: string | null): CheckResult {
  if (text === null) return info(`${unprivilegedBpfDisabledPath} is absent; netscope's tracing programs need privilege either way`);
  const value = text.trim();
  const meaning = unprivilegedBpfMeaning[value] ?? 'an unrecognised value';
  return info(`kernel.unprivileged_bpf_disabled = ${value}: ${meaning}; netscope's tracing programs need CAP_BPF and CAP_PERFMON either way`);
}

/** The kernel checks, in the order the doctor shows them. */
export function kernelChecks(): Check[] {
  return [
    { name: 'kernel', run: () => kernelVersionResult(os.release()) },
    { name: 'BTF', run: () => btfResult(fileAccess(vmlinuxBtfPath)) },
    { name: 'lockdown', run: () => lockdownResult(readTextIfPresent(lockdownPath)) },
    { name: 'unprivileged BPF', run: () => unprivilegedBpfResult(readTextIfPresent(unprivilegedBpfDisabledPath)) },
  ];
}
