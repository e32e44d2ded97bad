/**
 * Asks a network namespace's conntrack table about tuples, in batches: one netlink socket per
 * namespace (created inside it, so it talks to that namespace's table), a few requests per
 * datagram, every answer matched back to its tuple.
 */
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import type { HostPaths } from './host-paths.js';
import { nativeAddon } from './native.js';
import { type ConntrackAnswer, type ConntrackTuple, conntrackRequestBytes, readConntrackAnswers, writeConntrackRequest } from './conntrack-messages.js';

/**
 * Requests per datagram. The kernel queues each answer on the socket's receive buffer at the
 * allocation size of a full entry (about 4 KiB of the default 208 KiB); a batch must fit whole,
 * or answers are lost and the socket reports ENOBUFS.
 */
export const CONNTRACK_REQUESTS_PER_ROUND_TRIP = 16;
/** Room for one answer: an entry's message is a few hundred bytes, at most one page. */
const ANSWER_BYTES = 4096;
/** The one error that is an answer: the table has no entry for the tuple. */
const ENOENT = constants.errno.ENOENT;

/** The entry conntrack holds for a tuple, or null when it holds none. */
export type ConntrackEntry = Extract<ConntrackAnswer, { found: true }>;

/**
 * Whether this host tracks connections at all: the sysctl directory exists once nf_conntrack
 * is loaded (or built in). Without it nothing is asked.
 */
export function conntrackLoaded(paths: HostPaths): boolean {
  return existsSync(join(paths.proc, 'sys', 'net', 'netfilter', 'nf_conntrack_max'));
}

/** The kernel's refusal to answer, shaped as the addon's errors are (NativeErrorFields). */
function refusal(errno: number): Error {
  const code = Object.entries(constants.errno).find(([, value]) => value === errno)?.[0] ?? 'UNKNOWN';
  return Object.assign(new Error(`ctnetlink GET: ${code}`), { errno, code, operation: 'ctnetlink GET' });
}

export class ConntrackLookup {
  /** netns inode → NETLINK_NETFILTER socket created in it. */
  private readonly sockets = new Map<number, number>();
  private readonly request = Buffer.alloc(CONNTRACK_REQUESTS_PER_ROUND_TRIP * conntrackRequestBytes('ipv6'));
  private readonly reply = Buffer.alloc(CONNTRACK_REQUESTS_PER_ROUND_TRIP * ANSWER_BYTES);
  private seq = 0;

  /**
   * The entries for `tuples` in the namespace `netns` (opened at `nsPath`; null: netscope's
   * own), in the same order: null where the table has none. Throws an error with `errno` when
   * the namespace cannot be entered, the kernel does not answer in time, or it refuses the
   * question (EPERM without CAP_NET_ADMIN; EINVAL or EOPNOTSUPP without nf_conntrack_netlink).
   */
  ask(netns: number, nsPath: string | null, tuples: readonly ConntrackTuple[]): (ConntrackEntry | null)[] {
    const fd = this.socketFor(netns, nsPath);
    const entries: (ConntrackEntry | null)[] = [];
    for (let start = 0; start < tuples.length; start += CONNTRACK_REQUESTS_PER_ROUND_TRIP) {
      const batch = tuples.slice(start, start + CONNTRACK_REQUESTS_PER_ROUND_TRIP);
      const seqs = batch.map(() => this.nextSeq());
      let bytes = 0;
      batch.forEach((tuple, index) => {
        bytes = writeConntrackRequest(this.request, bytes, tuple, seqs[index] as number);
      });
      let answered: number;
      try {
        answered = nativeAddon().conntrackRoundTrip(fd, this.request.subarray(0, bytes), this.reply);
      } catch (error) {
        // A socket that timed out or overflowed may still hold stale answers: start afresh next time.
        this.forget(netns);
        throw error;
      }
      const bySeq = new Map<number, ConntrackAnswer>();
      for (const answer of readConntrackAnswers(this.reply, answered)) bySeq.set(answer.seq, answer);
      for (const seq of seqs) {
        const answer = bySeq.get(seq);
        if (answer?.found === false && answer.errno !== ENOENT) throw refusal(answer.errno);
        entries.push(answer?.found === true ? answer : null);
      }
    }
    return entries;
  }

  /** Closes the namespace's socket (its namespace is gone, or its socket failed). */
  forget(netns: number): void {
    const fd = this.sockets.get(netns);
    if (fd === undefined) return;
    nativeAddon().closeFd(fd);
    this.sockets.delete(netns);
  }

  /** The namespaces that have a socket now. */
  namespaces(): number[] {
    return [...this.sockets.keys()];
  }

  close(): void {
    for (const netns of this.namespaces()) this.forget(netns);
  }

  private socketFor(netns: number, nsPath: string | null): number {
    let fd = this.sockets.get(netns);
    if (fd === undefined) {
      fd = nativeAddon().openNetnsConntrackSocket(nsPath);
      this.sockets.set(netns, fd);
    }
    return fd;
  }

  private nextSeq(): number {
    // Sequence 0 is left out: some kernels' answers to notifications carry it.
    this.seq = this.seq >= 0xffff_ffff ? 1 : this.seq + 1;
    return this.seq;
  }
}
