/**
 * Refused: connects answered by a reset (the model shows them as SYN_SENT → CLOSE with a reset
 * received) — nothing listens on the peer's port, or a firewall rejects. Per client process
 * and destination address and port, over the window.
 */
import type { ModelSnapshot } from '../../model/snapshot-types.js';
import { endedInHandshake, synSentAtMs } from '../connection-facts.js';
import { graded, type FindingCandidate } from '../finding-candidate.js';
import type { FindingDetector } from '../finding-detector.js';
import { peerText, processText, secondsText } from '../finding-subject.js';
import type { FindingThresholds } from '../finding-thresholds.js';
import { HandshakeGroups, recentConnectionIds } from './handshake-groups.js';

export class RefusedDetector implements FindingDetector {
  constructor(private readonly thresholds: FindingThresholds) {}

  detect(snapshot: ModelSnapshot): FindingCandidate[] {
    const { refused, windowMs } = this.thresholds;
    const handshakes = new HandshakeGroups();
    // Indexed: a for-of over the table made an iterator result per connection, tick after tick.
    const { connections } = snapshot;
    for (let index = 0; index < connections.length; index++) {
      const connection = connections[index]!;
      if (connection.closedAtMs === null || connection.closedAtMs <= snapshot.atMs - windowMs || connection.resetsReceived === 0) continue;
      if (!endedInHandshake(connection)) continue;
      handshakes.add(connection, synSentAtMs(connection) ?? connection.closedAtMs, connection.closedAtMs);
    }
    const candidates: FindingCandidate[] = [];
    for (const [key, group] of handshakes.groups) {
      const count = group.connections.length;
      const peer = peerText(group.subject);
      candidates.push({
        id: `refused:${key}`,
        kind: 'refused',
        subject: group.subject,
        summary: `${processText(group.subject)} is refused by ${peer}: ${count} connect${count === 1 ? '' : 's'} answered by a reset in the last ${secondsText(windowMs)}`,
        nextStep: `nothing listens on ${peer} (or a firewall rejects): check that the service is running and bound to that address and port, and the client's configured port`,
        evidence: {
          connectionIds: recentConnectionIds(group, this.thresholds.maxEvidenceConnections),
          listenerIds: [],
          counters: [{ name: 'refused connects', value: count, unit: 'connections' }],
          reasons: [],
          absorbed: [],
        },
        ...graded(count, { warning: refused.warningConnections, critical: refused.criticalConnections }, this.thresholds.hysteresisRatio),
        firstEvidenceAtMs: group.firstAtMs,
        lastEvidenceAtMs: group.lastAtMs,
      });
    }
    return candidates.filter((candidate) => candidate.holdLevel !== null);
  }
}
