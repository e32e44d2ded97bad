/**
 * What the host gauges need of one sampling pass, gathered sample by sample per network
 * namespace: the TIME_WAIT and CLOSE_WAIT counts, the listening ports, and each other socket's
 * local port and destination (three numbers and a shared address string, not the sample).
 */
import type { SocketSampleRecord } from '../model/records.js';
import { TcpState } from '../model/records.js';

/** One namespace's sockets as the gauges count them. */
export class NamespaceSockets {
  timeWait = 0;
  closeWait = 0;
  readonly listeningPorts = new Set<number>();
  /** The sockets that are not listening and have a destination, as three parallel columns. */
  readonly localPorts: number[] = [];
  readonly destinationAddresses: string[] = [];
  readonly destinationPorts: number[] = [];
  /** The namespace's TIME_WAIT sockets when they were sampled apart; the same object across the passes that did not sample them. */
  timeWaitPart: NamespaceSockets | null = null;

  add(sample: SocketSampleRecord): void {
    if (sample.state === TcpState.TIME_WAIT) this.timeWait++;
    else if (sample.state === TcpState.CLOSE_WAIT) this.closeWait++;
    const { sport, daddr, dport } = sample.endpoints;
    if (sample.state === TcpState.LISTEN) {
      this.listeningPorts.add(sport);
      return;
    }
    if (dport === 0) return;
    this.localPorts.push(sport);
    this.destinationAddresses.push(daddr);
    this.destinationPorts.push(dport);
  }
}

/** A pass's sockets, by namespace. */
export class SampledSockets {
  private readonly byNetns = new Map<number, NamespaceSockets>();

  static of(samples: Iterable<SocketSampleRecord>): SampledSockets {
    const sockets = new SampledSockets();
    for (const sample of samples) sockets.add(sample);
    return sockets;
  }

  add(sample: SocketSampleRecord): void {
    let namespace = this.byNetns.get(sample.endpoints.netns);
    if (namespace === undefined) this.byNetns.set(sample.endpoints.netns, (namespace = new NamespaceSockets()));
    namespace.add(sample);
  }

  /** Gives `netns` its TIME_WAIT sockets, sampled apart (and less often: see SocketPass). */
  attachTimeWait(netns: number, part: NamespaceSockets): void {
    let namespace = this.byNetns.get(netns);
    if (namespace === undefined) this.byNetns.set(netns, (namespace = new NamespaceSockets()));
    namespace.timeWaitPart = part;
  }

  /** The namespace's sockets; an empty set when the pass saw none there. */
  in(netns: number): NamespaceSockets {
    return this.byNetns.get(netns) ?? new NamespaceSockets();
  }
}
