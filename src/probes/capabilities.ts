import { readFileSync } from 'node:fs';

/** Capability numbers from include/uapi/linux/capability.h that netscope cares about. */
export const Capability = {
  DAC_READ_SEARCH: 2,
  NET_ADMIN: 12,
  SYS_PTRACE: 19,
  SYS_ADMIN: 21,
  SYS_RESOURCE: 24,
  PERFMON: 38,
  BPF: 39,
} as const;
export type CapabilityName = keyof typeof Capability;

/** The effective capability set (CapEff), which decides what the kernel allows — not the uid. */
export function effectiveCapabilities(statusText = readFileSync('/proc/self/status', 'utf8')): Set<CapabilityName> {
  const match = /^CapEff:\s*([0-9a-f]+)$/m.exec(statusText);
  const mask = match?.[1] ? BigInt(`0x${match[1]}`) : 0n;
  const held = new Set<CapabilityName>();
  for (const [name, bit] of Object.entries(Capability) as [CapabilityName, number][]) {
    if ((mask >> BigInt(bit)) & 1n) held.add(name);
  }
  return held;
}

/** Capabilities missing for loading and attaching tracing programs (CAP_SYS_ADMIN covers both before 5.8). */
export function missingForTracing(held: Set<CapabilityName>): CapabilityName[] {
  if (held.has('SYS_ADMIN')) return [];
  return (['BPF', 'PERFMON'] as const).filter((name) => !held.has(name));
}
