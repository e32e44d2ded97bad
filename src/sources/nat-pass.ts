/**
 * The real destination behind NAT, off the data path: once a tick, conntrack is asked about
 * the connections and UDP flows that appeared since the last tick (and once about each that was open before
 * netscope started), in the socket's own network namespace and, for a socket in another
 * namespace (a pod, a container), in the host's — where kube-proxy translates a Service's
 * address. A translated connection becomes a `nat` record; the rest leave nothing. A UDP flow
 * is its socket and one peer (an unconnected socket has one per peer): its record names the peer.
 *
 * Bounded: at most `maxLookupsPerTick` connections and `tickBudgetMs` of lookups a tick (the
 * rest wait for the next; one namespace is always asked), answers remembered per tuple for
 * `answerTtlMs`, and each kernel round trip gives up after 100 ms.
 */
import type { AddressPort, Endpoints, ModelRecord, NatRecord } from '../model/records.js';
import { TcpState } from '../model/records.js';
import type { ConntrackTuple, TransportProtocolName } from '../probes/conntrack-messages.js';
import type { ConntrackLookup } from '../probes/conntrack-lookup.js';
import { natTranslation, socketTuple, type NatTranslation } from '../probes/nat-translation.js';
import { KeyedQueue } from './keyed-queue.js';

/** Bounds of the NAT pass. */
export interface NatPassOptions {
  /** Connections asked about per tick, at most; the rest wait. Default 256. */
  maxLookupsPerTick: number;
  /** Time the lookups of one tick may take, in ms; once spent, the rest wait. Default 20. */
  tickBudgetMs: number;
  /** How long an answer is reused for the same tuple, in ms. Default 30_000. */
  answerTtlMs: number;
  /** Answers remembered, at most (the oldest go first). Default 4_096. */
  maxRememberedAnswers: number;
  /** Connections remembered as asked, at most (the oldest go first, to be asked again if seen again). Default 200_000. */
  maxAskedConnections: number;
  /**
   * Connections waiting to be asked, at most. Past it a connection or flow is not queued: an open
   * one is by its next sample that finds room, a closed one (churn faster than the lookups) is
   * not asked. Default 4_096.
   */
  maxPendingLookups: number;
}

export const defaultNatPassOptions: Readonly<NatPassOptions> = {
  maxLookupsPerTick: 256,
  tickBudgetMs: 20,
  answerTtlMs: 30_000,
  maxRememberedAnswers: 4_096,
  maxAskedConnections: 200_000,
  maxPendingLookups: 4_096,
};

/** The network namespaces the pass asks in, and how to open them. */
export interface NatNamespaces {
  /** netscope's own namespace's inode: asked through a socket opened where netscope runs. */
  own: number;
  /** The host's (init's) namespace inode, and its path (null: it is netscope's own). */
  host: { netns: number; path: string | null };
  /** The path that opens `netns` now, or null when no process is left in it. */
  pathOf(netns: number): string | null;
  /** The path given for `netns` did not open it (its process exited): look again next time. */
  forget(netns: number): void;
}

/** What the pass needs of ConntrackLookup (a fake in tests). */
export type ConntrackAsker = Pick<ConntrackLookup, 'ask' | 'forget' | 'close'>;

/** A TCP connection's socket cookie, or a UDP flow's socket cookie and peer: see lookupKey. */
type LookupKey = number | string;

interface PendingLookup {
  key: LookupKey;
  cookie: number;
  /** A UDP flow's peer; undefined for a TCP connection. */
  udpPeer: AddressPort | undefined;
  netns: number;
  tuple: ConntrackTuple;
  /** The connection closed before it was asked about: conntrack keeps the entry a while yet. */
  closed: boolean;
}

interface RememberedAnswer {
  translation: NatTranslation | null;
  atMs: number;
}

const NO_TRANSLATION: RememberedAnswer['translation'] = null;

export class NatPass {
  private readonly options: NatPassOptions;
  /** Lookup keys (lookupKey) queued or asked already, oldest first. */
  private readonly asked = new Set<LookupKey>();
  private readonly pending = new KeyedQueue<LookupKey, PendingLookup>();
  /** `<netns>/<table>/<tuple>` → the answer, oldest first. */
  private readonly answers = new Map<string, RememberedAnswer>();
  /** ctnetlink refused with EPERM (no CAP_NET_ADMIN): it will refuse every question, so none is asked again. */
  private refused = false;

