import type { Endpoints } from './records.js';

/** What the index needs to know about a connection to choose between sockets on one tuple. */
export interface TupleIndexed {
  readonly cookie: number;
  readonly netns: number;
  readonly isOpen: boolean;
}

/**
 * Key of a socket's tuple, local side first. The family is implied by the address text. The
 * network namespace is left out: a packet often carries none, so it only ranks the candidates.
 */
export function tupleKey(localAddress: string, localPort: number, remoteAddress: string, remotePort: number): string {
  // join writes one flat string. A template builds a chain of cons strings (~160 bytes) that
  // hashing does not flatten, and whose pieces (the address with its space, the port's text)
  // stayed in the heap beside the key even once the key was flattened: over half of the key's
  // memory, on every connection in the table.
  return [localAddress, localPort, remoteAddress, remotePort].join(' ');
}

export function endpointsKey(endpoints: Endpoints): string {
  return tupleKey(endpoints.saddr, endpoints.sport, endpoints.daddr, endpoints.dport);
}

/**
 * Finds connections by tuple, for the records that carry no socket cookie (stateless resets,
 * drops before the socket lookup). Several sockets can share a tuple over a capture (a closed
 * one and its successor, or the same addresses in different namespaces).
 */
export class TupleIndex<Connection extends TupleIndexed> {
  // Nearly every tuple has one socket: it is kept bare, and an array only when sockets share it.
  private readonly byKey = new Map<string, Connection | Connection[]>();

  /** A connection without a key (its local port unknown yet) is not indexed. */
  add(key: string | null, connection: Connection): void {
    if (key === null) return;
    const sharing = this.byKey.get(key);
    if (sharing === undefined) this.byKey.set(key, connection);
    else if (Array.isArray(sharing)) sharing.push(connection);
    else this.byKey.set(key, [sharing, connection]);
  }

  remove(key: string | null, connection: Connection): void {
    if (key === null) return;
    const sharing = this.byKey.get(key);
    if (sharing === undefined) return;
    if (!Array.isArray(sharing)) {
      if (sharing === connection) this.byKey.delete(key);
      return;
    }
    const index = sharing.indexOf(connection);
    if (index !== -1) sharing.splice(index, 1);
    if (sharing.length === 1) this.byKey.set(key, sharing[0] as Connection);
    else if (sharing.length === 0) this.byKey.delete(key);
  }

  /**
   * The best connection on the tuple: one in the given namespace first (when it is known, i.e.
   * not 0), then an open one over a closed one, then the newest.
   */
  find(key: string, netns: number): Connection | undefined {
    const sharing = this.byKey.get(key);
    if (sharing === undefined || !Array.isArray(sharing)) return sharing;
    let best: Connection | undefined;
    let bestRank = -1;
    for (const candidate of sharing) {
      const rank = (netns !== 0 && candidate.netns === netns ? 2 : 0) + (candidate.isOpen ? 1 : 0);
      if (rank > bestRank || (rank === bestRank && best !== undefined && candidate.cookie > best.cookie)) {
        best = candidate;
        bestRank = rank;
      }
    }
    return best;
  }
}
