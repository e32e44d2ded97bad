/**
 * One cause, one finding: a fault shows through several symptoms, and the cause's finding takes
 * them in as evidence instead of each opening its own.
 *
 * - A listener whose accept queue overflows makes its clients retransmit their SYNs: the
 *   clients' unreachable findings for that port go into the listener's.
 * - Drops that matter on a process's traffic with a peer (a firewall rule, a full buffer) are
 *   why its segments are retransmitted and why its SYNs go unanswered: that process and peer's
 *   loss and unreachable findings go into the drops finding.
 *
 * The cause keeps the worse severity of itself and what it took in, and the earlier first evidence.
 */
import type { FindingKind } from './finding.js';
import { worseSeverity, type FindingCandidate } from './finding-candidate.js';

const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::']);

export function absorbSymptoms(candidates: readonly FindingCandidate[]): FindingCandidate[] {
  const byProcessAndPeer = new Map<string, FindingCandidate[]>();
  const unreachableByPort = new Map<number, FindingCandidate[]>();
  for (const candidate of candidates) {
    if (candidate.kind !== 'loss' && candidate.kind !== 'unreachable') continue;
    append(byProcessAndPeer, processAndPeer(candidate), candidate);
    if (candidate.kind === 'unreachable' && candidate.subject.peerPort !== null) append(unreachableByPort, candidate.subject.peerPort, candidate);
  }
  const absorbed = new Set<FindingCandidate>();
  const causes = new Map<FindingCandidate, FindingCandidate>();
  for (const cause of candidates) {
    if (cause.holdLevel === null) continue;
    const symptoms =
      cause.kind === 'drops'
        ? (byProcessAndPeer.get(processAndPeer(cause)) ?? [])
        : cause.kind === 'acceptQueueOverflow' && cause.subject.localPort !== null
          ? (unreachableByPort.get(cause.subject.localPort) ?? []).filter((symptom) => listensOn(cause, symptom.subject.peerAddress))
          : [];
    for (const symptom of symptoms) {
      if (absorbed.has(symptom)) continue;
      absorbed.add(symptom);
      causes.set(cause, takeIn(causes.get(cause) ?? cause, symptom));
    }
  }
  return candidates.filter((candidate) => !absorbed.has(candidate)).map((candidate) => causes.get(candidate) ?? candidate);
}

function processAndPeer(candidate: FindingCandidate): string {
  return `${candidate.subject.pid ?? 'unknown'}|${candidate.subject.peerAddress ?? ''}`;
}

function append<K>(map: Map<K, FindingCandidate[]>, key: K, candidate: FindingCandidate): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [candidate]);
  else list.push(candidate);
}

/** Does the listener behind `cause` take connections to `address`? */
function listensOn(cause: FindingCandidate, address: string | null): boolean {
  const listenAddress = cause.listenAddress ?? null;
  return listenAddress === null || WILDCARD_ADDRESSES.has(listenAddress) || listenAddress === address;
}

function takeIn(cause: FindingCandidate, symptom: FindingCandidate): FindingCandidate {
  const kinds: FindingKind[] = cause.evidence.absorbed.includes(symptom.kind) ? [...cause.evidence.absorbed] : [...cause.evidence.absorbed, symptom.kind];
  return {
    ...cause,
    evidence: {
      ...cause.evidence,
      connectionIds: [...new Set([...cause.evidence.connectionIds, ...symptom.evidence.connectionIds])],
      counters: [...cause.evidence.counters, ...symptom.evidence.counters.filter((counter) => !cause.evidence.counters.some((own) => own.name === counter.name))],
      absorbed: kinds,
    },
    openLevel: worseSeverity(cause.openLevel, symptom.openLevel),
    holdLevel: worseSeverity(cause.holdLevel, symptom.holdLevel),
    firstEvidenceAtMs: Math.min(cause.firstEvidenceAtMs, symptom.firstEvidenceAtMs),
    lastEvidenceAtMs: Math.max(cause.lastEvidenceAtMs, symptom.lastEvidenceAtMs),
  };
}
