/**
 * Loss: retransmitted segments as a share of the segments sent, per process and peer, over the
 * window — rolled up so one culprit is one finding however many sockets it has. A minimum
 * volume keeps one retransmit on an idle flow from being a share; a heavy healthy flow
 * retransmits next to nothing and stays below every level.
 *
 * Only subjects that retransmit are followed: a subject's segments are counted from the tick of
 * its first retransmit in the window (its share is taken over that part of the window), and it
 * is forgotten once its retransmits left the window — so the flows that never retransmit, nearly
 * all of a busy host's, cost one lookup a tick.
 */
import type { ModelSnapshot } from '../../model/snapshot-types.js';
import { wasEstablished } from '../connection-facts.js';
import type { TickDeltas } from '../connection-deltas.js';
import { levelAt, type FindingCandidate } from '../finding-candidate.js';
import type { FindingDetector } from '../finding-detector.js';
import { endpointText, percentText, processText, secondsText, subjectOf } from '../finding-subject.js';
import type { FindingThresholds } from '../finding-thresholds.js';
import { EvidenceWindow, TickEvidence, windowConnectionIds, windowSum } from '../evidence-window.js';

const MANY_PORTS = -1;
const SEGMENTS = 0;
const RETRANSMITS = 1;

export class LossDetector implements FindingDetector {
  private readonly window: EvidenceWindow;
  /** The peer port each subject's connections went to (MANY_PORTS when they differ), while it has evidence in the window. */
  private readonly ports = new Map<string, number>();

  constructor(private readonly thresholds: FindingThresholds) {
    this.window = new EvidenceWindow(thresholds.windowMs);
  }

  detect(snapshot: ModelSnapshot, deltas: TickDeltas): FindingCandidate[] {
    const tick = new TickEvidence(2, this.thresholds.maxEvidenceConnections);
    for (const delta of deltas) {
      const { connection, processPeerKey: key } = delta;
      // SYN retransmits are unanswered handshakes, not loss on a flow.
      if (delta.retransmits === 0 && (delta.segmentsSent === 0 || !this.window.has(key))) continue;
      if (!wasEstablished(connection)) continue;
      tick.add(key, () => subjectOf(connection.owner, { address: connection.daddr, port: null }), [delta.segmentsSent, delta.retransmits], connection.id);
      const port = this.ports.get(key);
      if (port === undefined) this.ports.set(key, connection.dport);
      else if (port !== connection.dport) this.ports.set(key, MANY_PORTS);
    }
    tick.flushInto(this.window, snapshot.atMs);
    const { loss, hysteresisRatio: ratio } = this.thresholds;
    const levels = { warning: loss.warningPercent, critical: loss.criticalPercent };
    const candidates: FindingCandidate[] = [];
    const groups = this.window.advance(snapshot.atMs);
    for (const key of this.ports.keys()) if (!groups.has(key)) this.ports.delete(key);
    for (const [key, group] of groups) {
      const retransmits = windowSum(group, RETRANSMITS);
      if (retransmits === 0) {
        this.window.forget(key);
        this.ports.delete(key);
        continue;
      }
      // Most flows retransmit nothing: the cheap test first.
      if (retransmits < loss.minRetransmits * ratio) continue;
      const segments = windowSum(group, SEGMENTS);
      const percent = segments === 0 ? 0 : (100 * retransmits) / segments;
      const hasVolume = (share: number) => segments >= loss.minSegments * share && retransmits >= loss.minRetransmits * share;
      const openLevel = hasVolume(1) ? levelAt(percent, levels, 1) : null;
      const holdLevel = hasVolume(ratio) ? levelAt(percent, levels, ratio) : null;
      if (openLevel === null && holdLevel === null) continue;
      const knownPort = this.ports.get(key) ?? MANY_PORTS;
      const port = knownPort === MANY_PORTS ? null : knownPort;
      const subject = { ...group.subject, peerPort: port };
      const peer = endpointText(group.subject.peerAddress ?? '', port);
      candidates.push({
        id: `loss:${key}`,
        kind: 'loss',
        subject,
        summary: `${processText(subject)} retransmits ${percentText(percent)}% of its segments to ${peer} (${retransmits} of ${segments} in the last ${secondsText(this.thresholds.windowMs)})`,
        nextStep: `segments to ${peer} are lost on the way: look for drops on this host (the Drops column), then on the path and at the peer (interface errors, a saturated link, a policer)`,
        evidence: {
          connectionIds: windowConnectionIds(group, this.thresholds.maxEvidenceConnections),
          listenerIds: [],
          counters: [
            { name: 'retransmitted', value: retransmits, unit: 'segments' },
            { name: 'segments sent', value: segments, unit: 'segments' },
            { name: 'retransmitted share', value: Math.round(percent * 10) / 10, unit: '%' },
          ],
          reasons: [],
          absorbed: [],
        },
        openLevel,
        holdLevel,
        firstEvidenceAtMs: group.entries.find((entry) => (entry.amounts[RETRANSMITS] ?? 0) > 0)?.atMs ?? snapshot.atMs,
        lastEvidenceAtMs: group.entries.findLast((entry) => (entry.amounts[RETRANSMITS] ?? 0) > 0)?.atMs ?? snapshot.atMs,
      });
    }
    return candidates;
  }
}
