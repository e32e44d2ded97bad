/**
 * Findings in the JSON document (`--json`, `s` saves): the document's `findings[]`, with times as
 * RFC 3339 strings and connection and listener ids as decimal strings, like the rest of the
 * document (schema/snapshot.schema.json, `$defs/finding`). The model's document knows nothing of
 * findings; this stage adds them to it.
 */
import { containerIdentityDocument, type ContainerIdentityDocument, type SnapshotDocument } from '../model/snapshot-document.js';
import type { EvidenceCounter, Finding, FindingKind, FindingSeverity, FindingState } from './finding.js';

export interface FindingDocument {
  id: string;
  kind: FindingKind;
  severity: FindingSeverity;
  state: FindingState;
  summary: string;
  nextStep: string;
  pid: number | null;
  comm: string | null;
  container: ContainerIdentityDocument | null;
  peerAddress: string | null;
  peerPort: number | null;
  localPort: number | null;
  /** First evidence. */
  since: string;
  /** Last evidence. */
  lastSeen: string;
  /** Null while open. */
  resolvedAt: string | null;
  evidence: {
    /** Socket cookies of the connections behind it. */
    connectionIds: string[];
    /** Socket cookies of the listeners behind it. */
    listenerIds: string[];
    counters: EvidenceCounter[];
    reasons: string[];
    absorbed: FindingKind[];
  };
}

/** A snapshot document with the capture's findings, worst first. */
export type FindingsSnapshotDocument = SnapshotDocument & { findings: FindingDocument[] };

export function findingDocument(finding: Finding): FindingDocument {
  const { subject, evidence } = finding;
  return {
    id: finding.id,
    kind: finding.kind,
    severity: finding.severity,
    state: finding.state,
    summary: finding.summary,
    nextStep: finding.nextStep,
    pid: subject.pid,
    comm: subject.comm,
    container: containerIdentityDocument(subject.container),
    peerAddress: subject.peerAddress,
    peerPort: subject.peerPort,
    localPort: subject.localPort,
    since: new Date(finding.sinceMs).toISOString(),
    lastSeen: new Date(finding.lastSeenMs).toISOString(),
    resolvedAt: finding.resolvedAtMs === null ? null : new Date(finding.resolvedAtMs).toISOString(),
    evidence: {
      connectionIds: evidence.connectionIds.map(String),
      listenerIds: evidence.listenerIds.map(String),
      counters: evidence.counters.map(({ name, value, unit }) => ({ name, value, unit })),
      reasons: [...evidence.reasons],
      absorbed: [...evidence.absorbed],
    },
  };
}

/**
 * The document with `findings` added before a save's `view` (the fields stream in this order,
 * see snapshotDocumentJson).
 */
export function withFindings<Document extends Pick<SnapshotDocument, 'view'>>(
  document: Document,
  findings: readonly Finding[],
): Omit<Document, 'view'> & Pick<FindingsSnapshotDocument, 'findings' | 'view'> {
  const { view, ...rest } = document;
  return { ...rest, findings: findings.map(findingDocument), ...(view === undefined ? {} : { view }) };
}
