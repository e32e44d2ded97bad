/**
 * The findings engine: fed one model snapshot per tick, it states what is wrong. Pure and
 * deterministic — no I/O, and its only clock is the snapshots' `atMs` — so a replay of a
 * recording, ticked as it was live, states the very same findings with the very same ids.
 *
 * Each tick, the detectors (one per kind) turn the snapshot into candidates; one cause takes in
 * its symptoms (see absorbSymptoms); then hysteresis decides: a candidate opens a finding when
 * it crosses an opening threshold; an open finding's severity rises at once, and falls (or the
 * finding resolves) only after the evidence stayed below the holding level for the quiet period.
 */
import type { ModelSnapshot } from '../model/snapshot-types.js';
import type { Finding, FindingSeverity } from './finding.js';
import { severityRank } from './finding.js';
import { absorbSymptoms } from './absorb-symptoms.js';
import { ConnectionDeltas } from './connection-deltas.js';
import type { FindingCandidate } from './finding-candidate.js';
import { isWorse } from './finding-candidate.js';
import type { FindingDetector } from './finding-detector.js';
import { defaultFindingThresholds, type FindingThresholds } from './finding-thresholds.js';
import { AcceptQueueDetector } from './detectors/accept-queue-detector.js';
import { CloseWaitDetector } from './detectors/close-wait-detector.js';
import { DropDetector } from './detectors/drop-detector.js';
import { LossDetector } from './detectors/loss-detector.js';
import { RefusedDetector } from './detectors/refused-detector.js';
import { ResetDetector } from './detectors/reset-detector.js';
import { SlowHandshakeDetector } from './detectors/slow-handshake-detector.js';
import { UnreachableDetector } from './detectors/unreachable-detector.js';
import { HostLimitDetector } from './detectors/host-limit-detector.js';
import { StalledReaderDetector } from './detectors/stalled-reader-detector.js';

/** One finding as the engine tracks it between ticks. */
interface TrackedFinding {
  finding: Finding;
  /** Since when the evidence has held a lower severity than the finding's; null while it holds the finding's. */
  belowSinceMs: number | null;
  /** Since when the evidence has held no severity at all; null while it holds one. */
  quietSinceMs: number | null;
}

export class FindingsEngine {
  private readonly thresholds: FindingThresholds;
  private readonly deltas = new ConnectionDeltas();
  private readonly detectors: readonly FindingDetector[];
  private readonly tracked = new Map<string, TrackedFinding>();
  private current: readonly Finding[] = [];

  /** @param thresholds every threshold of every kind (see finding-thresholds.ts for the defaults and why). */
  constructor(thresholds: FindingThresholds = defaultFindingThresholds) {
    this.thresholds = thresholds;
    this.detectors = [
      new AcceptQueueDetector(thresholds),
      new DropDetector(thresholds),
      new LossDetector(thresholds),
      new UnreachableDetector(thresholds),
      new RefusedDetector(thresholds),
      new ResetDetector(thresholds),
      new CloseWaitDetector(thresholds),
      new SlowHandshakeDetector(thresholds),
      new HostLimitDetector(thresholds),
      new StalledReaderDetector(thresholds),
    ];
  }

  /** The findings of the last update (empty before the first). */
  get findings(): readonly Finding[] {
    return this.current;
  }

  /**
   * Takes one tick's snapshot (call once per model tick, in order). Returns the open findings
   * and those resolved within `resolvedRetentionMs`, worst first (severity, then earliest since,
   * then id).
   */
  update(snapshot: ModelSnapshot): readonly Finding[] {
    const nowMs = snapshot.atMs;
    const deltas = this.deltas.update(snapshot);
    const detected = this.detectors.flatMap((detector) => detector.detect(snapshot, deltas));
    const candidates = absorbSymptoms(detected);
    const seen = new Set<string>();
    for (const candidate of candidates) seen.add(candidate.id);
    for (const candidate of detected) if (!seen.has(candidate.id)) this.resolveAbsorbed(candidate.id, nowMs);
    for (const candidate of candidates) this.apply(candidate, nowMs);
    for (const [id, tracked] of this.tracked) {
      if (seen.has(id)) continue;
      if (tracked.finding.state === 'open') this.hold(tracked, null, nowMs);
      else if (nowMs - (tracked.finding.resolvedAtMs ?? nowMs) >= this.thresholds.resolvedRetentionMs) this.tracked.delete(id);
    }
    this.current = [...this.tracked.values()].map((tracked) => tracked.finding).sort(worstFirst);
    return this.current;
  }

