/**
 * Names for remote addresses, per network namespace: from DNS answers local sockets received
 * and from processes' hosts files. Bounded (the oldest insertion goes first, and is counted),
 * and TTL-aware: an answer stays usable for its TTL plus a grace, since applications keep
 * using an address well past the TTL (connection pools, JVM caches).
 */
import type { PeerNameRecord } from './records.js';
import type { PeerName } from './snapshot-types.js';

const IPV4_MAPPED_PREFIX = '::ffff:';

/** `::ffff:1.2.3.4` (a dual-stack socket's IPv4 peer) as `1.2.3.4`, the form names are kept under. */
export function unmappedAddress(address: string): string {
  return address.startsWith(IPV4_MAPPED_PREFIX) && address.includes('.') ? address.slice(IPV4_MAPPED_PREFIX.length) : address;
}

/** Memory bound and staleness of the name table. */
export interface PeerNameOptions {
  /** Most (namespace, address, cgroup) names from DNS answers and PTR lookups kept (hosts-file names are not evicted). Default 50_000. */
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
  /** Of `entries`, names from hosts files: never evicted, since each file is read only once. */
  private hostsEntries = 0;
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
    const previous = byCgroup.get(record.cgroupId);
    if (previous === undefined) this.entries++;
    if (previous?.source === 'hosts') this.hostsEntries--;
    if (record.source === 'hosts') this.hostsEntries++;
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
    const byCgroup = this.byAddress.get(`${netns} ${unmappedAddress(address)}`);
    if (byCgroup === undefined) return null;
    const own = ownerCgroupId === null ? undefined : byCgroup.get(ownerCgroupId);
    if (own !== undefined && own.usableUntilMs >= nowMs) return { name: own.name, source: own.source, atMs: own.atMs };
    let newest: NameEntry | null = null;
    for (const entry of byCgroup.values()) {
      if (entry.usableUntilMs >= nowMs && (newest === null || entry.atMs > newest.atMs)) newest = entry;
    }
    return newest === null ? null : { name: newest.name, source: newest.source, atMs: newest.atMs };
  }

  /** Drops the oldest names from DNS answers and PTR lookups until they fit; hosts-file names stay. */
  private evictOldest(): void {
    for (const [key, byCgroup] of this.byAddress) {
      if (this.entries - this.hostsEntries <= this.options.maxEntries) return;
      for (const [cgroupId, entry] of byCgroup) {
        if (entry.source === 'hosts') continue;
        byCgroup.delete(cgroupId);
        this.entries--;
        this.evictions++;
      }
      if (byCgroup.size === 0) this.byAddress.delete(key);
    }
  }
}
