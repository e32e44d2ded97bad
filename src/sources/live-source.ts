/**
 * The live eBPF source: kernel events drained from the ring buffer every few milliseconds,
 * and once a tick the sockets' own counters sampled, owners resolved and loss reported — all
 * handed on as the model's typed records.
 */
import type { ModelRecord } from '../model/records.js';
import type { ProbeStatus } from '../model/snapshot-types.js';
import { loadProbes, type ProbeDefinition } from '../probes/ebpf-probes.js';
import type { Enrichment } from '../enrich/enrichment.js';
import { escapeUntrustedText } from '../enrich/untrusted-text.js';
import type { HostPaths } from '../probes/host-paths.js';
import { systemKernelClock, type KernelClock } from '../probes/kernel-clock.js';
import type { BpfObjectHandle } from '../probes/native.js';
import { kernelDropReasons, kernelResetReasons } from '../probes/reason-names.js';
import { DnsAnswerSource } from './dns-answer-source.js';
import { HostsNames } from './hosts-names.js';
import { SocketPass } from './socket-pass.js';
import { tcpEventDecoder, tcpEventLayout, type TcpEventDecoder } from '../probes/tcp-events.js';
import { UdpFlowProbe } from '../probes/udp-flows.js';
import { udpFlowsObjectPath } from '../probes/package-paths.js';
import { cgroupV2Mount } from '../probes/host-paths.js';
import { isNativeError } from '../probes/native.js';

export interface LiveSourceOptions {
  /** Ring buffer size in bytes (power of two). */
  ringBufferBytes: number;
  /** How often the ring buffer is drained between ticks, ms. */
  drainIntervalMs: number;
  paths: HostPaths;
  enrichment: Enrichment;
  /** Probes to load (default: all of bpf/tcp_events.bpf.c). */
  definitions?: readonly ProbeDefinition[];
  /** Count UDP flows with the packet program (bpf/udp_flows.bpf.c). Default true. */
  udpFlows?: boolean;
  /** Capture DNS answers to name peers (bpf/dns_answers.bpf.c). Default true. */
  peerNames?: boolean;
}

/** The status line of the UDP packet program, beside the tracepoints'. */
const UDP_FLOWS_PROBE = 'udp_flows';

const DRAIN_BATCH_RECORDS = 4096;

export class LiveSource {
  readonly kind = 'ebpf' as const;
  readonly degradedNotice = null;
  readonly probes: ProbeStatus[];
  private readonly object: BpfObjectHandle;
  private readonly decoder: TcpEventDecoder;
  private readonly sockets: SocketPass;
  private readonly udpFlows: UdpFlowProbe | null;
  private readonly dnsAnswers: DnsAnswerSource | null;
  private readonly hostsNames: HostsNames | null;
  private readonly batch = Buffer.alloc(DRAIN_BATCH_RECORDS * tcpEventLayout.size);
  /** Events taken from the kernel during a sampling pass, not yet decoded: see holdEvents. */
  private held: { records: Buffer; count: number }[] = [];
  private readonly drainTimer: NodeJS.Timeout;
  private readonly emit: (record: ModelRecord) => void;
  private stopped = false;

  constructor(options: LiveSourceOptions, sink: (record: ModelRecord) => void) {
    // Read from the kernel's BTF before the probes load, which releases it (see loadProbes).
    const dropReasons = kernelDropReasons();
    const resetReasons = kernelResetReasons();
    const loaded = loadProbes({ ringBufferBytes: options.ringBufferBytes, definitions: options.definitions });
    this.object = loaded.object;
    const clock = systemKernelClock();
    const udp = options.udpFlows === false ? null : loadUdpFlows(cgroupV2Mount(options.paths), clock);
    this.udpFlows = udp?.probe ?? null;
    // The kernel's task name is the process's own text: it passes the sanitiser as an owner is
    // decoded, before anything sees it (one owner object is shared by a task's records).
    this.decoder = tcpEventDecoder(clock, dropReasons, resetReasons, escapeUntrustedText);
    this.emit = (record) => {
      this.sockets.note(record);
      sink(record);
      if (record.kind === 'owner' && record.cookie !== 0) this.hostsNames?.noteOwner(record.pid, record.cgroupId, record.atMs);
      else if (record.kind === 'state' && record.owner !== null) this.hostsNames?.noteOwner(record.owner.pid, record.owner.cgroupId, record.atMs);
    };
    this.sockets = new SocketPass(options.paths, clock, options.enrichment, this.emit, { eventsNameOwners: true }, this.udpFlows, {
      catchUp: () => this.drain(),
      hold: () => this.holdEvents(),
    });
    this.dnsAnswers = options.peerNames === false ? null : new DnsAnswerSource(options.paths, clock, sink);
    this.hostsNames = options.peerNames === false ? null : new HostsNames(options.paths.proc, sink);
    this.probes = [...loaded.statuses, ...(udp === null ? [] : [udp.status]), ...(this.dnsAnswers === null ? [] : [this.dnsAnswers.status])];
    this.drainTimer = setInterval(() => this.drain(), options.drainIntervalMs);
  }

