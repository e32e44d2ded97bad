/**
 * A finding as a scope: what Enter on a Findings row carries to the reducer, and the scope kept
 * up to date with the finding's evidence while the finding is still listed.
 */
import type { Finding } from '../../findings/finding.js';
import type { FindingScope, UiState } from './ui-state.js';

const scopeByFinding = new WeakMap<Finding, FindingScope>();

/** The scope of `finding`'s evidence; the same object for the same finding object. */
export function findingScope(finding: Finding): FindingScope {
  const cached = scopeByFinding.get(finding);
  if (cached !== undefined) return cached;
  const scope: FindingScope = {
    kind: 'finding',
    id: finding.id,
    summary: finding.summary,
    connectionIds: finding.evidence.connectionIds,
    listenerIds: finding.evidence.listenerIds,
    pid: finding.subject.pid,
    peerAddress: finding.subject.peerAddress,
  };
  scopeByFinding.set(finding, scope);
  return scope;
}

/**
 * `state` with a finding scope brought up to the finding's current evidence (a fault that goes
 * on opens new connections); `state` itself under any other scope, or once the finding is gone
 * (its evidence as of Enter stays).
 */
export function withCurrentEvidence(state: UiState, findings: readonly Finding[]): UiState {
  const { scope } = state;
  if (scope?.kind !== 'finding') return state;
  const current = findings.find((finding) => finding.id === scope.id);
  if (current === undefined) return state;
  const refreshed = findingScope(current);
  return sameEvidence(scope, refreshed) ? state : { ...state, scope: refreshed };
}

function sameEvidence(a: FindingScope, b: FindingScope): boolean {
  return (
    a.summary === b.summary &&
    a.pid === b.pid &&
    a.peerAddress === b.peerAddress &&
    sameIds(a.connectionIds, b.connectionIds) &&
    sameIds(a.listenerIds, b.listenerIds)
  );
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, index) => id === b[index]);
}
