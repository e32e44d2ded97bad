/**
 * Names for remote addresses, per network namespace: from DNS answers local sockets received
 * and from processes' hosts files. Bounded (the oldest insertion goes first, and is counted),
 * and TTL-aware: an answer stays usable for its TTL plus a grace, since applications keep
 * using an address well past the TTL (connection pools, JVM caches).
 */
import type { PeerNameRecord } from './records.js';
import type { PeerName } from './snapshot-types.js';

/** Memory bound and staleness of the name table. */
export interface PeerNameOptions {
  /** Most (namespace, address, cgroup) names kept. Default 50_000. */
  maxEntries: number;
  /** How long past its TTL an answer still names its address, ms. Default 600_000. */
  expiredGraceMs: number;
}

export const defaultPeerNameOptions: Readonly<PeerNameOptions> = { maxEntries: 50_000, expiredGraceMs: 600_000 };

interface NameEntry extends PeerName {
  /** When the name stops naming its address, ms since the epoch; Infinity for a hosts file line. */
  usableUntilMs: number;
  cgroupId: number;
}

export class PeerNameTable {
  private readonly options: PeerNameOptions;
  /** `netns address` → cgroup id → name; the outer map's order is insertion order (oldest first). */
  private readonly byAddress = new Map<string, Map<number, NameEntry>>();
  private entries = 0;
  /** Names dropped to stay within maxEntries. */
  evictions = 0;
  /** Grows at every change, so a reader can skip lookups when nothing changed. */
  generation = 0;

  constructor(options: Partial<PeerNameOptions> = {}) {
    this.options = { ...defaultPeerNameOptions, ...options };
  }

  get size(): number {
    return this.entries;
  }

  add(record: PeerNameRecord): void {
    const key = `${record.netns} ${record.address}`;
    let byCgroup = this.byAddress.get(key);
    if (byCgroup === undefined) {
      byCgroup = new Map();
    } else {
      // Re-inserted at the end: a name answered again is the newest.
      this.byAddress.delete(key);
    }
    this.byAddress.set(key, byCgroup);
    if (!byCgroup.has(record.cgroupId)) this.entries++;
    byCgroup.set(record.cgroupId, {
      name: record.name,
      source: record.source,
      atMs: record.atMs,
      usableUntilMs: record.ttlSeconds === null ? Infinity : record.atMs + record.ttlSeconds * 1000 + this.options.expiredGraceMs,
      cgroupId: record.cgroupId,
    });
    this.generation++;
    this.evictOldest();
  }

  /**
   * The name for `address` in `netns` at `nowMs`: the one the owner's cgroup received when it
   * did (it resolved the name it connected to), else the most recent one; null when none is
   * still usable.
   */
  lookup(netns: number, address: string, ownerCgroupId: number | null, nowMs: number): PeerName | null {
    const byCgroup = this.byAddress.get(`${netns} ${address}`);
    if (byCgroup === undefined) return null;
    const own = ownerCgroupId === null ? undefined : byCgroup.get(ownerCgroupId);
    if (own !== undefined && own.usableUntilMs >= nowMs) return { name: own.name, source: own.source, atMs: own.atMs };
    let newest: NameEntry | null = null;
    for (const entry of byCgroup.values()) {
      if (entry.usableUntilMs >= nowMs && (newest === null || entry.atMs > newest.atMs)) newest = entry;
    }
    return newest === null ? null : { name: newest.name, source: newest.source, atMs: newest.atMs };
  }

  private evictOldest(): void {
    while (this.entries > this.options.maxEntries) {
      const oldest = this.byAddress.keys().next();
      if (oldest.done === true) return;
      const byCgroup = this.byAddress.get(oldest.value) as Map<number, NameEntry>;
      this.entries -= byCgroup.size;
      this.evictions += byCgroup.size;
      this.byAddress.delete(oldest.value);
    }
  }
}
