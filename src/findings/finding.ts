/**
 * A finding: one diagnosis the findings engine states about the capture — what is wrong, who is
 * hurt, since when, the evidence behind it and what to check next. The engine (pure, clock
 * injected) derives findings from the model's snapshots, so a replay of a recording states the
 * very same ones; the live view, the JSON document, `--events`, the metrics and `triage` all read
 * this one shape.
 */
import type { ContainerIdentity } from '../model/records.js';

/**
 * What kind of fault: each kind has its own thresholds and hysteresis (see the README's
 * "Findings" section).
 */
export type FindingKind =
  /** Retransmits as a share of segments sent, over a window, above a minimum volume. */
  | 'loss'
  /** SYNs that get no answer: a blackholed peer, a route or firewall eating the handshake. */
  | 'unreachable'
  /** A reset in answer to a SYN: nothing listens on the peer's port. */
  | 'refused'
  /** Resets on established connections, sent by us or by the peer. */
  | 'resets'
  /** A process holding sockets its peers closed (CLOSE_WAIT), growing or old. */
  | 'closeWaitLeak'
  /** A listener whose accept queue is full or whose connections the kernel dropped. */
  | 'acceptQueueOverflow'
  /** Drops whose reason matters (firewall, receive buffer full, no socket…). */
  | 'drops'
  /** Handshakes far slower than the peer's usual. */
  | 'slowHandshake'
  /** A host limit nearly used up: ephemeral ports, TIME_WAIT buckets, conntrack, descriptors, TCP memory, orphans. */
  | 'hostLimit'
  /** A process that stopped reading: its receive queues full, a zero window advertised. */
  | 'stalledReader';

export type FindingSeverity = 'critical' | 'warning' | 'info';

/** Worst first: sorting by this puts critical findings on top. */
export const severityRank: Readonly<Record<FindingSeverity, number>> = { critical: 0, warning: 1, info: 2 };

/** Open while the evidence keeps coming; resolved after a quiet period (kept a while, then gone). */
export type FindingState = 'open' | 'resolved';

/** Who a finding is about: the culprit process (and its container) and the peer, where known. */
export interface FindingSubject {
  pid: number | null;
  /** Sanitised process name. */
  comm: string | null;
  container: ContainerIdentity | null;
  /** The remote side (loss, refused, unreachable…); null when the finding is about a local listener alone. */
  peerAddress: string | null;
  /** The remote port (refused, unreachable); null when many or none. */
  peerPort: number | null;
  /** The local listening port (accept queue, CLOSE_WAIT on a server); null when not about a listener. */
  localPort: number | null;
}

/** One number behind a finding, named for a person ("retransmitted", "segments sent"). */
export interface EvidenceCounter {
  name: string;
  value: number;
  /** "segments", "connections", "%", "ms"…; null for a plain count. */
  unit: string | null;
}

export interface FindingEvidence {
  /** The connections behind it, by socket cookie (bounded: the most telling first). */
  connectionIds: readonly number[];
  /** The listeners behind it, by socket cookie. */
  listenerIds: readonly number[];
  counters: readonly EvidenceCounter[];
  /** Kernel reasons seen (drop reasons, reset reasons), most frequent first. */
  reasons: readonly string[];
  /** Symptoms this cause took in instead of opening findings of their own (one cause, one finding). */
  absorbed: readonly FindingKind[];
}

export interface Finding {
  /** Stable across ticks and replays: kind plus subject (`refused:pid=412:peer=127.0.0.1:9`). */
  id: string;
  kind: FindingKind;
  severity: FindingSeverity;
  state: FindingState;
  /** One sentence naming the process (and container) and the peer: sanitised, ready to show. */
  summary: string;
  /** What an on-call engineer checks next, in their words. */
  nextStep: string;
  subject: FindingSubject;
  /** First evidence, ms since the epoch. */
  sinceMs: number;
  /** Last evidence, ms since the epoch. */
  lastSeenMs: number;
  /** Set when the finding resolved; null while open. */
  resolvedAtMs: number | null;
  evidence: FindingEvidence;
}
