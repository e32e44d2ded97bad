/**
 * What a detector says about one subject at one tick, before hysteresis: the finding it would
 * be, and the severities its evidence reaches by the opening thresholds and by the lower,
 * holding ones. The engine alone decides when a finding opens, changes severity and resolves.
 */
import type { FindingEvidence, FindingKind, FindingSeverity, FindingSubject } from './finding.js';
import { severityRank } from './finding.js';

export interface FindingCandidate {
  /** The finding's stable id (kind plus subject). */
  id: string;
  kind: FindingKind;
  subject: FindingSubject;
  summary: string;
  nextStep: string;
  evidence: FindingEvidence;
  /** Severity the evidence reaches by the opening thresholds; null below all of them. */
  openLevel: FindingSeverity | null;
  /** Severity the evidence still holds by the holding thresholds (a share of the opening ones); null when none. */
  holdLevel: FindingSeverity | null;
  /** Earliest evidence behind it, ms since the epoch (the finding's `sinceMs` when it opens). */
  firstEvidenceAtMs: number;
  /** Latest evidence behind it, ms since the epoch. */
  lastEvidenceAtMs: number;
  /** A listener's own address (acceptQueueOverflow): which clients' symptoms it explains. */
  listenAddress?: string;
  /** The id of the finding this one is a symptom of, should that finding be stated: it then takes this one in (see absorbSymptoms). */
  symptomOf?: string;
}

/** Thresholds of a kind that grades one number: a warning from `warning` up, critical from `critical` up. */
export interface Levels {
  warning: number;
  critical: number;
}

/**
 * The opening and holding severities of `value` against `levels`: it opens at a level, and
 * holds a level while above `hysteresisRatio` of it.
 */
export function graded(value: number, levels: Levels, hysteresisRatio: number): Pick<FindingCandidate, 'openLevel' | 'holdLevel'> {
  return { openLevel: levelAt(value, levels, 1), holdLevel: levelAt(value, levels, hysteresisRatio) };
}

/** The severity `value` reaches against `share` of each level; null below the warning's. */
export function levelAt(value: number, levels: Levels, share: number): FindingSeverity | null {
  if (value >= levels.critical * share) return 'critical';
  if (value >= levels.warning * share) return 'warning';
  return null;
}

/** The worse of two severities (null is none). */
export function worseSeverity(a: FindingSeverity | null, b: FindingSeverity | null): FindingSeverity | null {
  if (a === null) return b;
  if (b === null) return a;
  return severityRank[a] <= severityRank[b] ? a : b;
}

/** Is `a` worse than `b` (null is better than any severity)? */
export function isWorse(a: FindingSeverity | null, b: FindingSeverity | null): boolean {
  if (a === null) return false;
  return b === null || severityRank[a] < severityRank[b];
}