  constructor(
    private readonly conntrack: ConntrackAsker,
    private readonly namespaces: NatNamespaces,
    private readonly emit: (record: NatRecord) => void,
    options: Partial<NatPassOptions> = {},
    private readonly clockMs: () => number = () => performance.now(),
  ) {
    this.options = { ...defaultNatPassOptions, ...options };
  }

  /** Sees every record on its way to the model (cheap, no I/O): queues connections and UDP flows not asked about yet. */
  note(record: ModelRecord): void {
    if (record.kind === 'udpFlow') {
      this.queue(record.cookie, record.endpoints, 'udp');
      if (record.socketClosed) this.done(lookupKey(record.cookie, record.endpoints, 'udp'));
    } else if (record.kind === 'state') {
      if (record.newState === TcpState.CLOSE) return this.done(lookupKey(record.cookie, record.endpoints, 'tcp'));
      if (record.newState === TcpState.LISTEN || record.oldState === TcpState.LISTEN) return;
      this.queue(record.cookie, record.endpoints, 'tcp');
    } else if (record.kind === 'sample') {
      if (record.state === TcpState.LISTEN || record.state === TcpState.CLOSE || record.state === TcpState.TIME_WAIT) return;
      this.queue(record.cookie, record.endpoints, 'tcp');
    }
  }

  /**
   * Queues one socket's connection (or one UDP flow: the socket and its peer), once: until its
   * local side is bound (a connect's SYN_SENT comes before) and its namespace known (a UDP flow
   * before its socket's first sample), it waits for a later record that carries them.
   */
  queue(cookie: number, endpoints: Endpoints, protocol: TransportProtocolName): void {
    if (cookie === 0 || endpoints.netns === 0) return;
    // With the queue full a connection waits for a later record that finds room. Giving up the
    // oldest waiting for it instead cost churn a tuple, a queued lookup and four table updates
    // per new connection (8,000 a second) while the lookups answer 256 a tick whichever they
    // are; and made the 40,000 connections found at start give up each other every pass.
    if (this.pending.size >= this.options.maxPendingLookups) return;
    const key = lookupKey(cookie, endpoints, protocol);
    if (this.asked.has(key)) return;
    const tuple = socketTuple(endpoints, protocol);
    if (tuple === null) return;
    this.asked.add(key);
    if (this.asked.size > this.options.maxAskedConnections) this.asked.delete(this.asked.values().next().value as LookupKey);
    const udpPeer = protocol === 'udp' ? { address: endpoints.daddr, port: endpoints.dport } : undefined;
    this.pending.push({ key, cookie, udpPeer, netns: endpoints.netns, tuple, closed: false });
  }

  /** Asks about what was queued, within the tick's bounds; emits a record per translated connection. */
  run(nowMs: number): void {
    if (this.refused) {
      this.pending.clear();
      return;
    }
    if (this.pending.size === 0) return;
    const startedAt = this.clockMs();
    const overBudget = () => this.clockMs() - startedAt > this.options.tickBudgetMs;
    const batch: PendingLookup[] = [];
    while (batch.length < this.options.maxLookupsPerTick) {
      const lookup = this.pending.shift();
      if (lookup === undefined) break;
      batch.push(lookup);
      if (lookup.closed) this.asked.delete(lookup.key);
    }

    const { host } = this.namespaces;
    const untranslated: PendingLookup[] = [];
    const leftOver: PendingLookup[] = [];
    let namespacesAsked = 0;
    for (const [netns, lookups] of groupByNetns(batch)) {
      // One namespace a tick is asked whatever the clock says: on a busy host the process can
      // lose the CPU for longer than the budget before its first lookup, every tick.
      if (namespacesAsked++ > 0 && overBudget()) {
        leftOver.push(...lookups);
        continue;
      }
      const path = netns === this.namespaces.own ? null : this.namespaces.pathOf(netns);
      const answers = netns !== this.namespaces.own && path === null ? null : this.answer(netns, path, 'socket', lookups, nowMs);
      if (answers === null) this.namespaces.forget(netns);
      // A namespace that could not be asked (its last process exited since, say) leaves the host's table to tell.
      for (const [lookup, translation] of answers ?? lookups.map((lookup) => [lookup, null] as const)) {
        if (translation !== null) this.emit(natRecord(lookup, translation, 'socket', nowMs));
        else if (netns !== host.netns && !isLoopback(lookup.tuple.daddr)) untranslated.push(lookup);
      }
    }
    // A pod's packets leave its namespace with the same tuple, and meet kube-proxy's rules in
    // the host's; loopback traffic never leaves, and there the host's entries are other sockets'.
    if (untranslated.length > 0) {
      if (overBudget()) leftOver.push(...untranslated);
      else {
        for (const [lookup, translation] of this.answer(host.netns, host.path, 'host', untranslated, nowMs) ?? []) {
          if (translation !== null) this.emit(natRecord(lookup, translation, 'host', nowMs));
        }
      }
    }
    for (const lookup of leftOver) this.pending.push(lookup);
  }

