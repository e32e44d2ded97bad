/**
 * One cause, one finding: a fault shows through several symptoms, and the cause's finding takes
 * them in as evidence instead of each opening its own.
 *
 * - Drops a detector knows to be the symptom of another finding (`symptomOf`) go into it when
 *   it is stated: a connect's own SYNs dropped on this host are why its handshake is unanswered
 *   (the `unreachable` finding, named for the client and the port it dials); a local flow's
 *   segments dropped at its receiving end are why its sender retransmits (the sender's `loss`
 *   finding, named for the process whose data is lost and the port it sends to). The finding
 *   keeps the drops' reasons, so it says what dropped them.
 * - A listener whose accept queue overflows makes its clients retransmit their SYNs: the
 *   clients' unreachable findings for that port go into the listener's.
 * - Drops that matter on the very connections a process retransmits on (its own packets dropped
 *   on their way out: a firewall rule, a full queue) are why they are retransmitted: that loss
 *   finding goes into the drops finding.
 *
 * The cause keeps the worse severity of itself and what it took in, and the earlier first evidence.
 */
import type { EvidenceCounter, FindingKind } from './finding.js';
import { dropNextStep } from './detectors/drop-detector.js';
import { worseSeverity, type FindingCandidate } from './finding-candidate.js';

const WILDCARD_ADDRESSES = new Set(['0.0.0.0', '::']);

export function absorbSymptoms(candidates: readonly FindingCandidate[]): FindingCandidate[] {
  return absorbIntoCauses(absorbDeclaredSymptoms(candidates));
}

/** Each candidate that names the finding it is a symptom of goes into that finding, when stated. */
function absorbDeclaredSymptoms(candidates: readonly FindingCandidate[]): FindingCandidate[] {
  const causes = new Map<string, FindingCandidate>();
  for (const candidate of candidates) if (candidate.symptomOf === undefined) causes.set(candidate.id, candidate);
  const symptoms = new Map<string, FindingCandidate[]>();
  const standing: FindingCandidate[] = [];
  for (const candidate of candidates) {
    if (candidate.symptomOf !== undefined && causes.has(candidate.symptomOf)) append(symptoms, candidate.symptomOf, candidate);
    else standing.push(candidate);
  }
  return standing.map((candidate) => {
    const taken = symptoms.get(candidate.id);
    if (taken === undefined) return candidate;
    const cause = taken.reduce(takeIn, candidate);
    return { ...cause, ...explainedByDrops(candidate, cause) };
  });
}

function absorbIntoCauses(candidates: readonly FindingCandidate[]): FindingCandidate[] {
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
        ? (byProcessAndPeer.get(processAndPeer(cause)) ?? []).filter((symptom) => sharesAConnection(cause, symptom))
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

/** On loopback every peer is 127.0.0.1: a process's drops explain its loss only on the connections both are about. */
function sharesAConnection(cause: FindingCandidate, symptom: FindingCandidate): boolean {
  const ids = new Set(cause.evidence.connectionIds);
  return symptom.evidence.connectionIds.some((id) => ids.has(id));
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
  const absorbedKinds = new Set<FindingKind>([...cause.evidence.absorbed, symptom.kind, ...symptom.evidence.absorbed]);
  return {
    ...cause,
    evidence: {
      ...cause.evidence,
      connectionIds: [...new Set([...cause.evidence.connectionIds, ...symptom.evidence.connectionIds])],
      counters: mergedCounters(cause.evidence.counters, symptom.evidence.counters),
      reasons: [...new Set([...cause.evidence.reasons, ...symptom.evidence.reasons])],
      absorbed: [...absorbedKinds],
    },
    openLevel: worseSeverity(cause.openLevel, symptom.openLevel),
    holdLevel: worseSeverity(cause.holdLevel, symptom.holdLevel),
    firstEvidenceAtMs: Math.min(cause.firstEvidenceAtMs, symptom.firstEvidenceAtMs),
    lastEvidenceAtMs: Math.max(cause.lastEvidenceAtMs, symptom.lastEvidenceAtMs),
  };
}

/** Counters of the same name add up (two symptoms' drops); a share is the first one's (it does not add). */
function mergedCounters(own: readonly EvidenceCounter[], taken: readonly EvidenceCounter[]): EvidenceCounter[] {
  const merged = [...own];
  for (const counter of taken) {
    const index = merged.findIndex((existing) => existing.name === counter.name);
    if (index === -1) merged.push(counter);
    else if (counter.unit !== '%') merged[index] = { ...counter, value: (merged[index] as EvidenceCounter).value + counter.value };
  }
  return merged;
}

/**
 * A loss or unreachable finding whose packets this host dropped says so (from `original`, the
 * finding before it took anything in), and what to check here first.
 */
function explainedByDrops(original: FindingCandidate, cause: FindingCandidate): Partial<Pick<FindingCandidate, 'summary' | 'nextStep'>> {
  const dropped = cause.evidence.counters.find((counter) => counter.name === 'dropped')?.value;
  if (dropped === undefined || original.kind === 'drops') return {};
  const dropReasons = cause.evidence.reasons.filter((reason) => !original.evidence.reasons.includes(reason));
  return {
    summary: `${original.summary}; this host dropped ${dropped} of its packets (${dropReasons.join(', ')})`,
    nextStep: `${dropNextStep(dropReasons[0] ?? '')}; then ${original.nextStep}`,
  };
}
