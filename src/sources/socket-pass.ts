/**
 * Once a tick, for either source: every TCP socket's counters through sock_diag in every
 * namespace netscope can enter (and with the UDP packet program, every UDP socket and flow), the
 * owners of sockets that have none yet, the containers of cgroups new to netscope, the sweep that
 * closes sockets no longer there, and the host gauges.
 */
import { TcpState, type ModelRecord } from '../model/records.js';
import type { ContainerResolver } from '../enrich/container-resolver.js';
import type { Enrichment } from '../enrich/enrichment.js';
import type { HostPaths } from '../probes/host-paths.js';
import type { KernelClock } from '../probes/kernel-clock.js';
import type { OwnerResolver, ResolveOptions } from '../enrich/owner-resolver.js';
import { SocketSampler } from '../probes/socket-sampler.js';
import { HostGauges } from './host-gauges.js';
import { SampledSockets, type NamespaceSockets } from './sampled-sockets.js';
import { ConntrackLookup, conntrackLoaded } from '../probes/conntrack-lookup.js';
import { NatPass } from './nat-pass.js';
import { natNamespaces } from './nat-namespaces.js';
import type { UdpFlowProbe } from '../probes/udp-flows.js';

/** New namespaces also show up in events; this catches those that have no TCP traffic yet. */
const NAMESPACE_REFRESH_TICKS = 5;
/**
 * A namespace with fewer TIME_WAIT sockets than this has them sampled every pass; one with more,
 * one pass in TIME_WAIT_PASS_TICKS. Churn leaves them by the hundred thousand (60 s each), none
 * of them ever changes, and decoding and folding them every tick cost most of a core.
 */
export const TIME_WAIT_EVERY_PASS_BELOW = 4_096;
export const TIME_WAIT_PASS_TICKS = 5;

/** Samples decoded between two looks at the kernel's ring buffer (a few tens of ms of work). */
const SAMPLES_BETWEEN_HOLDS = 8_192;

/** What the pass does with the kernel's events while it runs (see the constructor). */
export interface PassEvents {
  hold(): void;
  catchUp(): void;
}

interface TimeWaitSampling {
  sockets: NamespaceSockets;
  /** Passes since, without them. */
  passesSince: number;
  /** The first read of the pass that sampled them: every one of them is at least this late. */
  sampledAtMs: number;
}

export class SocketPass {
  private readonly sampler: SocketSampler;
  private readonly resolver: OwnerResolver;
  private readonly containers: ContainerResolver;
  private readonly gauges: HostGauges;
  /** Null where the host tracks no connections (no nf_conntrack): then nothing is asked. */
  private readonly nat: NatPass | null;
  private ticks = 0;
  private unknownNamespaceSeen = false;
  /** Per namespace, its TIME_WAIT sockets as last sampled (for the gauges of the passes between), and when. */
  private readonly timeWait = new Map<number, TimeWaitSampling>();
  /** The pass's other sockets, for the gauges: cleared each pass, their room kept (the TIME_WAIT parts outlive a pass: gathered anew). */
  private readonly sockets = new SampledSockets();

  /** @param clock the one the kernel's events are stamped by: the samples are stamped by it too (see SocketSampler). */
  constructor(
    paths: HostPaths,
    clock: KernelClock,
    enrichment: Enrichment,
    private readonly emit: (record: ModelRecord) => void,
    private readonly ownerLookup: ResolveOptions,
    /** The UDP packet program, whose flows are read after each pass; null when it is not loaded. */
    private readonly udpFlows: UdpFlowProbe | null = null,
    /**
     * The kernel's events during a pass: on a host with tens of thousands of sockets a pass takes
     * long enough for the ring buffer to fill under churn. `hold` takes them out of the ring
     * among the samples, `catchUp` moves them (and any held) into the model between the steps.
     */
    private readonly events: PassEvents = { hold: () => undefined, catchUp: () => undefined },
  ) {
    this.sampler = new SocketSampler(paths, clock, udpFlows !== null);
    this.resolver = enrichment.owners;
    this.containers = enrichment.containers;
    this.gauges = new HostGauges(paths);
    this.nat = conntrackLoaded(paths) ? new NatPass(new ConntrackLookup(), natNamespaces(paths), emit) : null;
    this.sampler.refreshNamespaces();
  }

  /** Sees every record on its way to the model (cheap, no I/O). */
  note(record: ModelRecord): void {
    this.resolver.note(record);
    // Samples reach the NAT pass in run(), for either source.
    if (record.kind !== 'sample') this.nat?.note(record);
    if (record.kind === 'owner') {
      this.containers.note(record.cgroupId, record.pid);
      this.gauges.noteSocketOwner(record.pid);
    }
    if (record.kind === 'udpFlow' && record.owner !== null) this.containers.note(record.owner.cgroupId, record.owner.pid);
    if (record.kind !== 'state') return;
    if (record.owner !== null) {
      this.containers.note(record.owner.cgroupId, record.owner.pid);
      this.gauges.noteSocketOwner(record.owner.pid);
    }
    if (!this.sampler.knows(record.endpoints.netns)) this.unknownNamespaceSeen = true;
  }

