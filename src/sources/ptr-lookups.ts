/**
 * --resolve: reverse (PTR) lookups for the remote addresses no DNS answer or hosts file named.
 * Off by default: each lookup is traffic of netscope's own, and in an incident the resolver may
 * be the thing that is slow. So they never hold up a tick (the tick only asks; answers arrive
 * later as `name` records, like the DNS answer capture's), at most `maxInFlight` run at once,
 * each gives up at `timeoutMs`, and every address is asked once per `cacheMs` — an address
 * with no name, or whose lookup failed, is not asked again for `negativeCacheMs`.
 */
import { Resolver } from 'node:dns/promises';
import type { CaptureObserver } from '../model/capture-contracts.js';
import type { PeerNameRecord } from '../model/records.js';
import type { ModelSnapshot } from '../model/snapshot-types.js';
import { unmappedAddress } from '../model/peer-names.js';
import { peerNameText } from '../enrich/peer-name-text.js';

/** The DNS server PTR lookups are sent to. */
export interface ResolverAddress {
  /** An IP address (never a name: resolving the resolver would need a resolver). */
  host: string;
  /** Default 53. */
  port: number;
}

/** How much lookup traffic --resolve may make, and how long its answers are kept. */
export interface PtrLookupOptions {
  /** The server to ask; null: the host's configured resolvers (/etc/resolv.conf). */
  server: ResolverAddress | null;
  /** Lookups running at once; past it, an address waits for a later tick. Default 8. */
  maxInFlight: number;
  /** How long one lookup may take, ms. Default 2000. */
  timeoutMs: number;
  /** How long an answered name is kept (and names its address in the model), ms. Default 600_000. */
  cacheMs: number;
  /** How long an address without a name (NXDOMAIN, no answer, timeout) is not asked again, ms. Default 300_000. */
  negativeCacheMs: number;
  /** Addresses remembered, answered or not; the oldest go first. Default 10_000. */
  maxCached: number;
}

export const defaultPtrLookupOptions: Readonly<Omit<PtrLookupOptions, 'server'>> = {
  maxInFlight: 8,
  timeoutMs: 2000,
  cacheMs: 600_000,
  negativeCacheMs: 300_000,
  maxCached: 10_000,
};

interface CachedLookup {
  /** null while the lookup runs, or when it found no name. */
  name: string | null;
  atMs: number;
  /** When the address may be asked again, ms since the epoch; Infinity while the lookup runs. */
  staleAtMs: number;
  /** Network namespaces its name has been handed to, or that wait for it. */
  namespaces: Set<number>;
}

/** Addresses no lookup can name: nothing is listening there to be named. */
const UNNAMEABLE = new Set(['0.0.0.0', '::']);

export class PtrLookups implements CaptureObserver {
  private readonly options: PtrLookupOptions;
  private readonly resolver: Resolver;
  /** By address, in the order first asked (oldest first). */
  private readonly cache = new Map<string, CachedLookup>();
  private inFlight = 0;
  private closed = false;
  /** Lookups sent since the start (each a query to the server). */
  sent = 0;

  constructor(
    options: Partial<PtrLookupOptions> & Pick<PtrLookupOptions, 'server'>,
    private readonly sink: (record: PeerNameRecord) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.options = { ...defaultPtrLookupOptions, ...options };
    // One try: a resolver that does not answer in time is not asked twice by the same lookup.
    this.resolver = new Resolver({ timeout: this.options.timeoutMs, tries: 1 });
    const { server } = this.options;
    if (server !== null) this.resolver.setServers([server.host.includes(':') ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`]);
  }

  /** After each tick: ask for the connections' (and UDP flows') remote addresses that have no name. */
  tick(snapshot: ModelSnapshot): void {
    for (const connection of snapshot.connections) {
      if (connection.peerName === null) this.want(connection.netns, connection.daddr);
    }
  }

  /** The name of `address` as `netns` sees it, handed to the sink when known — now from the cache, or when a lookup answers. */
  want(netns: number, peerAddress: string): void {
    // A dual-stack socket's IPv4 peer is asked, and named, as IPv4.
    const address = unmappedAddress(peerAddress);
    if (this.closed || UNNAMEABLE.has(address)) return;
    const nowMs = this.now();
    const cached = this.cache.get(address);
    if (cached !== undefined && cached.staleAtMs > nowMs) {
      if (cached.namespaces.has(netns)) return;
      cached.namespaces.add(netns);
      if (cached.name !== null) this.emit(netns, address, cached);
      return;
    }
    if (this.inFlight >= this.options.maxInFlight) return;
    if (cached !== undefined) this.cache.delete(address);
    const entry: CachedLookup = { name: null, atMs: nowMs, staleAtMs: Infinity, namespaces: new Set([netns]) };
    this.cache.set(address, entry);
    this.evictOldest();
    this.inFlight++;
    this.sent++;
    void this.lookUp(address, entry);
  }

  private async lookUp(address: string, entry: CachedLookup): Promise<void> {
    let name: string | null = null;
    try {
      const [first] = await this.resolver.reverse(address);
      const text = first === undefined ? '' : peerNameText(first.replace(/\.$/, ''));
      name = text === '' ? null : text;
    } catch {
      // NXDOMAIN, no PTR record, a timeout, a refused query: all mean "no name", cached as such.
    } finally {
      this.inFlight--;
    }
    if (this.closed) return;
    const atMs = this.now();
    entry.name = name;
    entry.atMs = atMs;
    entry.staleAtMs = atMs + (name === null ? this.options.negativeCacheMs : this.options.cacheMs);
    if (name !== null) for (const netns of entry.namespaces) this.emit(netns, address, entry);
  }

  private emit(netns: number, address: string, entry: CachedLookup): void {
    if (entry.name === null) return;
    // The model keeps a name for its TTL plus a grace: a PTR name is trusted as long as it is cached.
    const ttlSeconds = Math.max(0, Math.round((entry.staleAtMs - entry.atMs) / 1000));
    this.sink({ kind: 'name', atMs: entry.atMs, netns, address, name: entry.name, source: 'ptr', ttlSeconds, cgroupId: 0 });
  }

  private evictOldest(): void {
    for (const [address, entry] of this.cache) {
      if (this.cache.size <= this.options.maxCached) return;
      // A running lookup stays: its answer has somewhere to go.
      if (entry.staleAtMs !== Infinity) this.cache.delete(address);
    }
  }

  /** Running lookups are cancelled (they end as failures, whose answers go nowhere). */
  close(): void {
    this.closed = true;
    this.resolver.cancel();
  }
}
