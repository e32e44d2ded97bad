/** A hand-built finding for the surfaces that read findings (exports, documents). */
import type { Finding, FindingKind, FindingSeverity } from '../../src/findings/finding.js';

export function openFinding(kind: FindingKind, severity: FindingSeverity, subjectKey: string): Finding {
  const atMs = Date.UTC(2025, 0, 1);
  return {
    id: `${kind}:${subjectKey}`,
    kind,
    severity,
    state: 'open',
    summary: `${kind} of ${subjectKey}`,
    nextStep: 'look',
    subject: { pid: 1, comm: 'x', container: null, peerAddress: null, peerPort: null, localPort: null },
    sinceMs: atMs,
    lastSeenMs: atMs,
    resolvedAtMs: null,
    evidence: { connectionIds: [], listenerIds: [], counters: [], reasons: [], absorbed: [] },
  };
}
