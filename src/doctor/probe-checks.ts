/**
 * Netscope's own probes on this kernel: which tracepoints are typed in BTF, and whether the
 * real programs load and attach — the decisive check, since distribution kernels backport.
 */
import { existsSync } from 'node:fs';
import type { ProbeStatus } from '../model/snapshot-types.js';
import {
  hasTypedTracepoint,
  loadProbes,
  nativeAddonLoadError,
  probeDefinitions,
  type LoadedProbes,
  type ProbeDefinition,
} from '../probes/ebpf-probes.js';
import { bpfObjectPath } from '../probes/package-paths.js';
import { ProbeError } from '../probes/probe-error.js';
import { ExitCode } from '../errors.js';
import { fail, info, pass, passOptional, warn, type Check, type CheckResult } from './check-result.js';

/** Big enough for the kernel to accept, small enough not to matter; the doctor drains nothing. */
const doctorRingBufferBytes = 1 << 20;

/** `tp_btf` needs the tracepoint's `btf_trace_<name>` typedef in the kernel's BTF. */
export function tracepointResult(definition: ProbeDefinition, typedInBtf: boolean): CheckResult {
  const typedef = `btf_trace_${definition.tracepoint}`;
  if (typedInBtf) {
    const detail = `tp_btf (${typedef} is in BTF)`;
    return definition.required ? pass(detail) : passOptional(detail);
  }
  return warn(`raw_tp fallback: no ${typedef} in BTF (typed tracepoints need 5.5+, or the kernel lacks this one — see probes)`, null);
}

/** What the probes did when loaded: every one attached, optional ones down, or a required one down. */
export function probeLoadResult(
  statuses: readonly ProbeStatus[],
  definitions: readonly ProbeDefinition[] = probeDefinitions,
): CheckResult {
  const described = statuses.map((status) =>
    status.status === 'attached' ? status.name : `${status.name} ${status.status} (${status.reason ?? 'no reason given'})`,
  );
  const down = statuses.filter((status) => status.status !== 'attached');
  const requiredDown = down.find((status) => definitions.find((definition) => definition.name === status.name)?.required);
  if (requiredDown) {
    return fail(
      `required probe ${requiredDown.name} ${requiredDown.status}: ${requiredDown.reason ?? 'no reason given'}`,
      'run a kernel with this tracepoint (Linux 4.16+ has it)',
      ExitCode.unavailable,
    );
  }
  if (down.length > 0) return warn(`loaded, with optional probes down: ${described.join(', ')}; netscope runs without their events`, null);
  return pass(`all ${statuses.length} loaded, attached and released: ${described.join(', ')}`);
}

/** A ProbeError carries netscope's own verdict and fix; only 77 and 69 are pre-flight failures. */
export function probeErrorResult(error: ProbeError): CheckResult {
  const exitCode = error.exitCode === ExitCode.noPermission ? ExitCode.noPermission : ExitCode.unavailable;
  return fail(error.problem, error.fix, exitCode);
}

/** Which build product the load cannot do without is missing; the install checks report it. */
function missingBuildProduct(): string | null {
  if (nativeAddonLoadError() !== null) return 'the native addon does not load';
  return existsSync(bpfObjectPath) ? null : 'the BPF object is missing';
}

/** Loads the real probes and closes them at once; nothing stays in the kernel. */
function loadAndRelease(): CheckResult {
  const buildMissing = missingBuildProduct();
  if (buildMissing !== null) return info(`not tried: ${buildMissing} — see below`);
  let loaded: LoadedProbes;
  try {
    loaded = loadProbes({ ringBufferBytes: doctorRingBufferBytes });
  } catch (error) {
    if (error instanceof ProbeError) return probeErrorResult(error);
    throw error;
  }
  try {
    return probeLoadResult(loaded.statuses);
  } finally {
    loaded.object.close();
  }
}

/** One check per tracepoint, then the load itself, in the order the doctor shows them. */
export function probeChecks(): Check[] {
  const tracepoints = probeDefinitions.map(
    (definition): Check => ({
      name: `${definition.category}:${definition.tracepoint}`,
      run: () => {
        const loadError = nativeAddonLoadError();
        if (loadError !== null) return info('not checked: the native addon does not load — see native addon');
        return tracepointResult(definition, hasTypedTracepoint(definition.tracepoint));
      },
    }),
  );
  return [...tracepoints, { name: 'probes', run: loadAndRelease }];
}
