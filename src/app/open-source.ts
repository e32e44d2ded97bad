/**
 * Chooses the capture's source: the live eBPF probes, or — when this user may not load them —
 * the degraded sock_diag + /proc source, with a one-line notice saying what is missing and how
 * to get it. Other failures (no BTF, a required tracepoint missing) still end netscope.
 */
import { openEnrichment } from '../enrich/enrichment.js';
import type { CaptureSource } from '../model/capture-contracts.js';
import type { ModelRecord } from '../model/records.js';
import { hostPaths } from '../probes/host-paths.js';
import { LiveSource } from '../sources/live-source.js';
import { ProbeError } from '../probes/probe-error.js';
import { ExitCode } from '../errors.js';
import { ProcfsSource } from '../sources/procfs-source.js';

const DRAIN_INTERVAL_MS = 20;

export function openCaptureSource(
  options: { ringBufferBytes: number; showSecrets: boolean; hostRoot: string },
  sink: (record: ModelRecord) => void,
): CaptureSource {
  const paths = hostPaths(options.hostRoot);
  const enrichment = openEnrichment({ paths, showSecrets: options.showSecrets }, Date.now());
  try {
    return new LiveSource({ ringBufferBytes: options.ringBufferBytes, drainIntervalMs: DRAIN_INTERVAL_MS, paths, enrichment }, sink);
  } catch (error) {
    if (!(error instanceof ProbeError) || error.exitCode !== ExitCode.noPermission) throw error;
    const missing = error.problem.replace(/^cannot load eBPF probes: /, '');
    const notice =
      `netscope: running without eBPF (${missing}): no retransmit, reset or drop events, no connections ` +
      `shorter than a tick, owners only of your own processes — for everything: ${error.fix}`;
    return new ProcfsSource({ paths, enrichment }, `eBPF off: ${missing}`, notice, sink);
  }
}
