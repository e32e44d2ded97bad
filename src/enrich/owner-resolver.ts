/**
 * Who owns each socket. The kernel names the owner where it runs in the owner's context
 * (connect, listen, close); for everything else — the server side of an accept, connections
 * older than netscope — the socket's inode is looked up among the processes' open fds.
 * Either way the answer is kept per socket cookie, so events that fire in softirq never
 * borrow whichever task the interrupt happened to hit.
 *
 * Reading every process's fds costs one readlink per open fd on the host, so it is the last
 * resort. An accepted socket is looked for among the processes known to hold its listener or
 * earlier sockets accepted from it (the listener's owner; a pre-forking server's workers, all
 * learned by one scan of /proc): a few fd tables instead of all of them, and the owner given is
 * what /proc says. Meanwhile the model shows the listener's owner, marked provisional (see
 * ConnectionModel). So an accepted socket those processes do not hold (handed to another one:
 * Node's cluster primary accepts and passes each connection to a worker) is not worth a scan of
 * all of /proc each pass: one scan now and then learns where they go.
 */
import type { Endpoints, ModelRecord, OwnerRecord, SocketSampleRecord, TaskOwner, UdpSocketRecord } from '../model/records.js';
import { IntegerMap } from '../model/integer-map.js';
import { TcpState } from '../model/records.js';
import { listPids, type HostPaths } from '../probes/host-paths.js';
import type { ProcessDescriber, ProcessDescription } from './proc-process.js';
import { scanSocketOwners } from './proc-socket-owners.js';
import { userName } from './user-names.js';

/**
 * Sockets whose inode no process holds (orphans being torn down, accepted sockets still queued)
 * are not looked for forever. One that no accept queue can hold — a listener, a UDP socket — is
 * in some fd table from its first sample on, so a scan that misses it means a holder netscope
 * cannot see (another PID namespace): it is looked for once. At 20,000 open connections each
 * scan is 40,000 readlinks, and one such listener on this host made the two scans after the
 * first a fifth of an idle `--json`'s main-thread time.
 */
const MAX_LOOKUPS_PER_SOCKET = 3;
/** Past this many remembered pids the set starts over; the describer's own cache keeps re-description cheap. */
const MAX_DESCRIBED_PIDS = 8192;
/**
 * Pids remembered per listener, one found at a time. A server that keeps replacing its workers
 * would grow the set with dead pids; past the limit it starts over from the pid just found (a
 * scan of all of /proc drops the dead ones and adds every holder of the listener, however many).
 */
const MAX_HOLDERS_PER_LISTENER = 64;
/**
 * An accepted socket its listener's holders do not hold makes a scan of all of /proc, which
 * also learns every holder of the listener. Once such a scan missed one of them (passed to a
 * process netscope cannot see, in another PID namespace), the listener's next is this many
 * passes later: each pass would make one.
 */
const PASSES_AFTER_A_LISTENER_SCAN_MISSED = 10;

/** How a source's other records help with owners. */
export interface ResolveOptions {
  /**
   * The source's events name the owner of most sockets (the live eBPF source: connect, close).
   * A socket that neither an event nor its listener's processes account for is then most likely
   * one whose event is still queued: it waits one pass before all of /proc is read for it.
   * False for the procfs fallback, which has no events.
   */
  eventsNameOwners: boolean;
}

/** A TCP or UDP socket sock_diag reported this pass. */
export type SampledSocket = SocketSampleRecord | UdpSocketRecord;

/** Full scans that did not find a socket, and the last pass that sampled it. */
interface FailedLookups {
  scans: number;
  seenInPass: number;
}

export class OwnerResolver {
  /**
   * The sockets whose owner is known, with the last pass that sampled them or during which they
   * were owned: a pass forgets those it did not see. A stamp, not a set of the pass's cookies:
   * that set was built anew each pass (at 20,000 connections 40,000 entries, 6% of netscope's
   * CPU and 2 MB of garbage a second).
   */
  private readonly ownedCookies = new IntegerMap<number>();
  private readonly lookupsByCookie = new Map<number, FailedLookups>();
  /** Unowned at the previous pass and not found among their listener's holders. */
  private waitingCookies = new Set<number>();
  /** Pids to read from /proc, with what the kernel's event said of each: all that is left once it has exited. */
  private readonly pidsToDescribe = new Map<number, TaskOwner>();
  private readonly describedPids = new Set<number>();
  /** Listener (netns and port) → pids seen holding it or a socket accepted from it. */
  private readonly holdersByListener = new Map<string, Set<number>>();
  /** Listener → the last pass whose scan of all of /proc did not find one of its accepted sockets. */
  private readonly listenerScanMissedInPass = new Map<string, number>();
  private passes = 0;

