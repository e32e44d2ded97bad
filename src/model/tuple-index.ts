import { IntegerMap } from './integer-map.js';

/** What the index needs of a connection: its tuple, local side first, and what ranks sockets that share it. */
export interface TupleIndexed {
  readonly cookie: number;
  readonly netns: number;
  readonly isOpen: boolean;
  readonly saddr: string;
  readonly sport: number;
  readonly daddr: string;
  readonly dport: number;
}

/** A hash of a tuple (local side first) that is a small integer. */
export type TupleHash = (localAddress: string, localPort: number, remoteAddress: string, remotePort: number) => number;

/**
 * Finds connections by tuple, for the records that carry no socket cookie (stateless resets,
 * drops before the socket lookup). Several sockets can share a tuple over a capture (a closed
 * one and its successor, or the same addresses in different namespaces). The network namespace
 * is not part of the tuple: a packet often carries none, so it only ranks the candidates.
 *
 * Keyed by a hash of the tuple, candidates under one hash compared whole: a string key per
 * connection (the tuple's text) was about 50 bytes held for every connection in the table, and
 * was built again at every change of the table under churn.
 */
export class TupleIndex<Connection extends TupleIndexed> {
  // Nearly every hash has one socket: it is kept bare, and an array only when sockets share it
  // (a tuple used again, or two tuples whose hashes collide).
  private readonly byHash = new IntegerMap<Connection | Connection[]>();

  constructor(private readonly hash: TupleHash = tupleHash) {}

  /**
   * A connection whose local port is not known yet is not indexed: no packet carries port 0, and
   * every connecting socket under one key made V8's Map keep each removed entry in that key's
   * bucket chain until the table next filled, and lookups walked thousands of them (a fifth of
   * netscope's CPU under connection churn).
   */
  add(connection: Connection): void {
    if (connection.sport === 0) return;
    const hash = this.hashOf(connection);
    const sharing = this.byHash.get(hash);
    if (sharing === undefined) this.byHash.set(hash, connection);
    else if (Array.isArray(sharing)) sharing.push(connection);
    else this.byHash.set(hash, [sharing, connection]);
  }

  /** Call before the connection's tuple changes, with the tuple it was added under. */
  remove(connection: Connection): void {
    if (connection.sport === 0) return;
    const hash = this.hashOf(connection);
    const sharing = this.byHash.get(hash);
    if (sharing === undefined) return;
    if (!Array.isArray(sharing)) {
      if (sharing === connection) this.byHash.delete(hash);
      return;
    }
    const index = sharing.indexOf(connection);
    if (index !== -1) sharing.splice(index, 1);
    if (sharing.length === 1) this.byHash.set(hash, sharing[0] as Connection);
    else if (sharing.length === 0) this.byHash.delete(hash);
  }

  /**
   * The best connection on the tuple: one in the given namespace first (when it is known, i.e.
   * not 0), then an open one over a closed one, then the newest.
   */
  find(localAddress: string, localPort: number, remoteAddress: string, remotePort: number, netns: number): Connection | undefined {
    const sharing = this.byHash.get(this.hash(localAddress, localPort, remoteAddress, remotePort));
    if (sharing === undefined) return undefined;
    if (!Array.isArray(sharing)) return hasTuple(sharing, localAddress, localPort, remoteAddress, remotePort) ? sharing : undefined;
    let best: Connection | undefined;
    let bestRank = -1;
    for (const candidate of sharing) {
      if (!hasTuple(candidate, localAddress, localPort, remoteAddress, remotePort)) continue;
      const rank = (netns !== 0 && candidate.netns === netns ? 2 : 0) + (candidate.isOpen ? 1 : 0);
      if (rank > bestRank || (rank === bestRank && best !== undefined && candidate.cookie > best.cookie)) {
        best = candidate;
        bestRank = rank;
      }
    }
    return best;
  }

  private hashOf(connection: Connection): number {
    return this.hash(connection.saddr, connection.sport, connection.daddr, connection.dport);
  }
}

function hasTuple(connection: TupleIndexed, localAddress: string, localPort: number, remoteAddress: string, remotePort: number): boolean {
  return connection.sport === localPort && connection.dport === remotePort && connection.saddr === localAddress && connection.daddr === remoteAddress;
}

/**
 * Both ports and each address's last four characters (where addresses of one host's peers
 * differ: an IPv4 address's last octet, an IPv6 address's last group) and length, mixed into 30
 * bits: a small integer, never a boxed number.
 */
export const tupleHash: TupleHash = (localAddress, localPort, remoteAddress, remotePort) => {
  let hash = Math.imul(localPort, 0x9e3779b1) ^ Math.imul(remotePort + 1, 0x85ebca6b);
  hash = mixAddress(hash, localAddress);
  hash = mixAddress(hash, remoteAddress);
  return (hash ^ (hash >>> 15)) & 0x3fffffff;
};

function mixAddress(hash: number, address: string): number {
  let mixed = hash ^ address.length;
  for (let index = Math.max(0, address.length - 4); index < address.length; index++) mixed = Math.imul(mixed ^ address.charCodeAt(index), 0x01000193);
  return mixed;
}
