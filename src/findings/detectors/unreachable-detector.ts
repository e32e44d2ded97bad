/**
 * Unreachable: handshakes nobody answers — a blackholed peer, or a route or firewall eating the
 * SYNs. A handshake counts once it has waited a whole initial retransmission timeout (1 s: the
 * kernel has then sent its SYN again), whether still waiting or closed from SYN_SENT with no
 * reset (a connect timeout) — or at once when this host dropped its SYN (no answer can come).
 * Per client process and destination address and port.
 */
import type { ModelSnapshot } from '../../model/snapshot-types.js';
import { synSentAtMs, wasEstablished } from '../connection-facts.js';
import { graded, type FindingCandidate } from '../finding-candidate.js';
import type { FindingDetector } from '../finding-detector.js';
import { peerText, processText, secondsText } from '../finding-subject.js';
import type { FindingThresholds } from '../finding-thresholds.js';
import { HandshakeGroups, recentConnectionIds } from './handshake-groups.js';

export class UnreachableDetector implements FindingDetector {
  constructor(private readonly thresholds: FindingThresholds) {}

  detect(snapshot: ModelSnapshot): FindingCandidate[] {
    const { unreachable, windowMs } = this.thresholds;
    const handshakes = new HandshakeGroups();
    // Indexed: a for-of over the table made an iterator result per connection, tick after tick.
    const { connections } = snapshot;
    for (let index = 0; index < connections.length; index++) {
      const connection = connections[index]!;
      if (connection.state !== 'SYN_SENT' && connection.closedAtMs === null) continue;
      const sentAtMs = synSentAtMs(connection);
      if (sentAtMs === null || wasEstablished(connection) || connection.resetsReceived > 0) continue;
      const endedAtMs = connection.closedAtMs ?? snapshot.atMs;
      if (endedAtMs <= snapshot.atMs - windowMs) continue;
      if (endedAtMs - sentAtMs < unreachable.noAnswerAfterMs && !connection.drops.some((drop) => drop.class === 'matters')) continue;
      handshakes.add(connection, sentAtMs, endedAtMs);
    }
    const candidates: FindingCandidate[] = [];
    for (const [key, group] of handshakes.groups) {
      const count = group.connections.length;
      const waiting = group.connections.filter((connection) => connection.closedAtMs === null).length;
      const synRetransmits = group.connections.reduce((sum, connection) => sum + connection.retransmits, 0);
      const peer = peerText(group.subject);
      candidates.push({
        id: `unreachable:${key}`,
        kind: 'unreachable',
        subject: group.subject,
        summary: `${processText(group.subject)} gets no answer from ${peer}: ${count} connect${count === 1 ? '' : 's'} unanswered in the last ${secondsText(windowMs)}${waiting > 0 ? ` (${waiting} still waiting)` : ''}`,
        nextStep: `the peer is not answering SYNs: check that ${peer} is up, and the route or a firewall on the way`,
        evidence: {
          connectionIds: recentConnectionIds(group, this.thresholds.maxEvidenceConnections),
          listenerIds: [],
          counters: [
            { name: 'unanswered connects', value: count, unit: 'connections' },
            { name: 'still waiting', value: waiting, unit: 'connections' },
            { name: 'SYN retransmits', value: synRetransmits, unit: 'segments' },
          ],
          reasons: [],
          absorbed: [],
        },
        ...graded(count, { warning: unreachable.warningConnections, critical: unreachable.criticalConnections }, this.thresholds.hysteresisRatio),
        firstEvidenceAtMs: group.firstAtMs,
        lastEvidenceAtMs: group.lastAtMs,
      });
    }
    return candidates.filter((candidate) => candidate.holdLevel !== null);
  }
}
