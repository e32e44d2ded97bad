/**
 * Which programs to load and what each failure means: tp_btf where the kernel has typed
 * tracepoints, raw_tp where it does not, and one probe's failure never stops the others.
 */
import { existsSync } from 'node:fs';
import type { ProbeStatus } from '../model/snapshot-types.js';
import { effectiveCapabilities, missingForTracing } from './capabilities.js';
import { isNativeError, nativeAddon, type BpfObjectHandle } from './native.js';
import { bpfObjectPath } from './package-paths.js';
import { ProbeError, runAsRootHint } from './probe-error.js';
import { ExitCode } from '../errors.js';

export interface ProbeDefinition {
  /** Program stem in bpf/tcp_events.bpf.c: `handle_<name>` (tp_btf) and `handle_<name>_raw`. */
  name: string;
  /** The kernel tracepoint, without its category (`kfree_skb`). */
  tracepoint: string;
  /** Category for messages (`skb`), as in `skb:kfree_skb`. */
  category: string;
  /** Without it netscope has no connection table worth showing. */
  required: boolean;
}

export const probeDefinitions: readonly ProbeDefinition[] = [
  { name: 'inet_sock_set_state', tracepoint: 'inet_sock_set_state', category: 'sock', required: true },
  { name: 'tcp_retransmit_skb', tracepoint: 'tcp_retransmit_skb', category: 'tcp', required: false },
  { name: 'tcp_send_reset', tracepoint: 'tcp_send_reset', category: 'tcp', required: false },
  { name: 'tcp_receive_reset', tracepoint: 'tcp_receive_reset', category: 'tcp', required: false },
  { name: 'kfree_skb', tracepoint: 'kfree_skb', category: 'skb', required: false },
];

export const vmlinuxBtfPath = '/sys/kernel/btf/vmlinux';

export interface LoadedProbes {
  object: BpfObjectHandle;
  statuses: ProbeStatus[];
}

export interface LoadOptions {
  /** Ring buffer size in bytes (power of two). */
  ringBufferBytes: number;
  definitions?: readonly ProbeDefinition[];
  objectPath?: string;
}

interface Selected {
  definition: ProbeDefinition;
  program: string;
  typed: boolean;
}

export function checkProbePrerequisites(btfPath = vmlinuxBtfPath, statusText?: string): void {
  if (!existsSync(btfPath)) {
    throw new ProbeError(
      `this kernel exposes no BTF (${btfPath} is missing), which the CO-RE probes need`,
      'use a kernel built with CONFIG_DEBUG_INFO_BTF=y (most distributions since 2020)',
      ExitCode.unavailable,
    );
  }
  const missing = missingForTracing(effectiveCapabilities(statusText));
  if (missing.length > 0) {
    throw new ProbeError(
      `cannot load eBPF probes: missing ${missing.map((name) => `CAP_${name}`).join(' and ')} (running as uid ${process.getuid?.() ?? '?'})`,
      runAsRootHint,
      ExitCode.noPermission,
    );
  }
}

