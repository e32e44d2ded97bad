/** The running kernel's version, and the releases that brought what netscope's probes use. */
import os from 'node:os';

/** A kernel release's numeric prefix: `6.18.44-fc-v657` → 6, 18, 44. */
export interface KernelVersion {
  major: number;
  minor: number;
  patch: number;
}

/** The first mainline release with each feature netscope's probes rely on. */
export const kernelFeatureSince = {
  /** `tp_btf` programs (typed tracepoints); older kernels get the `raw_tp` fallback. */
  typedTracepoints: { major: 5, minor: 5 },
  /** `BPF_MAP_TYPE_RINGBUF`, which carries every event. */
  ringBuffer: { major: 5, minor: 8 },
  /** BPF memory charged to the memory cgroup instead of `ulimit -l` (RLIMIT_MEMLOCK). */
  memcgAccounting: { major: 5, minor: 11 },
} as const;

/** Parses `uname -r` text; null when it does not start with `MAJOR.MINOR`. */
export function parseKernelVersion(release: string): KernelVersion | null {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!match) return null;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
}

/** Whether `version` is `since` or newer (patch levels never gate a feature). */
export function kernelAtLeast(version: KernelVersion, since: { major: number; minor: number }): boolean {
  return version.major > since.major || (version.major === since.major && version.minor >= since.minor);
}

/** The running kernel's version, or null when its release string is not `MAJOR.MINOR…`. */
export function runningKernelVersion(): KernelVersion | null {
  return parseKernelVersion(os.release());
}
