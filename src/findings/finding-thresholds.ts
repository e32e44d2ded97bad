/**
 * When the findings engine speaks: every threshold of every kind, with its default and why. The
 * README's "Findings" section lists the same numbers; a change here is a change there.
 *
 * Hysteresis is the same for every kind: a finding opens (or its severity rises) when the
 * evidence crosses a threshold; it holds while the evidence stays above `hysteresisRatio` of
 * that threshold; it falls back a severity, or resolves, only after `quietPeriodMs` below it.
 */
export interface FindingThresholds {
  /** The sliding window every rate and count is taken over, ms. Default 10_000. */
  windowMs: number;
  /** How long evidence must stay below the holding level before a finding resolves or lowers its severity, ms. Default 20_000. */
  quietPeriodMs: number;
  /** How long a resolved finding is still listed, ms. Default 300_000 (5 min). */
  resolvedRetentionMs: number;
  /** Share of a threshold the evidence must stay above to hold a finding open (or at its severity). Default 0.5. */
  hysteresisRatio: number;
  /** Connections listed as evidence per finding, the most telling first. Default 20. */
  maxEvidenceConnections: number;
  loss: LossThresholds;
  unreachable: UnreachableThresholds;
  refused: RefusedThresholds;
  resets: ResetThresholds;
  closeWaitLeak: CloseWaitLeakThresholds;
  acceptQueueOverflow: AcceptQueueThresholds;
  drops: DropThresholds;
  slowHandshake: SlowHandshakeThresholds;
  hostLimit: HostLimitThresholds;
  stalledReader: StalledReaderThresholds;
}

/**
 * A host gauge against its limit (gauge-pressure.ts): the share of it in use. Its own holding
 * level: half of 80 % would keep a finding open at 40 %, long after the danger passed.
 */
export interface HostLimitThresholds {
  /** Share that opens a warning. Default 0.8 (gauge-pressure.ts's WARNING_SHARE). */
  warningShare: number;
  /** Share that makes it critical. Default 0.95 (CRITICAL_SHARE): the next burst runs out. */
  criticalShare: number;
  /** Share of a level the use must stay above to hold it. Default 0.9375 (a warning holds from 75 %). */
  holdRatio: number;
}

/**
 * A connection whose own side stopped reading: the `stalled-reader` flow limit (a full receive
 * queue and a zero window advertised), per process.
 */
export interface StalledReaderThresholds {
  /** A connection counts once it has been stalled this long, ms. Default 5_000: a reader busy for a moment is not stuck. */
  stalledForMs: number;
  /** Stalled connections that make it critical. Default 10: the process has stopped reading altogether. */
  criticalConnections: number;
}

/**
 * Retransmitted segments as a share of segments sent, per process and peer, over the window.
 * On a flow whose receiving end is on this host, the retransmits it reported as data it already
 * had (spurious) are not counted — none are when this host dropped none of the flow's packets.
 */
export interface LossThresholds {
  /** Segments sent in the window below which no share is taken (one retransmit on an idle flow is nothing). Default 200. */
  minSegments: number;
  /** Retransmits in the window below which nothing is said. Default 10. */
  minRetransmits: number;
  /** Share that opens a warning, %. Default 2. */
  warningPercent: number;
  /** Share that makes it critical, %. Default 10. */
  criticalPercent: number;
}

/** Handshakes with no answer (SYN retransmitted, or closed from SYN_SENT with no reset), per process and peer port. */
export interface UnreachableThresholds {
  /** A handshake with no answer after this long counts as unanswered, ms. Default 1_000: the kernel's initial retransmission timeout, after which it sends the SYN again. One whose SYN this host dropped counts at once. */
  noAnswerAfterMs: number;
  /** Unanswered handshakes in the window that open a warning. Default 1. */
  warningConnections: number;
  /** … that make it critical. Default 3. */
  criticalConnections: number;
}

/** Connects answered by a reset, per client process and destination. */
export interface RefusedThresholds {
  /** Refused connects in the window that open a warning. Default 3. */
  warningConnections: number;
  /** … that make it critical. Default 20. */
  criticalConnections: number;
}

/** Resets on connections past their handshake, per process and peer. */
export interface ResetThresholds {
  /** Resets (sent and received) in the window that open a warning. Default 5. */
  warningResets: number;
  /** … that make it critical. Default 50. */
  criticalResets: number;
}

/** Sockets in CLOSE_WAIT (the peer closed, the process did not), per process. */
export interface CloseWaitLeakThresholds {
  /** Sockets in CLOSE_WAIT that, when their count grew over the window, open a warning. Default 5. */
  minSockets: number;
  /** Age in CLOSE_WAIT after which even one socket opens a warning, ms. Default 60_000. */
  oldAfterMs: number;
  /** Sockets in CLOSE_WAIT that make it critical. Default 100. */
  criticalSockets: number;
}

/** A listener's accept queue against its limit, and the connections its kernel dropped. */
export interface AcceptQueueThresholds {
  /** Queue as a share of its limit that opens a warning (the queue is about to fill). Default 0.8. */
  warningShare: number;
  /** Limits below which a queue's share is no warning (a backlog of 1 is "80 % full" with one waiting). Default 8. */
  minLimitForWarning: number;
}

/** Drops whose reason is of class `matters`, per process and peer. */
export interface DropThresholds {
  /** Drops in the window that open a warning. Default 10. */
  warningDrops: number;
  /** … that make it critical. Default 100. */
  criticalDrops: number;
}

/** Connect latency far above the peer's usual. */
export interface SlowHandshakeThresholds {
  /** Handshakes with a peer (address and port) seen before its usual latency counts. Default 10. */
  baselineConnects: number;
  /** Latest handshakes the usual (their median) is taken over. Default 64. */
  baselineWindow: number;
  /** A handshake is slow above this many times the usual… Default 5. */
  slowFactor: number;
  /** …and at least this much above it, ms (5 × 0.05 ms on loopback is still nothing). Default 50. */
  minExtraMs: number;
  /** Slow handshakes in the window that open a warning (there is no critical: slow is not down). Default 3. */
  warningConnects: number;
}

export const defaultFindingThresholds: Readonly<FindingThresholds> = {
  windowMs: 10_000,
  quietPeriodMs: 20_000,
  resolvedRetentionMs: 300_000,
  hysteresisRatio: 0.5,
  maxEvidenceConnections: 20,
  loss: { minSegments: 200, minRetransmits: 10, warningPercent: 2, criticalPercent: 10 },
  unreachable: { noAnswerAfterMs: 1_000, warningConnections: 1, criticalConnections: 3 },
  refused: { warningConnections: 3, criticalConnections: 20 },
  resets: { warningResets: 5, criticalResets: 50 },
  closeWaitLeak: { minSockets: 5, oldAfterMs: 60_000, criticalSockets: 100 },
  acceptQueueOverflow: { warningShare: 0.8, minLimitForWarning: 8 },
  drops: { warningDrops: 10, criticalDrops: 100 },
  slowHandshake: { baselineConnects: 10, baselineWindow: 64, slowFactor: 5, minExtraMs: 50, warningConnects: 3 },
  hostLimit: { warningShare: 0.8, criticalShare: 0.95, holdRatio: 0.9375 },
  stalledReader: { stalledForMs: 5_000, criticalConnections: 10 },
};
