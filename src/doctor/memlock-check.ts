/**
 * `ulimit -l` (RLIMIT_MEMLOCK): kernels before 5.11 charge BPF maps and programs to it, and
 * the 64 KiB default of many distributions is far too small for the ring buffer. From 5.11 the
 * memory cgroup is charged instead and the limit no longer matters.
 */
import { readFileSync } from 'node:fs';
import { effectiveCapabilities, type CapabilityName } from '../probes/capabilities.js';
import { ExitCode } from '../errors.js';
import { fail, info, pass, warn, type Check, type CheckResult } from './check-result.js';
import { kernelAtLeast, kernelFeatureSince, runningKernelVersion, type KernelVersion } from './kernel-version.js';

/** Enough for the default 4 MiB ring buffer, the other maps and the programs, with room to spare. */
export const neededMemlockBytes = 64 * 1024 * 1024;

/** The locked-memory limit; `Infinity` is `unlimited`. */
export interface MemlockLimit {
  softBytes: number;
  hardBytes: number;
}

/** Reads the `Max locked memory` row of /proc/PID/limits; null when it is not there. */
export function parseMemlockLimit(limitsText: string): MemlockLimit | null {
  const match = /^Max locked memory\s+(\S+)\s+(\S+)/m.exec(limitsText);
  if (!match?.[1] || !match[2]) return null;
  const bytes = (value: string): number => (value === 'unlimited' ? Infinity : Number(value));
  const limit = { softBytes: bytes(match[1]), hardBytes: bytes(match[2]) };
  return Number.isNaN(limit.softBytes) || Number.isNaN(limit.hardBytes) ? null : limit;
}

/** `unlimited`, `64 KiB`, `8 MiB`, as `ulimit -l` users think of it. */
export function formatLimit(bytes: number): string {
  if (bytes === Infinity) return 'unlimited';
  const mebibyte = 1024 * 1024;
  return bytes >= mebibyte && bytes % mebibyte === 0 ? `${bytes / mebibyte} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

/**
 * libbpf (1.0+) lifts the limit to unlimited by itself on kernels without memcg charging: that
 * works when the hard limit is already unlimited, or with CAP_SYS_RESOURCE to raise it.
 * An unknown kernel version is judged as an old one.
 */
export function memlockResult(limitsText: string, kernel: KernelVersion | null, held: Set<CapabilityName>): CheckResult {
  const limit = parseMemlockLimit(limitsText);
  const shown = limit === null ? 'unknown' : formatLimit(limit.softBytes);
  if (kernel !== null && kernelAtLeast(kernel, kernelFeatureSince.memcgAccounting)) {
    return info(`not needed: BPF memory is charged to the cgroup on Linux 5.11+ (ulimit -l is ${shown})`);
  }
  if (limit === null) return warn('cannot find "Max locked memory" in /proc/self/limits', null);
  if (limit.softBytes >= neededMemlockBytes) return pass(`ulimit -l is ${shown}: enough for the BPF maps this kernel charges to it`);
  if (limit.hardBytes === Infinity) return pass(`ulimit -l is ${shown}; libbpf lifts it at load, as the hard limit is unlimited`);
  if (held.has('SYS_RESOURCE')) return pass(`ulimit -l is ${shown}; libbpf lifts it at load with CAP_SYS_RESOURCE`);
  return fail(
    `ulimit -l is ${shown} (hard ${formatLimit(limit.hardBytes)}), below the ${formatLimit(neededMemlockBytes)} the BPF maps need on this kernel, and without CAP_SYS_RESOURCE libbpf cannot lift it`,
    'run netscope as root, or raise the limit: ulimit -l unlimited (root shell), LimitMEMLOCK=infinity (systemd), --ulimit memlock=-1 (docker)',
    ExitCode.noPermission,
  );
}

/** The memlock check, reading this process's limits, kernel and capabilities. */
export function memlockCheck(): Check {
  return {
    name: 'memlock',
    run: () => memlockResult(readFileSync('/proc/self/limits', 'utf8'), runningKernelVersion(), effectiveCapabilities()),
  };
}