/** Why the addon does not load (missing, or built for another Node ABI), or null when it does. */
export function nativeAddonLoadError(): string | null {
  try {
    nativeAddon();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Does the running kernel have the BTF-typed tracepoint (tp_btf), rather than only raw_tp? */
export function hasTypedTracepoint(tracepoint: string): boolean {
  return nativeAddon().btfHasType(`btf_trace_${tracepoint}`, 'typedef');
}

export function loadProbes(options: LoadOptions): LoadedProbes {
  checkProbePrerequisites();
  const definitions = options.definitions ?? probeDefinitions;
  const selected: Selected[] = definitions.map((definition) => {
    const typed = hasTypedTracepoint(definition.tracepoint);
    return { definition, typed, program: typed ? `handle_${definition.name}` : `handle_${definition.name}_raw` };
  });
  // The kernel's BTF parsed for these questions (6.6 MB) goes before libbpf parses its own copy
  // to load, so the two are never held at once; kept, it stayed for the rest of a run.
  nativeAddon().releaseVmlinuxBtf();
  const statuses = new Map<string, ProbeStatus>();
  const { object, loaded } = loadAccepted(selected, options, statuses);
  for (const probe of loaded) {
    try {
      if (probe.typed) object.attach(probe.program);
      else object.attachRawTracepoint(probe.program, probe.definition.tracepoint);
      statuses.set(probe.definition.name, { name: probe.definition.name, status: 'attached', reason: null });
    } catch (error) {
      statuses.set(probe.definition.name, attachFailure(probe, error));
    }
  }
  const ordered = definitions.map((definition) => statuses.get(definition.name) as ProbeStatus);
  const requiredDown = definitions.find((definition) => definition.required && statuses.get(definition.name)?.status !== 'attached');
  if (requiredDown) {
    object.close();
    throw new ProbeError(
      `cannot trace ${requiredDown.category}:${requiredDown.tracepoint}: ${statuses.get(requiredDown.name)?.reason ?? 'unknown'}`,
      'check `netscope doctor`; this kernel may lack the tracepoint (Linux 4.16+ has it)',
      ExitCode.unavailable,
    );
  }
  return { object, statuses: ordered };
}

/** Loads everything if the kernel accepts it; otherwise finds, probe by probe, which it rejects. */
function loadAccepted(
  selected: Selected[],
  options: LoadOptions,
  statuses: Map<string, ProbeStatus>,
): { object: BpfObjectHandle; loaded: Selected[] } {
  try {
    return { object: openAndLoad(selected, options), loaded: selected };
  } catch (error) {
    if (isNativeError(error) && error.code === 'EPERM') throw permissionError(error);
  }
  const accepted = selected.filter((probe) => {
    try {
      openAndLoad([probe], options).close();
      return true;
    } catch (error) {
      statuses.set(probe.definition.name, { name: probe.definition.name, status: 'failed', reason: loadFailureReason(error) });
      return false;
    }
  });
  return { object: openAndLoad(accepted, options), loaded: accepted };
}

function openAndLoad(programs: Selected[], options: LoadOptions): BpfObjectHandle {
  const addon = nativeAddon();
  const object = new addon.BpfObject(options.objectPath ?? bpfObjectPath);
  try {
    const wanted = new Set(programs.map((probe) => probe.program));
    for (const program of object.programNames()) object.setAutoload(program, wanted.has(program));
    object.setRingBufferSize(options.ringBufferBytes);
    object.load();
    return object;
  } catch (error) {
    object.close();
    throw error;
  }
}

function loadFailureReason(error: unknown): string {
  const verifier = nativeAddon()
    .takeLibbpfLog()
    .filter((line) => line.level === 'warn')
    .map((line) => line.message.trim())
    .filter((line) => line.length > 0);
  const last = verifier.at(-1);
  const base = error instanceof Error ? error.message : String(error);
  return last ? `the kernel rejected it: ${last} (${base})` : `the kernel rejected it (${base})`;
}

function attachFailure(probe: Selected, error: unknown): ProbeStatus {
  const name = probe.definition.name;
  const where = `${probe.definition.category}:${probe.definition.tracepoint}`;
  if (isNativeError(error) && (error.code === 'ENOENT' || error.code === 'EINVAL' || error.code === 'EOPNOTSUPP')) {
    return { name, status: 'unsupported', reason: `this kernel has no tracepoint ${where} (${error.code})` };
  }
  return { name, status: 'failed', reason: `attach to ${where} failed: ${error instanceof Error ? error.message : String(error)}` };
}

function permissionError(error: Error): ProbeError {
  return new ProbeError(
    `cannot load eBPF probes: permission denied (${error.message}); kernel lockdown or a seccomp/LSM policy may forbid BPF`,
    `${runAsRootHint}; check: netscope doctor`,
    ExitCode.noPermission,
  );
}
