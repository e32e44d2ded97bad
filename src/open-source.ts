/**
 * Chooses the capture's source: the live eBPF probes, or — when this user may not load them —
 * the degraded sock_diag + /proc source, with a one-line notice saying what is missing and how
 * to get it. Other failures (no BTF, a required tracepoint missing) still end netscope.
 */
import type { CaptureSource } from './capture.js';
import type { ModelRecord } from './model/records.js';
import { hostPaths } from './probes/host-paths.js';
import { LiveSource } from './probes/live-source.js';
import { ExitCode, ProbeError } from './probes/probe-error.js';
import { ProcfsSource } from './probes/procfs-source.js';

const DRAIN_INTERVAL_MS = 20;

export function openCaptureSource(
  options: { ringBufferBytes: number; showSecrets: boolean; hostRoot: string },
  sink: (record: ModelRecord) => void,
): CaptureSource {
  const paths = hostPaths(options.hostRoot);
  try {
    return new LiveSource(
      { ringBufferBytes: options.ringBufferBytes, drainIntervalMs: DRAIN_INTERVAL_MS, paths, showSecrets: options.showSecrets },
      sink,
    );
  } catch (error) {
    if (!(error instanceof ProbeError) || error.exitCode !== ExitCode.noPermission) throw error;
    const missing = error.problem.replace(/^cannot load eBPF probes: /, '');
    const notice =
      `netscope: running without eBPF (${missing}): no retransmit, reset or drop events, no connections ` +
      `shorter than a tick, owners only of your own processes — for everything: ${error.fix}`;
    return new ProcfsSource({ paths, showSecrets: options.showSecrets }, `eBPF off: ${missing}`, notice, sink);
  }
}
