/**
 * The `netscope_findings{kind,severity}` gauge (OTLP `netscope.findings`): open findings by kind
 * and severity, every pair listed with 0 when none is open, so an alert on a series works from
 * the first scrape on and a resolved finding's series falls back to 0 instead of vanishing.
 */
import type { Finding, FindingKind, FindingSeverity } from '../findings/finding.js';
import { FINDING_KINDS, FINDING_SEVERITIES } from '../findings/finding-kinds.js';

export interface FindingCount {
  kind: FindingKind;
  severity: FindingSeverity;
  open: number;
}

export function openFindingCounts(findings: readonly Finding[]): FindingCount[] {
  const counts = FINDING_KINDS.flatMap((kind) => FINDING_SEVERITIES.map((severity) => ({ kind, severity, open: 0 })));
  for (const finding of findings) {
    if (finding.state !== 'open') continue;
    const count = counts.find((candidate) => candidate.kind === finding.kind && candidate.severity === finding.severity);
    if (count !== undefined) count.open++;
  }
  return counts;
}