  /**
   * Samples, resolves owners and sweeps the sockets of the sampled namespaces that are gone:
   * missing from this pass (`missingOnce`, when no close event will come), or from this pass
   * and the previous one (`missingTwice`: the close event is normally on its way and carries
   * the exact time and final counters). A namespace sampled without its TIME_WAIT sockets is
   * not swept: their rows would look gone.
   */
  run(nowMs: number, sweep: 'missingOnce' | 'missingTwice'): void {
    if (this.unknownNamespaceSeen || this.ticks % NAMESPACE_REFRESH_TICKS === 0) {
      this.sampler.refreshNamespaces();
      this.unknownNamespaceSeen = false;
    }
    this.ticks++;
    // Each sample goes on as it is decoded, and only what the owners and the gauges need of it
    // stays until the pass is over (see SocketSampler.sampleEach).
    const owners = this.resolver.beginPass();
    const sockets = this.sockets;
    sockets.clear();
    const timeWaitSockets = new SampledSockets();
    const withTimeWait = new Set<number>();
    let sinceHold = 0;
    const pass = this.sampler.sampleEach((record) => {
      if (++sinceHold === SAMPLES_BETWEEN_HOLDS) {
        sinceHold = 0;
        this.events.hold();
      }
      this.nat?.note(record);
      this.emit(record);
      owners.see(record);
      (record.state === TcpState.TIME_WAIT ? timeWaitSockets : sockets).add(record);
    }, (netns) => {
      const sampling = this.timeWait.get(netns);
      const due = sampling === undefined || sampling.sockets.timeWait < TIME_WAIT_EVERY_PASS_BELOW || sampling.passesSince + 1 >= TIME_WAIT_PASS_TICKS;
      if (due) withTimeWait.add(netns);
      return due;
    });
    const previousAtMs = this.noteTimeWait(timeWaitSockets, withTimeWait, pass.firstReadAtMs);
    // After the last sample, never among them: an event drained mid-decode could close a
    // connection that a later sample, taken before the close, would then find open.
    this.events.catchUp();
    for (const record of pass.udpSockets) this.emit(record);
    if (this.udpFlows !== null) {
      const netnsByCookie = new Map(pass.udpSockets.map((socket) => [socket.cookie, socket.endpoints.netns]));
      const seen = { netnsByCookie, passStartedMonotonicMs: pass.startedMonotonicMs };
      for (const flow of this.udpFlows.read(seen, pass.sampledAtMs)) this.emit(flow);
      this.emit({ kind: 'udpRefused', atMs: pass.sampledAtMs, total: this.udpFlows.refusedFlows() });
    }
    for (const socket of pass.udpSockets) owners.see(socket);
    for (const owner of this.resolver.resolvePass(owners, nowMs, this.ownerLookup)) {
      this.containers.note(owner.cgroupId, owner.pid);
      this.gauges.noteSocketOwner(owner.pid);
      this.emit(owner);
    }
    this.resolveNewContainers(nowMs);
    this.events.catchUp();
    // Each namespace since its own previous pass with TIME_WAIT: one sweep per distinct time.
    const sweeps = new Map<number, number[]>();
    for (const netns of pass.netns) {
      if (!withTimeWait.has(netns)) continue;
      const sinceMs = sweep === 'missingOnce' ? pass.firstReadAtMs : previousAtMs.get(netns);
      if (sinceMs === undefined) continue;
      const group = sweeps.get(sinceMs);
      if (group === undefined) sweeps.set(sinceMs, [netns]);
      else group.push(netns);
    }
    for (const [sinceMs, netns] of sweeps) this.emit({ kind: 'sweep', atMs: pass.sampledAtMs, sinceMs, netns });
    for (const [netns, sampling] of this.timeWait) sockets.attachTimeWait(netns, sampling.sockets);
    this.emit(this.gauges.read(pass.sampledAtMs, sockets, this.sampler.namespaces(), pass.netns));
    this.nat?.run(nowMs);
  }

  /**
   * Keeps each namespace's TIME_WAIT sockets from the passes that sampled them, and forgets the
   * namespaces gone. Returns, for the namespaces sampled with them now, when they were before.
   */
  private noteTimeWait(sampled: SampledSockets, withTimeWait: ReadonlySet<number>, atMs: number): Map<number, number> {
    const previousAtMs = new Map<number, number>();
    for (const netns of this.timeWait.keys()) if (!this.sampler.knows(netns)) this.timeWait.delete(netns);
    for (const [netns, sampling] of this.timeWait) if (!withTimeWait.has(netns)) sampling.passesSince++;
    for (const netns of withTimeWait) {
      const before = this.timeWait.get(netns);
      if (before !== undefined) previousAtMs.set(netns, before.sampledAtMs);
      this.timeWait.set(netns, { sockets: sampled.in(netns), passesSince: 0, sampledAtMs: atMs });
    }
    return previousAtMs;
  }

  /**
   * Resolves the cgroups seen since the last call. The live source calls this after every
   * drain, not only at the tick: a short-lived container's cgroup and state files are gone
   * soon after its last task exits.
   */
  resolveNewContainers(nowMs: number): void {
    for (const container of this.containers.resolvePending(nowMs)) this.emit(container);
  }

  close(): void {
    this.sampler.close();
    this.nat?.close();
  }
}
