/**
 * Resets mid-stream: connections past their handshake torn down by a reset, per process and
 * peer over the window — who sent them (us or the peer) and, for ours, the kernel's reason
 * (from the events: the model keeps the reason of each sent reset there).
 */
import type { ModelSnapshot } from '../../model/snapshot-types.js';
import { wasEstablished } from '../connection-facts.js';
import type { TickDeltas } from '../connection-deltas.js';
import { graded, type FindingCandidate } from '../finding-candidate.js';
import type { FindingDetector } from '../finding-detector.js';
import { peerText, processText, secondsText, subjectOf } from '../finding-subject.js';
import type { FindingThresholds } from '../finding-thresholds.js';
import { EvidenceWindow, TickEvidence, windowConnectionIds, windowReasons, windowSum } from '../evidence-window.js';

const SENT = 0;
const RECEIVED = 1;

export class ResetDetector implements FindingDetector {
  private readonly window: EvidenceWindow;
  /** The previous tick's time: each event's reason is taken once, at the first tick after it. */
  private previousAtMs = -Infinity;

  constructor(private readonly thresholds: FindingThresholds) {
    this.window = new EvidenceWindow(thresholds.windowMs);
  }

  detect(snapshot: ModelSnapshot, deltas: TickDeltas): FindingCandidate[] {
    const sentReasons = this.sentReasonsByConnection(snapshot);
    const tick = new TickEvidence(2, this.thresholds.maxEvidenceConnections);
    for (const delta of deltas) {
      const { connection, processPeerKey: key } = delta;
      if (delta.resetsSent + delta.resetsReceived === 0 || !wasEstablished(connection)) continue;
      const reasons = sentReasons.get(connection.id) ?? null;
      tick.add(key, () => subjectOf(connection.owner, { address: connection.daddr, port: null }), [delta.resetsSent, delta.resetsReceived], connection.id, reasons);
    }
    tick.flushInto(this.window, snapshot.atMs);
    const levels = { warning: this.thresholds.resets.warningResets, critical: this.thresholds.resets.criticalResets };
    const candidates: FindingCandidate[] = [];
    for (const [key, group] of this.window.advance(snapshot.atMs)) {
      const sent = windowSum(group, SENT);
      const received = windowSum(group, RECEIVED);
      const level = graded(sent + received, levels, this.thresholds.hysteresisRatio);
      if (level.holdLevel === null) continue;
      const reasons = windowReasons(group);
      const peer = peerText(group.subject);
      const byPeer = received >= sent;
      candidates.push({
        id: `resets:${key}`,
        kind: 'resets',
        subject: group.subject,
        summary: `${processText(group.subject)}'s connections with ${peer} are reset mid-stream: ${received} by the peer, ${sent} by this host${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''} in the last ${secondsText(this.thresholds.windowMs)}`,
        nextStep: byPeer
          ? `the peer (or a load balancer or firewall on the way) aborts the connections: check its logs and its idle and request timeouts`
          : `this host aborts them: the app closes sockets with unread data or SO_LINGER 0, or the kernel's reason says why`,
        evidence: {
          connectionIds: windowConnectionIds(group, this.thresholds.maxEvidenceConnections),
          listenerIds: [],
          counters: [
            { name: 'resets from the peer', value: received, unit: null },
            { name: 'resets sent by this host', value: sent, unit: null },
          ],
          reasons,
          absorbed: [],
        },
        ...level,
        firstEvidenceAtMs: group.entries[0]?.atMs ?? snapshot.atMs,
        lastEvidenceAtMs: group.entries.at(-1)?.atMs ?? snapshot.atMs,
      });
    }
    return candidates;
  }

  /** The reasons of the resets sent since the previous tick, per connection, from the events (newest first). */
  private sentReasonsByConnection(snapshot: ModelSnapshot): Map<number, Map<string, number>> {
    const byConnection = new Map<number, Map<string, number>>();
    const sinceMs = this.previousAtMs;
    this.previousAtMs = snapshot.atMs;
    for (const event of snapshot.events) {
      if (event.atMs <= sinceMs) break;
      if (event.kind !== 'reset' || event.direction !== 'sent' || event.connectionId === null || event.reason === null) continue;
      let reasons = byConnection.get(event.connectionId);
      if (reasons === undefined) byConnection.set(event.connectionId, (reasons = new Map()));
      reasons.set(event.reason, (reasons.get(event.reason) ?? 0) + 1);
    }
    return byConnection;
  }
}