  close(): void {
    this.conntrack.close();
  }

  /**
   * A closed connection is still asked about if it was waiting (a connection shorter than a
   * tick, whose closed row stays on screen), and then forgotten.
   */
  private done(key: LookupKey): void {
    const pending = this.pending.get(key);
    if (pending !== undefined) pending.closed = true;
    else this.asked.delete(key);
  }

  /** Each lookup's translation in the table of `netns`: remembered, else asked. Null when the table could not be asked. */
  private answer(
    netns: number,
    path: string | null,
    table: NatRecord['table'],
    lookups: readonly PendingLookup[],
    nowMs: number,
  ): [PendingLookup, NatTranslation | null][] | null {
    const results: [PendingLookup, NatTranslation | null][] = [];
    const toAsk: PendingLookup[] = [];
    for (const lookup of lookups) {
      const remembered = this.answers.get(answerKey(netns, table, lookup.tuple));
      if (remembered !== undefined && nowMs - remembered.atMs <= this.options.answerTtlMs) results.push([lookup, remembered.translation]);
      else toAsk.push(lookup);
    }
    if (toAsk.length === 0) return results;
    let entries;
    try {
      entries = this.conntrack.ask(netns, path, toAsk.map((lookup) => lookup.tuple));
    } catch (error) {
      // The namespace is gone, the kernel did not answer in time, or it refused.
      if ((error as { code?: unknown }).code === 'EPERM') this.refused = true;
      return null;
    }
    toAsk.forEach((lookup, index) => {
      const entry = entries[index] ?? null;
      const translation = entry === null ? NO_TRANSLATION : natTranslation(lookup.tuple, entry);
      this.remember(answerKey(netns, table, lookup.tuple), { translation, atMs: nowMs });
      results.push([lookup, translation]);
    });
    return results;
  }

  private remember(key: string, answer: RememberedAnswer): void {
    this.answers.delete(key);
    this.answers.set(key, answer);
    if (this.answers.size > this.options.maxRememberedAnswers) this.answers.delete(this.answers.keys().next().value as string);
  }
}

function groupByNetns(lookups: readonly PendingLookup[]): Map<number, PendingLookup[]> {
  const groups = new Map<number, PendingLookup[]>();
  for (const lookup of lookups) {
    const group = groups.get(lookup.netns);
    if (group === undefined) groups.set(lookup.netns, [lookup]);
    else group.push(lookup);
  }
  return groups;
}

function answerKey(netns: number, table: NatRecord['table'], tuple: ConntrackTuple): string {
  return `${netns}/${table}/${tuple.protocol}/${tuple.saddr}/${tuple.sport}/${tuple.daddr}/${tuple.dport}`;
}

/** A TCP connection is its socket (the cookie, a number: no string built for every record); a UDP flow is its socket and its peer. */
function lookupKey(cookie: number, endpoints: Endpoints, protocol: TransportProtocolName): LookupKey {
  return protocol === 'tcp' ? cookie : `${cookie}/${endpoints.daddr}/${endpoints.dport}`;
}

function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1';
}

function natRecord(lookup: PendingLookup, translation: NatTranslation, table: NatRecord['table'], atMs: number): NatRecord {
  const record: NatRecord = { kind: 'nat', atMs, cookie: lookup.cookie, ...translation, table };
  if (lookup.udpPeer !== undefined) record.udpPeer = lookup.udpPeer;
  return record;
}
