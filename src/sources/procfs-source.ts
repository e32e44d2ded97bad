/**
 * The degraded source, for when eBPF is not allowed (no CAP_BPF/CAP_PERFMON, lockdown): every
 * TCP socket's own counters through sock_diag and owners from /proc, each tick. It sees
 * connections, states, bytes, RTT and retransmit counts — not the individual retransmits,
 * resets and drops, not connections that live and die within one tick, and owners only where
 * /proc lets this user look.
 */
import type { ModelRecord } from '../model/records.js';
import type { ProbeStatus } from '../model/snapshot-types.js';
import { probeDefinitions } from '../probes/ebpf-probes.js';
import type { Enrichment } from '../enrich/enrichment.js';
import type { HostPaths } from '../probes/host-paths.js';
import { systemKernelClock } from '../probes/kernel-clock.js';
import { SocketPass } from './socket-pass.js';

export class ProcfsSource {
  readonly kind = 'procfs' as const;
  readonly probes: ProbeStatus[];
  private readonly sockets: SocketPass;
  private stopped = false;

  /**
   * @param reason why eBPF is off, shown for every probe.
   * @param degradedNotice the line for stderr: what is missing and how to get it.
   */
  constructor(
    options: { paths: HostPaths; enrichment: Enrichment },
    reason: string,
    readonly degradedNotice: string,
    sink: (record: ModelRecord) => void,
  ) {
    this.probes = probeDefinitions.map((definition) => ({ name: definition.name, status: 'off' as const, reason }));
    this.sockets = new SocketPass(options.paths, systemKernelClock(), options.enrichment, sink, { eventsNameOwners: false });
  }

  /** Without close events, a socket missing from this pass is gone now. */
  collect(nowMs: number): void {
    if (this.stopped) return;
    this.sockets.run(nowMs, 'missingOnce');
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.sockets.close();
  }
}
