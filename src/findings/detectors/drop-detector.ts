/**
 * Drops that matter: packets of a connection the kernel dropped for a reason of class
 * `matters` (a firewall rule, a full receive buffer, a zero window…), per process and peer over
 * the window. TCP's own housekeeping and refusals are other classes and never count here.
 *
 * Two kinds of drops are symptoms of another finding, which takes them in when it is stated
 * (absorbSymptoms), and are grouped per connection's peer port so that finding can be found:
 * - drops on a connect still in its handshake are its own SYNs going unanswered: the
 *   `unreachable` finding of that process and destination port;
 * - drops on the receiving end of a flow whose sending end is on this host too are that
 *   sender's segments lost: its `loss` finding.
 * Either, when its finding is not stated, is a drops finding of its own, port and all.
 */
import type { ModelSnapshot } from '../../model/snapshot-types.js';
import type { TickDeltas } from '../connection-deltas.js';
import { graded, type FindingCandidate } from '../finding-candidate.js';
import type { FindingDetector } from '../finding-detector.js';
import { peerText, processText, secondsText, subjectOf } from '../finding-subject.js';
import type { FindingThresholds } from '../finding-thresholds.js';
import { EvidenceWindow, TickEvidence, windowConnectionIds, windowReasons, windowSum } from '../evidence-window.js';
import { processPeerKeyOf, type ConnectionDelta } from '../connection-deltas.js';
import { wasEstablished } from '../connection-facts.js';
import { processEndpointKey } from './handshake-groups.js';

/** Where a connection's drops are counted, and the finding they are a symptom of (if any). */
interface DropGroup {
  key: string;
  port: number | null;
  symptomOf: string | null;
}

function dropGroupOf({ connection, processPeerKey, localPeer }: ConnectionDelta): DropGroup {
  if (!wasEstablished(connection)) {
    const key = processEndpointKey(connection);
    return { key, port: connection.dport, symptomOf: `unreachable:${key}` };
  }
  if (localPeer !== null) return { key: processEndpointKey(connection), port: connection.dport, symptomOf: `loss:${processPeerKeyOf(localPeer)}` };
  return { key: processPeerKey, port: null, symptomOf: null };
}

export class DropDetector implements FindingDetector {
  private readonly window: EvidenceWindow;
  /** The finding each symptom group's drops belong to, while the group has evidence in the window. */
  private readonly symptomOf = new Map<string, string>();

  constructor(private readonly thresholds: FindingThresholds) {
    this.window = new EvidenceWindow(thresholds.windowMs);
  }

  detect(snapshot: ModelSnapshot, deltas: TickDeltas): FindingCandidate[] {
    const tick = new TickEvidence(1, this.thresholds.maxEvidenceConnections);
    for (const delta of deltas) {
      if (delta.mattersDrops.length === 0) continue;
      const { connection } = delta;
      const { key, port, symptomOf } = dropGroupOf(delta);
      const dropped = delta.mattersDrops.reduce((sum, [, count]) => sum + count, 0);
      tick.add(key, () => subjectOf(connection.owner, { address: connection.daddr, port }), [dropped], connection.id, delta.mattersDrops);
      if (symptomOf !== null) this.symptomOf.set(key, symptomOf);
    }
    tick.flushInto(this.window, snapshot.atMs);
    const levels = { warning: this.thresholds.drops.warningDrops, critical: this.thresholds.drops.criticalDrops };
    const candidates: FindingCandidate[] = [];
    const groups = this.window.advance(snapshot.atMs);
    for (const key of this.symptomOf.keys()) if (!groups.has(key)) this.symptomOf.delete(key);
    for (const [key, group] of groups) {
      const dropped = windowSum(group, 0);
      const level = graded(dropped, levels, this.thresholds.hysteresisRatio);
      if (level.holdLevel === null) continue;
      const reasons = windowReasons(group);
      const peer = peerText(group.subject);
      candidates.push({
        id: `drops:${key}`,
        kind: 'drops',
        subject: group.subject,
        summary: `the kernel dropped ${dropped} packet${dropped === 1 ? '' : 's'} of ${processText(group.subject)} with ${peer} in the last ${secondsText(this.thresholds.windowMs)} (${reasons.join(', ')})`,
        nextStep: dropNextStep(reasons[0] ?? ''),
        evidence: {
          connectionIds: windowConnectionIds(group, this.thresholds.maxEvidenceConnections),
          listenerIds: [],
          counters: [{ name: 'dropped', value: dropped, unit: 'packets' }],
          reasons,
          absorbed: [],
        },
        ...level,
        firstEvidenceAtMs: group.entries[0]?.atMs ?? snapshot.atMs,
        lastEvidenceAtMs: group.entries.at(-1)?.atMs ?? snapshot.atMs,
        ...symptomField(this.symptomOf.get(key)),
      });
    }
    return candidates;
  }
}

function symptomField(symptomOf: string | undefined): Pick<FindingCandidate, 'symptomOf'> {
  return symptomOf === undefined ? {} : { symptomOf };
}

/** The reasons whose drops are a rule or program's choice. */
const POLICY_REASONS = new Set(['NETFILTER_DROP', 'SOCKET_FILTER', 'IP_RPFILTER', 'XFRM_POLICY', 'BPF_CGROUP_EGRESS', 'TC_EGRESS', 'TC_INGRESS', 'SECURITY_HOOK', 'XDP']);
const RECEIVER_FULL_REASONS = new Set(['SOCKET_RCVBUFF', 'SOCKET_BACKLOG', 'PROTO_MEM', 'TCP_ZEROWINDOW', 'TCP_OVERWINDOW', 'TCP_OFO_QUEUE_PRUNE', 'TCP_OFO_DROP']);

/** What to check next about drops, by their most frequent reason. */
export function dropNextStep(reason: string): string {
  if (POLICY_REASONS.has(reason)) return `a firewall rule or filter drops them (${reason}): check this host's nftables/iptables rules (nft list ruleset) and any tc or BPF program`;
  if (RECEIVER_FULL_REASONS.has(reason)) return `the receiving socket is out of room (${reason}): the application does not read fast enough — check it is not stalled, or raise its receive buffer`;
  if (reason === 'TCP_LISTEN_OVERFLOW') return 'a listener\'s accept queue overflowed: the server is not accepting fast enough';
  return `the kernel drops them (${reason}): check the interface's queues and errors (ip -s link, tc -s qdisc) and memory pressure`;
}
