/**
 * A host limit nearly used up (gauge-pressure.ts): the ephemeral ports to one destination, the
 * TIME_WAIT buckets, conntrack's table, a process's descriptors, TCP memory, orphans — one finding
 * per gauge, namespace and subject, naming who holds the most. Accept queues are left to the
 * acceptQueueOverflow kind, which names the listener and counts its drops.
 */
import { gaugePressures, type GaugeName, type GaugePressure } from '../../model/gauge-pressure.js';
import type { ConnectionSnapshot, ModelSnapshot, Owner } from '../../model/snapshot-types.js';
import type { FindingCandidate } from '../finding-candidate.js';
import { graded } from '../finding-candidate.js';
import type { FindingDetector } from '../finding-detector.js';
import { processText, subjectOf } from '../finding-subject.js';
import type { FindingThresholds } from '../finding-thresholds.js';

/** What runs out, in an on-call engineer's words. */
const GAUGE_TEXT: Record<Exclude<GaugeName, 'acceptQueue'>, string> = {
  ephemeralPorts: 'ephemeral ports',
  timeWait: 'TIME_WAIT buckets',
  conntrack: 'conntrack entries',
  descriptors: 'file descriptors',
  tcpMemory: 'TCP memory',
  orphans: 'orphaned sockets',
};

const NEXT_STEP: Record<Exclude<GaugeName, 'acceptQueue'>, string> = {
  ephemeralPorts: 'new connections to that destination will fail with EADDRNOTAVAIL: reuse connections (keep-alive, a pool), or widen net.ipv4.ip_local_port_range',
  timeWait: 'the side that closes first keeps TIME_WAIT: reuse connections, or let the peer close first; net.ipv4.tcp_tw_reuse helps clients',
  conntrack: 'a full table drops new flows ("nf_conntrack: table full" in dmesg): raise net.netfilter.nf_conntrack_max, or find who opens so many flows',
  descriptors: 'accept() and socket() will fail with EMFILE: a descriptor leak (sockets never closed), or raise its limit (ulimit -n, LimitNOFILE=)',
  tcpMemory: 'past tcp_mem the kernel drops and aborts connections: large socket buffers or many stalled readers; check net.ipv4.tcp_mem',
  orphans: 'past tcp_max_orphans the kernel resets closing connections: many connections closed with unsent or unacknowledged data',
};

/** The owner of the holder's connections (its container included), or the holder alone. */
function holderOwner(pressure: GaugePressure, connections: readonly ConnectionSnapshot[]): Pick<Owner, 'pid' | 'comm' | 'container'> {
  const pid = pressure.holder?.pid ?? null;
  const owned = pid === null ? undefined : connections.find((connection) => connection.owner.pid === pid);
  return owned?.owner ?? { pid, comm: pressure.holder?.name ?? null, container: null };
}

/** `203.0.113.7:443` or `[2001:db8::1]:443` → address and port. */
function destinationOf(subject: string | null): { address: string | null; port: number | null } {
  const match = subject === null ? null : /^\[?([^\]]+?)\]?:(\d+)$/.exec(subject);
  return match === null ? { address: null, port: null } : { address: match[1] ?? null, port: Number(match[2]) };
}

export class HostLimitDetector implements FindingDetector {
  constructor(private readonly thresholds: FindingThresholds) {}

  detect(snapshot: ModelSnapshot): FindingCandidate[] {
    const { hostLimit } = this.thresholds;
    const candidates: FindingCandidate[] = [];
    for (const pressure of gaugePressures(snapshot)) {
      if (pressure.gauge === 'acceptQueue' || pressure.limit <= 0) continue;
      const levels = graded(pressure.share, { warning: hostLimit.warningShare, critical: hostLimit.criticalShare }, hostLimit.holdRatio);
      if (levels.holdLevel === null) continue;
      candidates.push(this.candidate(pressure, pressure.gauge, snapshot, levels));
    }
    return candidates;
  }

  private candidate(
    pressure: GaugePressure,
    gauge: Exclude<GaugeName, 'acceptQueue'>,
    snapshot: ModelSnapshot,
    levels: Pick<FindingCandidate, 'openLevel' | 'holdLevel'>,
  ): FindingCandidate {
    const destination = gauge === 'ephemeralPorts' ? destinationOf(pressure.subject) : { address: null, port: null };
    const subject = subjectOf(holderOwner(pressure, snapshot.connections), destination);
    const where = pressure.netns === null ? 'on the host' : `in network namespace ${pressure.netns}`;
    const what = gauge === 'ephemeralPorts' && pressure.subject !== null ? `${GAUGE_TEXT[gauge]} to ${pressure.subject}` : GAUGE_TEXT[gauge];
    const percent = Math.round(pressure.share * 100);
    const holder = pressure.holder === null ? '' : `; ${processText(subject)} holds ${pressure.holder.holds}`;
    const evidenceConnections =
      gauge === 'ephemeralPorts' && destination.address !== null
        ? snapshot.connections.filter((connection) => connection.daddr === destination.address && connection.dport === destination.port)
        : [];
    return {
      id: `hostLimit:${gauge}:netns=${pressure.netns ?? 'host'}${pressure.subject === null ? '' : `:${pressure.subject}`}`,
      kind: 'hostLimit',
      subject,
      summary: `${what} ${where} are ${percent}% used (${pressure.used} of ${pressure.limit})${holder}`,
      nextStep: NEXT_STEP[gauge],
      evidence: {
        connectionIds: evidenceConnections.slice(0, this.thresholds.maxEvidenceConnections).map((connection) => connection.id),
        listenerIds: [],
        counters: [
          { name: 'in use', value: pressure.used, unit: null },
          { name: 'limit', value: pressure.limit, unit: null },
          { name: 'share', value: percent, unit: '%' },
          ...(pressure.holder === null ? [] : [{ name: `held by ${pressure.holder.name ?? 'one process'}`, value: pressure.holder.holds, unit: null }]),
        ],
        reasons: [],
        absorbed: [],
      },
      ...levels,
      firstEvidenceAtMs: snapshot.atMs,
      lastEvidenceAtMs: snapshot.atMs,
    };
  }
}
