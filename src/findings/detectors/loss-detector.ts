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
 *
 * When a flow's receiving end is on this host too (loopback), it says what became of the
 * retransmits: each that brought it nothing new (TCP_OLD_DATA, TCP_OLD_SEQUENCE) was spurious —
 * a retransmission timer that fired before a late acknowledgement, as on an overloaded host —
 * and is no loss. If it reported such segments and this host dropped none of the flow's
 * packets, nothing was lost at all: none of the retransmits counts. Otherwise those it reported
 * are taken off (counted per packet, a lower bound: a TSO packet carries several segments).
 */
import type { ConnectionSnapshot, ModelSnapshot } from '../../model/snapshot-types.js';
import { wasEstablished } from '../connection-facts.js';
import { processPeerKeyOf, type ConnectionDelta, type TickDeltas } from '../connection-deltas.js';
import { levelAt, type FindingCandidate } from '../finding-candidate.js';
import type { FindingDetector } from '../finding-detector.js';
import { endpointText, percentText, processText, secondsText, subjectOf } from '../finding-subject.js';
import type { FindingThresholds } from '../finding-thresholds.js';
import { EvidenceWindow, TickEvidence, windowConnectionIds, windowSum } from '../evidence-window.js';

const MANY_PORTS = -1;
const SEGMENTS = 0;
const RETRANSMITS = 1;
/** Packets of the subject's flows their local receiving end already had (spurious retransmits). */
const SPURIOUS = 2;
/** Packets of the subject's flows this host dropped for a reason that matters, at either end. */
const FLOW_DROPS = 3;

export class LossDetector implements FindingDetector {
  private readonly window: EvidenceWindow;
  /** The peer port each subject's connections went to (MANY_PORTS when they differ), while it has evidence in the window. */
  private readonly ports = new Map<string, number>();

  constructor(private readonly thresholds: FindingThresholds) {
    this.window = new EvidenceWindow(thresholds.windowMs);
  }

  detect(snapshot: ModelSnapshot, deltas: TickDeltas): FindingCandidate[] {
    const tick = new TickEvidence(4, this.thresholds.maxEvidenceConnections);
    for (const delta of deltas) {
      this.addReceiverReport(tick, delta);
      const { connection, processPeerKey: key } = delta;
      // SYN retransmits are unanswered handshakes, not loss on a flow.
      if (delta.retransmits === 0 && (delta.segmentsSent === 0 || !this.window.has(key))) continue;
      if (!wasEstablished(connection)) continue;
      this.add(tick, key, connection, [delta.segmentsSent, delta.retransmits, 0, droppedCount(delta)]);
    }
    tick.flushInto(this.window, snapshot.atMs);
    const { loss, hysteresisRatio: ratio } = this.thresholds;
    const levels = { warning: loss.warningPercent, critical: loss.criticalPercent };
    const candidates: FindingCandidate[] = [];
    const groups = this.window.advance(snapshot.atMs);
    for (const key of this.ports.keys()) if (!groups.has(key)) this.ports.delete(key);
    for (const [key, group] of groups) {
      const reported = windowSum(group, RETRANSMITS);
      const spurious = windowSum(group, SPURIOUS);
      const flowDrops = windowSum(group, FLOW_DROPS);
      if (reported === 0 && spurious === 0 && flowDrops === 0) {
        this.window.forget(key);
        this.ports.delete(key);
        continue;
      }
      const retransmits = spurious > 0 && flowDrops === 0 ? 0 : Math.max(0, reported - spurious);
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
            ...(spurious > 0 ? [{ name: 'spurious retransmits (the receiver had them)', value: spurious, unit: 'packets' }] : []),
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

  private add(tick: TickEvidence, key: string, connection: ConnectionSnapshot, amounts: readonly number[]): void {
    tick.add(key, () => subjectOf(connection.owner, { address: connection.daddr, port: null }), amounts, connection.id);
    const port = this.ports.get(key);
    if (port === undefined) this.ports.set(key, connection.dport);
    else if (port !== connection.dport) this.ports.set(key, MANY_PORTS);
  }

  /** What the receiving end of a local flow reported (segments it already had, drops) goes to the sender's subject. */
  private addReceiverReport(tick: TickEvidence, delta: ConnectionDelta): void {
    const sender = delta.localPeer;
    if (sender === null || !wasEstablished(sender)) return;
    const dropped = droppedCount(delta);
    if (delta.oldDataDrops === 0 && dropped === 0) return;
    this.add(tick, processPeerKeyOf(sender), sender, [0, 0, delta.oldDataDrops, dropped]);
  }
}

function droppedCount({ mattersDrops }: Pick<ConnectionDelta, 'mattersDrops'>): number {
  return mattersDrops.reduce((sum, [, count]) => sum + count, 0);
}
