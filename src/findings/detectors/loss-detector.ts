/**
 * Loss: retransmitted segments as a share of the segments sent, per process and peer, over the
 * window — rolled up so one culprit is one finding however many sockets it has. A minimum
 * volume keeps one retransmit on an idle flow from being a share; a heavy healthy flow
 * retransmits next to nothing and stays below every level.
 */
import type { ModelSnapshot } from '../../model/snapshot-types.js';
import { wasEstablished } from '../connection-facts.js';
import type { TickDeltas } from '../connection-deltas.js';
import { levelAt, type FindingCandidate } from '../finding-candidate.js';
import type { FindingDetector } from '../finding-detector.js';
import { endpointText, percentText, pidKey, processText, secondsText, sharedValue, subjectOf } from '../finding-subject.js';
import type { FindingThresholds } from '../finding-thresholds.js';
import { EvidenceWindow, TickEvidence, windowConnectionIds, windowSums } from '../evidence-window.js';

const SEGMENTS = 0;
const RETRANSMITS = 1;

export class LossDetector implements FindingDetector {
  private readonly window: EvidenceWindow;
  /** The peer ports each subject's connections went to, while it has evidence in the window. */
  private readonly ports = new Map<string, Set<number>>();

  constructor(private readonly thresholds: FindingThresholds) {
    this.window = new EvidenceWindow(thresholds.windowMs);
  }

  detect(snapshot: ModelSnapshot, deltas: TickDeltas): FindingCandidate[] {
    const tick = new TickEvidence(2);
    for (const connection of snapshot.connections) {
      const delta = deltas.get(connection.id);
      // SYN retransmits are unanswered handshakes, not loss on a flow.
      if (delta === undefined || delta.segmentsSent + delta.retransmits === 0 || !wasEstablished(connection)) continue;
      const key = `${pidKey(connection.owner.pid)}:peer=${connection.daddr}`;
      tick.add(key, subjectOf(connection.owner, { address: connection.daddr, port: null }), [delta.segmentsSent, delta.retransmits], connection.id);
      let keyPorts = this.ports.get(key);
      if (keyPorts === undefined) this.ports.set(key, (keyPorts = new Set()));
      keyPorts.add(connection.dport);
    }
    tick.flushInto(this.window, snapshot.atMs);
    const { loss, hysteresisRatio: ratio } = this.thresholds;
    const levels = { warning: loss.warningPercent, critical: loss.criticalPercent };
    const candidates: FindingCandidate[] = [];
    const groups = this.window.advance(snapshot.atMs);
    for (const key of this.ports.keys()) if (!groups.has(key)) this.ports.delete(key);
    for (const [key, group] of groups) {
      const sums = windowSums(group, 2);
      const segments = sums[SEGMENTS] as number;
      const retransmits = sums[RETRANSMITS] as number;
      const percent = segments === 0 ? 0 : (100 * retransmits) / segments;
      const hasVolume = (share: number) => segments >= loss.minSegments * share && retransmits >= loss.minRetransmits * share;
      const openLevel = hasVolume(1) ? levelAt(percent, levels, 1) : null;
      const holdLevel = hasVolume(ratio) ? levelAt(percent, levels, ratio) : null;
      if (openLevel === null && holdLevel === null) continue;
      const port = sharedValue(this.ports.get(key) ?? []);
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
