import type { AddressPort, OwnerRecord, UdpFlowRecord, UdpSocketRecord } from './records.js';
import type { UdpFlowEntry } from './udp-flow-entry.js';

/**
 * Flow ids of unconnected sockets' peers start past every socket cookie (a per-boot counter
 * from 1 that no host brings near 2^52), so a flow id and a cookie never collide, and the ids
 * stay exact doubles up to 2^53.
 */
export const FIRST_PEER_FLOW_ID = 2 ** 52;

/**
 * The UDP flows by what identifies them — socket cookie, peer address and port — and what the
 * model learnt about their sockets before or after the flow appeared: the last sample and the
 * owner /proc named.
 */
export class UdpFlowIndex {
  private readonly byFlow = new Map<string, UdpFlowEntry>();
  private readonly bySocket = new Map<number, Set<UdpFlowEntry>>();
  private readonly samples = new Map<number, UdpSocketRecord>();
  private readonly owners = new Map<number, OwnerRecord>();
  private nextPeerFlowId = FIRST_PEER_FLOW_ID;

  find(record: UdpFlowRecord): UdpFlowEntry | undefined {
    return this.byFlow.get(flowKey(record.cookie, record.endpoints.daddr, record.endpoints.dport));
  }

  /** The flow of socket `cookie` with `peer`, as a NAT record names it. */
  findPeer(cookie: number, peer: AddressPort): UdpFlowEntry | undefined {
    return this.byFlow.get(flowKey(cookie, peer.address, peer.port));
  }

  /** The id a new flow takes: its socket's cookie when connected (one flow), a fresh one per peer otherwise. */
  idFor(record: UdpFlowRecord): number {
    return record.connected ? record.cookie : this.nextPeerFlowId++;
  }

  add(flow: UdpFlowEntry): void {
    this.byFlow.set(flowKey(flow.socketCookie, flow.daddr, flow.dport), flow);
    let flows = this.bySocket.get(flow.socketCookie);
    if (flows === undefined) this.bySocket.set(flow.socketCookie, (flows = new Set()));
    flows.add(flow);
  }

  remove(flow: UdpFlowEntry): void {
    this.byFlow.delete(flowKey(flow.socketCookie, flow.daddr, flow.dport));
    const flows = this.bySocket.get(flow.socketCookie);
    flows?.delete(flow);
    if (flows?.size === 0) {
      this.bySocket.delete(flow.socketCookie);
      this.samples.delete(flow.socketCookie);
      this.owners.delete(flow.socketCookie);
    }
  }

  all(): IterableIterator<UdpFlowEntry> {
    return this.byFlow.values();
  }

  flowsOf(cookie: number): ReadonlySet<UdpFlowEntry> {
    return this.bySocket.get(cookie) ?? EMPTY;
  }

  /** Kept while the socket has flows, or until the socket's next sample replaces it. */
  noteSample(sample: UdpSocketRecord): void {
    this.samples.set(sample.cookie, sample);
  }

  sampleOf(cookie: number): UdpSocketRecord | undefined {
    return this.samples.get(cookie);
  }

  /** Remembers a UDP socket's owner for the flows it has and will have; false when the cookie is no UDP socket seen. */
  noteOwner(record: OwnerRecord): boolean {
    if (!this.samples.has(record.cookie) && !this.bySocket.has(record.cookie)) return false;
    this.owners.set(record.cookie, record);
    return true;
  }

  ownerOf(cookie: number): OwnerRecord | undefined {
    return this.owners.get(cookie);
  }

  /** Forgets the samples of sockets that have no flow and were not sampled since `sinceMs`. */
  pruneSamples(sinceMs: number): void {
    for (const [cookie, sample] of this.samples) {
      if (sample.atMs < sinceMs && !this.bySocket.has(cookie)) {
        this.samples.delete(cookie);
        this.owners.delete(cookie);
      }
    }
  }
}

const EMPTY: ReadonlySet<UdpFlowEntry> = new Set();

function flowKey(cookie: number, peerAddress: string, peerPort: number): string {
  return `${cookie}|${peerAddress}|${peerPort}`;
}
