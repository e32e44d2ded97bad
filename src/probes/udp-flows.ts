/**
 * The UDP packet program (bpf/udp_flows.bpf.c): loads it, attaches it to the root cgroup v2 in
 * both directions through bpf_links (they die with netscope), and each tick reads its flow map,
 * decodes the flows whose counters moved, and removes the flows of sockets that are gone once
 * their last counters are read. Keep the layouts aligned with bpf/udp_flows.h
 * (test/probes/record-layout.test.ts checks them against the object's BTF).
 */
import type { Endpoints, UdpFlowRecord } from '../model/records.js';
import { formatAddress } from './ip-address.js';
import type { KernelClock } from './kernel-clock.js';
import { nativeAddon, type BpfObjectHandle } from './native.js';
import { udpFlowsBefore62ObjectPath, udpFlowsObjectPath } from './package-paths.js';
import { readU64 } from './record-fields.js';
import { TaskOwnerCache } from './task-owner-cache.js';

/** Byte offsets of `struct udp_flow_key`. */
export const udpFlowKeyLayout = {
  size: 32,
  sock_cookie: 0,
  peer_addr: 8,
  peer_port: 24,
  family: 26,
} as const;

/** Byte offsets of `struct udp_flow_counters`. */
export const udpFlowCountersLayout = {
  size: 104,
  bytes_sent: 0,
  bytes_received: 8,
  packets_sent: 16,
  packets_received: 24,
  first_ns: 32,
  last_ns: 40,
  cgroup_id: 48,
  pid: 56,
  uid: 60,
  local_addr: 64,
  local_port: 80,
  connected: 82,
  owner_known: 83,
  comm: 84,
  netns_ino: 100,
} as const;

/** The programs, named so `bpftool prog` shows whose they are (the kernel keeps 15 characters). */
export const udpFlowPrograms = ['netscope_udp_rx', 'netscope_udp_tx'] as const;

const K = udpFlowKeyLayout;
const V = udpFlowCountersLayout;
const ENTRY_BYTES = K.size + V.size;
const AF_INET = 2;
const INITIAL_ENTRIES = 1024;
const GROWTH_FACTOR = 1.5;

/** What the sockets sampled this tick say about the flows' sockets. */
export interface UdpSocketsSeen {
  /** Cookie → network namespace inode of every UDP socket the pass saw. */
  netnsByCookie: ReadonlyMap<number, number>;
  /** When the pass began, CLOCK_MONOTONIC ms: a flow active since may belong to a socket born after it. */
  passStartedMonotonicMs: number;
}

/** The object at `objectPath` loaded and attached both ways, or why not. */
function attachedObject(objectPath: string, cgroupV2Root: string): BpfObjectHandle | Error {
  let object: BpfObjectHandle | null = null;
  try {
    object = new (nativeAddon().BpfObject)(objectPath);
    object.load();
    for (const program of udpFlowPrograms) object.attachCgroup(program, cgroupV2Root);
    return object;
  } catch (error) {
    object?.close();
    return error instanceof Error ? error : new Error(String(error));
  }
}

export class UdpFlowProbe {
  private readonly object: BpfObjectHandle;
  private buffer = Buffer.alloc(INITIAL_ENTRIES * ENTRY_BYTES);
  /** Flow (key bytes as hex) → its last_ns at the previous read: unchanged flows are not handed on again. */
  private readonly lastSeenNs = new Map<string, number>();

  /** The object that loaded: the first of `objectPaths` the kernel accepted. */
  readonly objectPath: string;

  /** A flow's owner, by its offsets in a map entry (its value follows its key). */
  private readonly owners: TaskOwnerCache;

  /**
   * Loads and attaches the first object of `objectPaths` the kernel accepts — by default the
   * full program, then the one built for kernels before 6.2; throws the first object's error
   * (the caller decides what it means) when none loads. `shownName` is the sanitiser a flow's
   * task name passes as it is decoded (a task names itself).
   */
  constructor(
    cgroupV2Root: string,
    private readonly clock: KernelClock,
    shownName: (comm: string) => string,
    objectPaths: readonly string[] = [udpFlowsObjectPath, udpFlowsBefore62ObjectPath],
  ) {
    this.owners = new TaskOwnerCache({ pid: K.size + V.pid, uid: K.size + V.uid, cgroup_id: K.size + V.cgroup_id, comm: K.size + V.comm }, shownName);
    let firstError: unknown = null;
    for (const objectPath of objectPaths) {
      const attached = attachedObject(objectPath, cgroupV2Root);
      if (attached instanceof Error) firstError ??= attached;
      else {
        this.object = attached;
        this.objectPath = objectPath;
        return;
      }
    }
    throw firstError;
  }