  constructor(
    private readonly paths: HostPaths,
    private readonly describer: Pick<ProcessDescriber, 'describe'>,
  ) {}

  private exitedProcess(task: TaskOwner): ProcessDescription {
    return exitedProcessDescription(task, this.paths);
  }

  /** Called for every record on its way to the model: cheap, no I/O. */
  note(record: ModelRecord): void {
    if (record.kind !== 'state') return;
    if (record.newState === TcpState.CLOSE) {
      this.ownedCookies.delete(record.cookie);
      this.lookupsByCookie.delete(record.cookie);
      return;
    }
    if (record.owner === null) return;
    this.ownedCookies.set(record.cookie, this.passes);
    if (record.newState === TcpState.LISTEN) this.addHolder(listenerKey(record.endpoints), record.owner.pid);
    if (!this.describedPids.has(record.owner.pid)) this.pidsToDescribe.set(record.owner.pid, record.owner);
  }

  /** Once a tick: describes new pids and resolves sampled sockets that have no owner yet. */
  resolve(samples: readonly SampledSocket[], atMs: number, options: ResolveOptions): OwnerRecord[] {
    const pass = this.beginPass();
    for (const sample of samples) pass.see(sample);
    return this.resolvePass(pass, atMs, options);
  }

  /**
   * A pass seen one sample at a time (`see`), then resolved (`resolvePass`), keeping only what
   * resolving needs: every sampled cookie and listener, and of the samples that have no owner
   * yet their cookie, inode and endpoints. A socket an event names between the two (the events
   * drained after the samples) is not looked for.
   */
  beginPass(): SampledPass {
    const pass = this.passes;
    return new SampledPass((sample) => this.seenNeedsOwner(sample, pass));
  }

  /** Marks the socket as sampled in `pass`; true when it has no owner yet and may still be looked for. */
  private seenNeedsOwner(sample: SampledSocket, pass: number): boolean {
    if (this.ownedCookies.has(sample.cookie)) {
      this.ownedCookies.set(sample.cookie, pass);
      return false;
    }
    const lookups = this.lookupsByCookie.get(sample.cookie);
    if (lookups !== undefined) lookups.seenInPass = pass;
    return sample.inode !== 0 && (lookups?.scans ?? 0) < MAX_LOOKUPS_PER_SOCKET;
  }

