/**
 * `--events` `finding` lines: one when a finding opens, one when its severity changes, one when
 * it resolves — each with the whole finding as the JSON document writes it (`findings[]`), the
 * tick's time, and what changed. Pure: the lines are the difference between two ticks' findings.
 */
import type { Finding, FindingSeverity } from '../findings/finding.js';
import { findingDocument, type FindingDocument } from '../findings/finding-document.js';

export interface FindingLine extends FindingDocument {
  type: 'finding';
  /** The tick that saw the change, RFC 3339 UTC with milliseconds. */
  time: string;
  /** `opened`, `severity` (raised or lowered: `previousSeverity` says from what) or `resolved`. */
  change: 'opened' | 'severity' | 'resolved';
  /** The severity before a `severity` change; null for the others. */
  previousSeverity: FindingSeverity | null;
}

/** The lines of what changed between the previous tick's findings and this tick's, worst first. */
export function findingChanges(previous: readonly Finding[], current: readonly Finding[], atMs: number): FindingLine[] {
  const before = new Map(previous.map((finding) => [finding.id, finding]));
  const lines: FindingLine[] = [];
  for (const finding of current) {
    const earlier = before.get(finding.id);
    const reopened = earlier !== undefined && earlier.state === 'resolved' && finding.state === 'open';
    if (earlier === undefined || reopened) {
      // A finding can open and resolve between two looks only with a quiet period shorter than a tick: say both.
      if (finding.state === 'open' || earlier === undefined) lines.push(line(finding, 'opened', null, atMs));
      if (finding.state === 'resolved') lines.push(line(finding, 'resolved', null, atMs));
    } else if (earlier.state === 'open' && finding.state === 'resolved') {
      lines.push(line(finding, 'resolved', null, atMs));
    } else if (finding.state === 'open' && earlier.severity !== finding.severity) {
      lines.push(line(finding, 'severity', earlier.severity, atMs));
    }
  }
  return lines;
}

function line(finding: Finding, change: FindingLine['change'], previousSeverity: FindingSeverity | null, atMs: number): FindingLine {
  return { type: 'finding', time: new Date(atMs).toISOString(), change, previousSeverity, ...findingDocument(finding) };
}