  /**
   * The flows whose counters moved since the last read, and, once, those of sockets the pass no
   * longer saw (removed from the map after this read).
   */
  read(seen: UdpSocketsSeen, atMs: number): UdpFlowRecord[] {
    let result = this.object.dumpMap('udp_flows', this.buffer);
    if (result.needed > result.count) {
      this.buffer = Buffer.alloc(Math.ceil(result.needed * GROWTH_FACTOR) * ENTRY_BYTES);
      result = this.object.dumpMap('udp_flows', this.buffer);
    }
    const records: UdpFlowRecord[] = [];
    const gone: Buffer[] = [];
    const present = new Set<string>();
    const view = new DataView(this.buffer.buffer, this.buffer.byteOffset, result.count * ENTRY_BYTES);
    for (let index = 0; index < result.count; index++) {
      const base = index * ENTRY_BYTES;
      const keyBytes = this.buffer.subarray(base, base + K.size);
      const flow = keyBytes.toString('hex');
      present.add(flow);
      const cookie = readU64(view, base + K.sock_cookie);
      const lastNs = readU64(view, base + K.size + V.last_ns);
      const netns = seen.netnsByCookie.get(cookie);
      // A socket born after the pass began is not in it, but then neither is any flow older than the pass.
      const socketClosed = netns === undefined && lastNs / 1e6 < seen.passStartedMonotonicMs;
      if (socketClosed) gone.push(Buffer.from(keyBytes));
      if (!socketClosed && this.lastSeenNs.get(flow) === lastNs) continue;
      this.lastSeenNs.set(flow, lastNs);
      // The program read the namespace at the flow's first datagram: a socket born since the pass began has one too.
      records.push(this.decode(view, base, cookie, netns ?? view.getUint32(base + K.size + V.netns_ino, true), socketClosed, atMs));
    }
    for (const flow of this.lastSeenNs.keys()) if (!present.has(flow)) this.lastSeenNs.delete(flow);
    if (gone.length > 0) {
      this.object.deleteMapKeys('udp_flows', Buffer.concat(gone), gone.length);
      for (const key of gone) this.lastSeenNs.delete(key.toString('hex'));
    }
    return records;
  }

  /** Flows never counted because the map was full, since load. */
  refusedFlows(): number {
    return this.object.perCpuTotal('udp_flows_refused');
  }

  /** Detaches both programs and frees the map; safe to call twice. */
  close(): void {
    this.object.close();
  }

  private decode(view: DataView, base: number, cookie: number, netns: number, socketClosed: boolean, atMs: number): UdpFlowRecord {
    const familyNumber = view.getUint8(base + K.family);
    const values = base + K.size;
    const bytes = this.buffer;
    const endpoints: Endpoints = {
      family: familyNumber === AF_INET ? 'ipv4' : 'ipv6',
      saddr: formatAddress(bytes, values + V.local_addr, familyNumber),
      sport: view.getUint16(values + V.local_port, true),
      daddr: formatAddress(bytes, base + K.peer_addr, familyNumber),
      dport: view.getUint16(base + K.peer_port, true),
      netns,
    };
    return {
      kind: 'udpFlow',
      atMs,
      cookie,
      endpoints,
      connected: view.getUint8(values + V.connected) !== 0,
      owner: view.getUint8(values + V.owner_known) ? this.owners.decode(bytes, view, base) : null,
      counters: {
        bytesSent: readU64(view, values + V.bytes_sent),
        bytesReceived: readU64(view, values + V.bytes_received),
        packetsSent: readU64(view, values + V.packets_sent),
        packetsReceived: readU64(view, values + V.packets_received),
        firstPacketAtMs: this.clock.toWallMs(readU64(view, values + V.first_ns) / 1e6),
        lastPacketAtMs: this.clock.toWallMs(readU64(view, values + V.last_ns) / 1e6),
      },
      socketClosed,
    };
  }
}