  resolvePass(sampled: SampledPass, atMs: number, options: ResolveOptions): OwnerRecord[] {
    const pass = this.passes;
    const owners: OwnerRecord[] = [];
    const describe = memoised((pid) => this.describer.describe(pid));
    for (const [pid, task] of this.pidsToDescribe) {
      const description = describe(pid) ?? this.exitedProcess(task);
      owners.push(ownerRecord(0, description, atMs));
      this.describedPids.add(pid);
    }
    this.pidsToDescribe.clear();
    if (this.describedPids.size > MAX_DESCRIBED_PIDS) this.describedPids.clear();
    this.forgetVanishedSockets(pass, sampled.listening);
    const isFirstPass = this.passes++ === 0;

    const unowned = sampled.unowned;
    const waitedAlready = this.waitingCookies;
    this.waitingCookies = new Set();
    if (unowned.size === 0) return owners;

    const found = (index: number, pid: number | undefined): boolean => {
      const description = pid === undefined ? null : describe(pid);
      if (description === null) return false;
      const cookie = unowned.cookies[index]!;
      owners.push(ownerRecord(cookie, description, atMs));
      this.ownedCookies.set(cookie, pass);
      this.describedPids.add(description.pid);
      this.lookupsByCookie.delete(cookie);
      return true;
    };

    const candidates = new Set<number>();
    for (const endpoints of unowned.endpoints) {
      for (const pid of this.holdersByListener.get(listenerKey(endpoints)) ?? []) candidates.add(pid);
    }
    const heldByCandidates = candidates.size === 0 ? new Map<number, number>() : scanSocketOwners(this.paths, candidates);
    const notFound: number[] = [];
    /** Accepted sockets their listener's holders do not hold (yet): the model shows the listener's owner meanwhile. */
    const provisional: number[] = [];
    const mayWait = options.eventsNameOwners && !isFirstPass;
    let listenerScanDue = false;
    for (let index = 0; index < unowned.size; index++) {
      if (found(index, heldByCandidates.get(unowned.inodes[index]!))) continue;
      const cookie = unowned.cookies[index]!;
      // An event named it since it was sampled: its owner closed it meanwhile (a short request).
      if (this.ownedCookies.has(cookie)) continue;
      const key = listenerKey(unowned.endpoints[index]!);
      if (!unowned.mayBeQueued[index] || !sampled.listening.has(key) || this.holdersByListener.get(key) === undefined) {
        notFound.push(index);
        continue;
      }
      provisional.push(index);
      // It waits a pass for an event as any other socket does, then for the scan, while one lately missed for its listener.
      const waited = !mayWait || waitedAlready.has(cookie);
      if (waited && pass - (this.listenerScanMissedInPass.get(key) ?? -Infinity) >= PASSES_AFTER_A_LISTENER_SCAN_MISSED) listenerScanDue = true;
      else this.waitingCookies.add(cookie);
    }

    const waits = mayWait && notFound.length > 0 && notFound.every((index) => !waitedAlready.has(unowned.cookies[index]!));
    if (waits) for (const index of notFound) this.waitingCookies.add(unowned.cookies[index]!);
    if ((waits || notFound.length === 0) && !listenerScanDue) return owners;

    const listenerHolders = new Map<number, Set<number>>();
    for (const inode of sampled.listenerKeyByInode.keys()) listenerHolders.set(inode, new Set());
    const alive = listPids(this.paths);
    const pidByInode = scanSocketOwners(this.paths, alive, listenerHolders);
    this.learnListenerHolders(listenerHolders, sampled.listenerKeyByInode, new Set(alive));
    for (const index of provisional) {
      const pid = pidByInode.get(unowned.inodes[index]!);
      const key = listenerKey(unowned.endpoints[index]!);
      // A process the listener's holders passed it to: its next accepts are looked for there too.
      if (found(index, pid)) {
        this.addHolder(key, pid!);
      } else {
        this.listenerScanMissedInPass.set(key, pass);
        this.countFailedScan(unowned.cookies[index]!, pass, true);
      }
    }
    for (const index of notFound) {
      const pid = pidByInode.get(unowned.inodes[index]!);
      if (found(index, pid)) {
        // Only a listener's port is looked up by: every other key went at the next pass, and a
        // first pass over 20,000 client sockets held 20,000 of them through the first tick.
        const key = listenerKey(unowned.endpoints[index]!);
        if (sampled.listening.has(key)) this.addHolder(key, pid!);
      } else {
        this.countFailedScan(unowned.cookies[index]!, pass, unowned.mayBeQueued[index]!);
      }
    }
    return owners;
  }

  /** A scan of all of /proc did not find the socket: looked for again only if it may be queued, and at most MAX_LOOKUPS_PER_SOCKET times. */
  private countFailedScan(cookie: number, pass: number, mayBeQueued: boolean): void {
    const lookups = this.lookupsByCookie.get(cookie);
    const scans = mayBeQueued ? (lookups?.scans ?? 0) + 1 : MAX_LOOKUPS_PER_SOCKET;
    if (lookups === undefined) this.lookupsByCookie.set(cookie, { scans, seenInPass: pass });
    else lookups.scans = scans;
  }

  /**
   * What a scan of all of /proc found holding each listener joins what was remembered, less the
   * pids that exited: all of a pre-forking server's workers at once, however many, while those
   * learned one accepted socket at a time (a cluster's workers, which hold no listener) stay.
   */
  private learnListenerHolders(listenerHolders: ReadonlyMap<number, Set<number>>, keyByInode: ReadonlyMap<number, string>, alive: ReadonlySet<number>): void {
    for (const holders of this.holdersByListener.values()) {
      for (const pid of holders) if (!alive.has(pid)) holders.delete(pid);
    }
    for (const [inode, pids] of listenerHolders) {
      if (pids.size === 0) continue;
      const key = keyByInode.get(inode)!;
      const holders = this.holdersByListener.get(key);
      if (holders === undefined) this.holdersByListener.set(key, pids);
      else for (const pid of pids) holders.add(pid);
    }
  }

  /**
   * Remembers a pid for a listener's port. Every socket with that local port goes under it —
   * the listener and its accepted sockets, which is the point, and the odd client bound to the
   * same port, which only costs a look at one more fd table.
   */
  private addHolder(key: string, pid: number): void {
    let holders = this.holdersByListener.get(key);
    if (holders?.has(pid)) return;
    if (holders === undefined) this.holdersByListener.set(key, (holders = new Set()));
    if (holders.size >= MAX_HOLDERS_PER_LISTENER) holders.clear();
    holders.add(pid);
  }

