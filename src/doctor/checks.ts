/** Every pre-flight check of `netscope doctor`, in the order it shows them. */
import { capabilityChecks } from './capability-checks.js';
import { cgroupCheck } from './cgroup-check.js';
import { conntrackCheck } from './conntrack-check.js';
import { hostPaths, type HostPaths } from '../probes/host-paths.js';
import type { Check } from './check-result.js';
import { installChecks } from './install-checks.js';
import { kernelChecks } from './kernel-checks.js';
import { memlockCheck } from './memlock-check.js';
import { probeChecks } from './probe-checks.js';
import { runtimeStateCheck } from './runtime-state-check.js';
import { terminalCheck } from './terminal-check.js';

/**
 * Terminal, capabilities, kernel, BTF, lockdown, unprivileged BPF, memlock, each tracepoint,
 * the probes loaded for real, the cgroup layout, the container runtimes' state, conntrack for
 * NAT, and the build products. Each reads the host
 * only when run.
 */
export function doctorChecks(paths: HostPaths = hostPaths()): Check[] {
  return [terminalCheck(), ...capabilityChecks(), ...kernelChecks(), memlockCheck(), ...probeChecks(), cgroupCheck(paths), runtimeStateCheck(paths), conntrackCheck(paths), ...installChecks()];
}