  /** Moves everything the kernel has queued (and what a pass held) into the model. */
  drain(): void {
    if (this.stopped) return;
    let count: number;
    let drained = 0;
    for (const { records, count: heldCount } of this.held) {
      this.decoder.decode(records, heldCount, this.emit);
      drained += heldCount;
    }
    this.held = [];
    do {
      count = this.object.drain(this.batch);
      this.decoder.decode(this.batch, count, this.emit);
      drained += count;
    } while (count === DRAIN_BATCH_RECORDS);
    this.dnsAnswers?.drain();
    if (drained > 0) this.sockets.resolveNewContainers(Date.now());
  }

  /**
   * Takes what the kernel has queued out of its ring buffer without decoding it: a sampling pass
   * over a churning host's sockets can outlast the ring, and its records cannot go to the model
   * among the samples (an event could close a connection a later sample, taken before it, would
   * find open). They are decoded at the next drain, in their order.
   */
  private holdEvents(): void {
    if (this.stopped) return;
    let count: number;
    do {
      count = this.object.drain(this.batch);
      if (count > 0) this.held.push({ records: Buffer.from(this.batch.subarray(0, count * tcpEventLayout.size)), count });
    } while (count === DRAIN_BATCH_RECORDS);
  }

  /** Once a tick, before the model folds it: counters, owners, vanished sockets, loss. */
  collect(nowMs: number): void {
    if (this.stopped) return;
    this.drain();
    this.sockets.run(nowMs, 'missingTwice');
    // Answers the DNS capture could not queue count as lost events too: both are ring buffers that overflowed.
    this.emit({ kind: 'lost', atMs: nowMs, total: this.object.lostEvents() + (this.dnsAnswers?.lostAnswers() ?? 0) });
  }

  /** Detaches every program and frees the kernel objects; safe to call twice. */
  stop(): void {
    if (this.stopped) return;
    this.drain();
    this.stopped = true;
    clearInterval(this.drainTimer);
    this.sockets.close();
    this.udpFlows?.close();
    this.dnsAnswers?.stop();
    this.object.close();
  }
}

/** The UDP packet program, or why it is off: its failure leaves the TCP probes running. */
function loadUdpFlows(cgroupV2Root: string, clock: KernelClock): { probe: UdpFlowProbe | null; status: ProbeStatus } {
  try {
    const probe = new UdpFlowProbe(cgroupV2Root, clock, escapeUntrustedText);
    // Attached either way; the older build is named, since it keys a DNAT'd send differently.
    const reason = probe.objectPath === udpFlowsObjectPath ? null : 'the build for kernels before 6.2 (no bpf_cast_to_kern_ctx): a send DNAT rewrote counts on its real destination';
    return { probe, status: { name: UDP_FLOWS_PROBE, status: 'attached', reason } };
  } catch (error) {
    const reason = isNativeError(error) && error.code === 'ENOENT'
      ? `no cgroup v2 hierarchy at ${cgroupV2Root} to attach the UDP packet program to (${error.operation})`
      : `the UDP packet program did not attach: ${error instanceof Error ? error.message : String(error)}`;
    return { probe: null, status: { name: UDP_FLOWS_PROBE, status: 'failed', reason } };
  }
}
