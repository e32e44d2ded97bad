/**
 * What the effective capability set (CapEff) allows. The kernel checks capabilities, not the
 * uid: a root shell in a container can lack CAP_BPF, and a non-root service can hold it.
 */
import { effectiveCapabilities, missingForTracing, type CapabilityName } from '../probes/capabilities.js';
import { runAsRootHint } from '../probes/probe-error.js';
import { ExitCode } from '../errors.js';
import { fail, info, pass, passOptional, warn, type Check, type CheckResult } from './check-result.js';
import { kernelAtLeast, kernelFeatureSince, runningKernelVersion, type KernelVersion } from './kernel-version.js';

function capabilityList(names: readonly CapabilityName[]): string {
  return names.map((name) => `CAP_${name}`).join(' and ');
}

/** CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) load and attach the probes; without them netscope degrades. */
export function tracingCapabilityResult(held: Set<CapabilityName>, uid: number): CheckResult {
  const missing = missingForTracing(held);
  if (missing.length === 0) {
    const granted = held.has('BPF') && held.has('PERFMON') ? 'CAP_BPF and CAP_PERFMON' : 'CAP_SYS_ADMIN';
    return pass(`${granted} held: the eBPF probes may load`);
  }
  return fail(
    `missing ${capabilityList(missing)} (uid ${uid}): the eBPF probes cannot load; netscope still runs, degraded, on sock_diag and /proc`,
    runAsRootHint,
    ExitCode.noPermission,
  );
}

/**
 * CAP_NET_ADMIN: conntrack answers over ctnetlink only with it, so without it the real
 * destination behind NAT is not shown; and the kernel loads and attaches the UDP packet program (a
 * cgroup skb program) only for it, so UDP flows go uncounted. sock_diag needs none of it: TCP is
 * unaffected.
 */
export function networkAdminResult(held: Set<CapabilityName>): CheckResult {
  if (held.has('NET_ADMIN')) return passOptional('held: conntrack (ctnetlink) answers and the UDP packet program may load, so NAT destinations and UDP flows are shown');
  return warn(
    'not held: conntrack (ctnetlink) refuses and the UDP packet program cannot load, so the real destination behind NAT and UDP flows are not shown; TCP is unaffected (sock_diag needs nothing of it)',
    'add NET_ADMIN (deploy/kubernetes/daemonset.yaml adds it), or run as root',
  );
}

/** Entering another network namespace (setns) to sample its sockets needs CAP_SYS_ADMIN. */
export function namespaceEntryResult(held: Set<CapabilityName>): CheckResult {
  if (held.has('SYS_ADMIN')) return passOptional('held: sockets in other network namespaces (containers) are sampled from inside them');
  return warn(
    'not held: netscope cannot enter other network namespaces (setns), so sockets in containers are not sampled each tick',
    runAsRootHint,
  );
}

/** What each capability lets netscope past when it reads another user's /proc/PID/fd. */
const ownerLookupUse = {
  SYS_PTRACE: 'the ptrace access check on the fd links',
  DAC_READ_SEARCH: "the directory's mode 0500",
} as const;

/**
 * Naming a socket's owner from /proc/PID/fd (for sockets accepted in softirq or older than
 * netscope) needs both capabilities for other users' processes; either alone is not enough.
 */
export function ownerLookupResult(held: Set<CapabilityName>, capability: keyof typeof ownerLookupUse): CheckResult {
  if (held.has(capability)) {
    return passOptional(`held: reads other users' /proc/PID/fd past ${ownerLookupUse[capability]}, to name their sockets' owners`);
  }
  return warn(
    `not held: ${ownerLookupUse[capability]} keeps other users' /proc/PID/fd closed, so their sockets accepted in softirq or older than netscope show no owner`,
    runAsRootHint,
  );
}

/** Before 5.11 BPF memory counts against `ulimit -l`, which libbpf raises only with CAP_SYS_RESOURCE. */
export function resourceLimitResult(held: Set<CapabilityName>, kernel: KernelVersion | null): CheckResult {
  const charged = kernel !== null && kernelAtLeast(kernel, kernelFeatureSince.memcgAccounting);
  if (charged) {
    const why = 'on Linux 5.11+ BPF memory is charged to the cgroup, not to ulimit -l';
    return held.has('SYS_RESOURCE') ? passOptional(`held (not needed: ${why})`) : info(`not held, not needed: ${why}`);
  }
  if (held.has('SYS_RESOURCE')) return passOptional('held: libbpf lifts ulimit -l for the BPF maps (this kernel charges them to it)');
  return warn('not held: this kernel charges BPF maps to ulimit -l, which libbpf cannot lift without it — see memlock', runAsRootHint);
}

/** The capability checks, in the order the doctor shows them, each reading CapEff afresh. */
export function capabilityChecks(): Check[] {
  return [
    { name: 'CAP_BPF, CAP_PERFMON', run: () => tracingCapabilityResult(effectiveCapabilities(), process.getuid?.() ?? -1) },
    { name: 'CAP_NET_ADMIN', run: () => networkAdminResult(effectiveCapabilities()) },
    { name: 'CAP_SYS_ADMIN', run: () => namespaceEntryResult(effectiveCapabilities()) },
    { name: 'CAP_SYS_PTRACE', run: () => ownerLookupResult(effectiveCapabilities(), 'SYS_PTRACE') },
    { name: 'CAP_DAC_READ_SEARCH', run: () => ownerLookupResult(effectiveCapabilities(), 'DAC_READ_SEARCH') },
    { name: 'CAP_SYS_RESOURCE', run: () => resourceLimitResult(effectiveCapabilities(), runningKernelVersion()) },
  ];
}
