/**
 * Accept-queue overflow: a listener whose queue is full, or whose connections the kernel
 * dropped (its own drop count, sk_drops), over the window — the process is not accepting fast
 * enough. Critical when full or dropping (clients are being turned away); a warning when the
 * queue nears its limit. Per listener (process, address and port). The namespace-wide
 * ListenOverflows counter is not read: it cannot say which listener.
 */
import type { ListenerSnapshot, ModelSnapshot } from '../../model/snapshot-types.js';
import type { FindingSeverity } from '../finding.js';
import type { FindingCandidate } from '../finding-candidate.js';
import type { FindingDetector } from '../finding-detector.js';
import { endpointText, pidKey, processText, secondsText, subjectOf } from '../finding-subject.js';
import type { FindingThresholds } from '../finding-thresholds.js';
import { EvidenceWindow } from '../evidence-window.js';

const NO_REASONS: ReadonlyMap<string, number> = new Map();

export class AcceptQueueDetector implements FindingDetector {
  /** Each listener's drops per tick, by listener key. */
  private readonly dropsWindow: EvidenceWindow;
  /** Each listener's drop count at the previous tick, by listener id. */
  private previousDrops = new Map<number, number>();

  constructor(private readonly thresholds: FindingThresholds) {
    this.dropsWindow = new EvidenceWindow(thresholds.windowMs);
  }

  detect(snapshot: ModelSnapshot): FindingCandidate[] {
    const nextDrops = new Map<number, number>();
    const byKey = new Map<string, ListenerSnapshot>();
    for (const listener of snapshot.listeners) {
      nextDrops.set(listener.id, listener.drops);
      const key = listenerKey(listener);
      byKey.set(key, listener);
      // A listener first seen brings its whole count: drops from before the capture are no news.
      const before = this.previousDrops.get(listener.id) ?? listener.drops;
      const dropped = listener.drops - before;
      if (dropped > 0) this.dropsWindow.add(key, subjectOf(listener.owner, { address: null, port: null }, listener.sport), { atMs: snapshot.atMs, amounts: [dropped], connectionIds: [], reasons: NO_REASONS });
    }
    this.previousDrops = nextDrops;
    const droppedByKey = this.dropsWindow.advance(snapshot.atMs);
    const candidates: FindingCandidate[] = [];
    for (const [key, listener] of byKey) {
      const entries = droppedByKey.get(key)?.entries ?? [];
      const dropped = entries.reduce((sum, entry) => sum + (entry.amounts[0] ?? 0), 0);
      const candidate = this.candidate(key, listener, dropped, entries[0]?.atMs ?? null, snapshot.atMs);
      if (candidate.holdLevel !== null) candidates.push(candidate);
    }
    return candidates;
  }

  private candidate(key: string, listener: ListenerSnapshot, dropped: number, firstDropAtMs: number | null, nowMs: number): FindingCandidate {
    const { acceptQueueOverflow: limits, hysteresisRatio } = this.thresholds;
    const { acceptQueue: queue, acceptQueueLimit: limit } = listener;
    const full = limit > 0 && queue >= limit;
    const nearFull = (share: number) => limit >= limits.minLimitForWarning && queue >= limit * limits.warningShare * share;
    const openLevel: FindingSeverity | null = full || dropped > 0 ? 'critical' : nearFull(1) ? 'warning' : null;
    const holdLevel: FindingSeverity | null =
      dropped > 0 || (limit > 0 && queue >= limit * hysteresisRatio) ? 'critical' : nearFull(hysteresisRatio) ? 'warning' : null;
    const subject = subjectOf(listener.owner, { address: null, port: null }, listener.sport);
    const name = processText(subject);
    const where = endpointText(listener.saddr, listener.sport);
    const state = full ? `its accept queue on ${where} is full (${queue} of ${limit})` : `its accept queue on ${where} holds ${queue} of ${limit}`;
    return {
      id: `acceptQueueOverflow:${key}`,
      kind: 'acceptQueueOverflow',
      subject,
      summary: `${name} is not accepting fast enough: ${state}${dropped > 0 ? `, ${dropped} connection${dropped === 1 ? '' : 's'} dropped in the last ${secondsText(this.thresholds.windowMs)}` : ''}`,
      nextStep: `${subject.comm ?? 'the server'} is not accepting fast enough: its accept queue is full — look for a stuck or overloaded accept loop (too few workers, a blocked event loop), or raise the listen backlog`,
      evidence: {
        connectionIds: [],
        listenerIds: [listener.id],
        counters: [
          { name: 'accept queue', value: queue, unit: 'connections' },
          { name: 'accept queue limit', value: limit, unit: 'connections' },
          { name: 'dropped by the listener', value: dropped, unit: 'connections' },
        ],
        reasons: [],
        absorbed: [],
      },
      openLevel,
      holdLevel,
      firstEvidenceAtMs: firstDropAtMs ?? nowMs,
      lastEvidenceAtMs: nowMs,
      listenAddress: listener.saddr,
    };
  }
}

/** A listener's key: its process and the address and port it listens on. */
export function listenerKey(listener: Pick<ListenerSnapshot, 'owner' | 'saddr' | 'sport'>): string {
  return `${pidKey(listener.owner.pid)}:listen=${endpointText(listener.saddr, listener.sport)}`;
}