  /** Sockets neither sampled in `pass` nor owned since the pass before are gone (their close event may have been lost). */
  private forgetVanishedSockets(pass: number, listening: ReadonlySet<string>): void {
    // forEach, not for-of: an iterator result per socket, every pass, until the optimizing compiler takes the loop.
    this.ownedCookies.forEach((seenInPass, cookie) => {
      if (seenInPass !== pass) this.ownedCookies.delete(cookie);
    });
    this.lookupsByCookie.forEach((lookups, cookie) => {
      if (lookups.seenInPass !== pass) this.lookupsByCookie.delete(cookie);
    });
    for (const key of this.holdersByListener.keys()) {
      if (!listening.has(key)) this.holdersByListener.delete(key);
    }
    for (const key of this.listenerScanMissedInPass.keys()) {
      if (!listening.has(key)) this.listenerScanMissedInPass.delete(key);
    }
  }
}

/**
 * The sockets of a pass still to be given an owner, in the order seen: what resolving needs of
 * each sample, not the sample. A first pass finds every socket without one, and holding 40,000
 * samples with their counters to its end made them outlive the young generation (15 MiB).
 */
class UnownedSockets {
  readonly cookies: number[] = [];
  readonly inodes: number[] = [];
  readonly endpoints: Endpoints[] = [];
  /** A TCP socket not listening: an accepted one is in no fd table while it waits in its listener's queue. */
  readonly mayBeQueued: boolean[] = [];

  get size(): number {
    return this.cookies.length;
  }

  add(sample: SampledSocket): void {
    this.cookies.push(sample.cookie);
    this.inodes.push(sample.inode);
    this.endpoints.push(sample.endpoints);
    this.mayBeQueued.push(sample.kind === 'sample' && sample.state !== TcpState.LISTEN);
  }
}

/** What one sampling pass leaves for resolving owners, gathered sample by sample. */
export class SampledPass {
  /** The listeners sampled (listenerKey). */
  readonly listening = new Set<string>();
  /** Each sampled TCP listener's inode, with its listenerKey. */
  readonly listenerKeyByInode = new Map<number, string>();
  readonly unowned = new UnownedSockets();

  /** @param seenNeedsOwner notes the socket as sampled; true when it is still to be given an owner. */
  constructor(private readonly seenNeedsOwner: (sample: SampledSocket) => boolean) {}

  see(sample: SampledSocket): void {
    if (sample.kind === 'sample' && sample.state === TcpState.LISTEN) {
      const key = listenerKey(sample.endpoints);
      this.listening.add(key);
      if (sample.inode !== 0) this.listenerKeyByInode.set(sample.inode, key);
    }
    if (this.seenNeedsOwner(sample)) this.unowned.add(sample);
  }
}

/** Accepted sockets share their listener's namespace and local port (not always its address: `0.0.0.0`, `::`). */
function listenerKey(endpoints: Endpoints): string {
  return `${endpoints.netns}:${endpoints.sport}`;
}

/** One /proc read per pid per pass, however many of its sockets are resolved in it. */
function memoised(describe: (pid: number) => ProcessDescription | null): (pid: number) => ProcessDescription | null {
  const descriptions = new Map<number, ProcessDescription | null>();
  return (pid) => {
    let description = descriptions.get(pid);
    if (description === undefined) descriptions.set(pid, (description = describe(pid)));
    return description;
  };
}

/**
 * A process that exited before /proc could be read, as its event named it: the kernel's comm
 * (already sanitised), its uid with the user's name, and `[comm]` for the command line, as htop
 * shows a process whose command line is gone. So its rows keep a name and a user, not a uid.
 */
function exitedProcessDescription(task: TaskOwner, paths: HostPaths): ProcessDescription {
  return { pid: task.pid, comm: task.comm, cmdline: `[${task.comm}]`, uid: task.uid, user: userName(task.uid, paths), cgroupId: task.cgroupId, startTimeTicks: 0 };
}

function ownerRecord(cookie: number, description: ProcessDescription, atMs: number): OwnerRecord {
  return {
    kind: 'owner',
    atMs,
    cookie,
    pid: description.pid,
    comm: description.comm,
    cmdline: description.cmdline,
    uid: description.uid,
    user: description.user,
    cgroupId: description.cgroupId,
  };
}
