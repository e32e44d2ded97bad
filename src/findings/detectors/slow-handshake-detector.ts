/**
 * Slow handshakes: connects far slower than the peer's usual. Each peer (address and port) has
 * its usual — the median of its latest handshakes — and a handshake counts as slow when it
 * takes many times that and a clear margin more. The median moves little with a few slow ones,
 * and follows a peer that became slow for good (then it is its new usual, and the finding
 * resolves). There is no critical: slow is not down.
 */
import type { ModelSnapshot } from '../../model/snapshot-types.js';
import type { TickDeltas } from '../connection-deltas.js';
import { graded, type FindingCandidate } from '../finding-candidate.js';
import type { FindingDetector } from '../finding-detector.js';
import { endpointText, peerText, pidKey, processText, secondsText, subjectOf } from '../finding-subject.js';
import type { FindingThresholds } from '../finding-thresholds.js';
import { EvidenceWindow, TickEvidence, windowConnectionIds, windowSum } from '../evidence-window.js';

/** Peers whose usual is kept; past it the one seen earliest is forgotten (a host talks to few peers it connects to often). */
const MAX_PEERS = 10_000;

const SLOW = 0;
const SLOWEST_MS = 1;

export class SlowHandshakeDetector implements FindingDetector {
  private readonly window: EvidenceWindow;
  /** Per peer, its latest handshake latencies (ms, oldest first). */
  private readonly latencies = new Map<string, number[]>();
  /** Per subject, the usual it was held against at its last slow handshake, ms. */
  private readonly usualMs = new Map<string, number>();

  constructor(private readonly thresholds: FindingThresholds) {
    this.window = new EvidenceWindow(thresholds.windowMs);
  }

  detect(snapshot: ModelSnapshot, deltas: TickDeltas): FindingCandidate[] {
    const limits = this.thresholds.slowHandshake;
    const tick = new TickEvidence(2, this.thresholds.maxEvidenceConnections);
    // A peer's usual is taken once a tick: under churn a median sorted anew for every handshake
    // cost more than all the other detectors together, and one tick's handshakes barely move it.
    const usualThisTick = new Map<string, number>();
    for (const { connection, newConnectLatencyMs: latencyMs } of deltas) {
      if (latencyMs === null) continue;
      const peer = endpointText(connection.daddr, connection.dport);
      let latest = this.latencies.get(peer);
      if (latest === undefined) {
        if (this.latencies.size >= MAX_PEERS) this.latencies.delete(this.latencies.keys().next().value as string);
        this.latencies.set(peer, (latest = []));
      }
      if (latest.length >= limits.baselineConnects) {
        let usualMs = usualThisTick.get(peer);
        if (usualMs === undefined) usualThisTick.set(peer, (usualMs = median(latest)));
        if (latencyMs > usualMs * limits.slowFactor && latencyMs - usualMs >= limits.minExtraMs) {
          const key = `${pidKey(connection.owner.pid)}:peer=${peer}`;
          this.usualMs.set(key, usualMs);
          tick.add(key, () => subjectOf(connection.owner, { address: connection.daddr, port: connection.dport }), [1, latencyMs], connection.id);
        }
      }
      latest.push(latencyMs);
      if (latest.length > limits.baselineWindow) latest.shift();
    }
    tick.flushInto(this.window, snapshot.atMs);
    const candidates: FindingCandidate[] = [];
    const groups = this.window.advance(snapshot.atMs);
    for (const key of this.usualMs.keys()) if (!groups.has(key)) this.usualMs.delete(key);
    for (const [key, group] of groups) {
      const slow = windowSum(group, SLOW);
      const level = graded(slow, { warning: limits.warningConnects, critical: Infinity }, this.thresholds.hysteresisRatio);
      if (level.holdLevel === null) continue;
      const slowestMs = group.entries.reduce((slowest, entry) => Math.max(slowest, entry.amounts[SLOWEST_MS] ?? 0), 0);
      const usualMs = this.usualMs.get(key) ?? 0;
      candidates.push({
        id: `slowHandshake:${key}`,
        kind: 'slowHandshake',
        subject: group.subject,
        summary: `${processText(group.subject)} waits far longer than usual to connect to ${peerText(group.subject)}: ${slow} handshake${slow === 1 ? '' : 's'} in the last ${secondsText(this.thresholds.windowMs)} took up to ${Math.round(slowestMs)} ms (usually ${roundedMs(usualMs)} ms)`,
        nextStep: 'the peer is slow to answer SYNs: its accept backlog or SYN queue may be full, or SYNs are lost and retransmitted on the way — look at the peer\'s listener and the path',
        evidence: {
          connectionIds: windowConnectionIds(group, this.thresholds.maxEvidenceConnections),
          listenerIds: [],
          counters: [
            { name: 'slow handshakes', value: slow, unit: 'connections' },
            { name: 'slowest handshake', value: Math.round(slowestMs), unit: 'ms' },
            { name: 'usual handshake', value: roundedMs(usualMs), unit: 'ms' },
          ],
          reasons: [],
          absorbed: [],
        },
        ...level,
        firstEvidenceAtMs: group.entries[0]?.atMs ?? snapshot.atMs,
        lastEvidenceAtMs: group.entries.at(-1)?.atMs ?? snapshot.atMs,
      });
    }
    return candidates;
  }
}

function median(values: readonly number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function roundedMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