  /**
   * A symptom opened before its cause was stated (drops counted a tick before the sender's
   * retransmits were sampled) is the cause's evidence now: it resolves at once, so one fault is
   * one open finding.
   */
  private resolveAbsorbed(id: string, nowMs: number): void {
    const tracked = this.tracked.get(id);
    if (tracked === undefined || tracked.finding.state !== 'open') return;
    tracked.finding = { ...tracked.finding, state: 'resolved', resolvedAtMs: nowMs };
  }

  private apply(candidate: FindingCandidate, nowMs: number): void {
    const tracked = this.tracked.get(candidate.id);
    if (tracked === undefined || tracked.finding.state === 'resolved') {
      if (candidate.openLevel !== null) this.tracked.set(candidate.id, { finding: opened(candidate, candidate.openLevel), belowSinceMs: null, quietSinceMs: null });
      return;
    }
    const previous = tracked.finding;
    const severity = isWorse(candidate.openLevel, previous.severity) ? (candidate.openLevel as FindingSeverity) : previous.severity;
    tracked.finding = {
      ...previous,
      severity,
      summary: candidate.summary,
      nextStep: candidate.nextStep,
      subject: candidate.subject,
      evidence: candidate.evidence,
      lastSeenMs: candidate.holdLevel === null ? previous.lastSeenMs : Math.max(previous.lastSeenMs, candidate.lastEvidenceAtMs),
    };
    if (severity !== previous.severity) tracked.belowSinceMs = null;
    this.hold(tracked, candidate.holdLevel, nowMs);
  }

  /**
   * Resolves once the evidence held nothing for the quiet period; lowers the severity once it
   * stayed below the finding's severity (still holding a lower one) for the quiet period.
   */
  private hold(tracked: TrackedFinding, holdLevel: FindingSeverity | null, nowMs: number): void {
    tracked.quietSinceMs = holdLevel === null ? (tracked.quietSinceMs ?? nowMs) : null;
    tracked.belowSinceMs = isWorse(tracked.finding.severity, holdLevel) ? (tracked.belowSinceMs ?? nowMs) : null;
    const { quietPeriodMs } = this.thresholds;
    if (tracked.quietSinceMs !== null && nowMs - tracked.quietSinceMs >= quietPeriodMs) {
      tracked.finding = { ...tracked.finding, state: 'resolved', resolvedAtMs: nowMs };
    } else if (holdLevel !== null && tracked.belowSinceMs !== null && nowMs - tracked.belowSinceMs >= quietPeriodMs) {
      tracked.finding = { ...tracked.finding, severity: holdLevel };
      tracked.belowSinceMs = null;
    }
  }
}

function opened(candidate: FindingCandidate, severity: FindingSeverity): Finding {
  return {
    id: candidate.id,
    kind: candidate.kind,
    severity,
    state: 'open',
    summary: candidate.summary,
    nextStep: candidate.nextStep,
    subject: candidate.subject,
    sinceMs: candidate.firstEvidenceAtMs,
    lastSeenMs: candidate.lastEvidenceAtMs,
    resolvedAtMs: null,
    evidence: candidate.evidence,
  };
}

/** Open before resolved; then critical first, the earliest first, and by id so the order never depends on the map's. */
function worstFirst(a: Finding, b: Finding): number {
  const byState = (a.state === 'open' ? 0 : 1) - (b.state === 'open' ? 0 : 1);
  if (byState !== 0) return byState;
  return severityRank[a.severity] - severityRank[b.severity] || a.sinceMs - b.sinceMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
