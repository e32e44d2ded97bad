/**
 * The live eBPF source: kernel events drained from the ring buffer every few milliseconds,
 * and once a tick the sockets' own counters sampled, owners resolved and loss reported — all
 * handed on as the model's typed records.
 */
import type { ModelRecord } from '../model/records.js';
import type { ProbeStatus } from '../model/snapshot-types.js';
import { loadProbes, type ProbeDefinition } from './ebpf-probes.js';
import type { HostPaths } from './host-paths.js';
import { systemKernelClock } from './kernel-clock.js';
import type { BpfObjectHandle } from './native.js';
import { OwnerResolver } from './owner-resolver.js';
import { kernelDropReasons, kernelResetReasons } from './reason-names.js';
import { SocketSampler } from './socket-sampler.js';
import { tcpEventDecoder, tcpEventLayout, type TcpEventDecoder } from './tcp-events.js';

export interface LiveSourceOptions {
  /** Ring buffer size in bytes (power of two). */
  ringBufferBytes: number;
  /** How often the ring buffer is drained between ticks, ms. */
  drainIntervalMs: number;
  paths: HostPaths;
  /** Probes to load (default: all of bpf/tcp_events.bpf.c). */
  definitions?: readonly ProbeDefinition[];
}

const DRAIN_BATCH_RECORDS = 4096;
/** New namespaces also show up in events; this catches those that have no TCP traffic yet. */
const NAMESPACE_REFRESH_TICKS = 5;

export class LiveSource {
  readonly kind = 'ebpf' as const;
  readonly probes: ProbeStatus[];
  private readonly object: BpfObjectHandle;
  private readonly decoder: TcpEventDecoder;
  private readonly sampler: SocketSampler;
  private readonly resolver: OwnerResolver;
  private readonly batch = Buffer.alloc(DRAIN_BATCH_RECORDS * tcpEventLayout.size);
  private readonly drainTimer: NodeJS.Timeout;
  private readonly emit: (record: ModelRecord) => void;
  private ticks = 0;
  private unknownNamespaceSeen = false;
  private previousPassStartMs: number | null = null;
  private stopped = false;

  constructor(options: LiveSourceOptions, sink: (record: ModelRecord) => void) {
    const loaded = loadProbes({ ringBufferBytes: options.ringBufferBytes, definitions: options.definitions });
    this.object = loaded.object;
    this.probes = loaded.statuses;
    this.decoder = tcpEventDecoder(systemKernelClock(), kernelDropReasons(), kernelResetReasons());
    this.sampler = new SocketSampler(options.paths);
    this.resolver = new OwnerResolver(options.paths);
    this.emit = (record) => {
      this.resolver.note(record);
      if (record.kind === 'state' && !this.sampler.knows(record.endpoints.netns)) this.unknownNamespaceSeen = true;
      sink(record);
    };
    this.sampler.refreshNamespaces();
    this.drainTimer = setInterval(() => this.drain(), options.drainIntervalMs);
  }

  /** Moves everything the kernel has queued into the model. */
  drain(): void {
    if (this.stopped) return;
    let count: number;
    do {
      count = this.object.drain(this.batch);
      this.decoder.decode(this.batch, count, this.emit);
    } while (count === DRAIN_BATCH_RECORDS);
  }

  /** Once a tick, before the model folds it: counters, owners, vanished sockets, loss. */
  collect(nowMs: number): void {
    if (this.stopped) return;
    this.drain();
    if (this.unknownNamespaceSeen || this.ticks % NAMESPACE_REFRESH_TICKS === 0) {
      this.sampler.refreshNamespaces();
      this.unknownNamespaceSeen = false;
    }
    this.ticks++;
    const pass = this.sampler.sample(nowMs);
    for (const record of pass.records) this.emit(record);
    for (const owner of this.resolver.resolve(pass.records, nowMs)) this.emit(owner);
    // A socket must be missing from two passes in a row: its close event is normally on the
    // way, and carries the exact time and final counters.
    if (this.previousPassStartMs !== null) {
      this.emit({ kind: 'sweep', atMs: nowMs, sinceMs: this.previousPassStartMs, netns: pass.netns });
    }
    this.previousPassStartMs = nowMs;
    this.emit({ kind: 'lost', atMs: nowMs, total: this.object.lostEvents() });
  }

  /** Detaches every program and frees the kernel objects; safe to call twice. */
  stop(): void {
    if (this.stopped) return;
    this.drain();
    this.stopped = true;
    clearInterval(this.drainTimer);
    this.sampler.close();
    this.object.close();
  }
}
