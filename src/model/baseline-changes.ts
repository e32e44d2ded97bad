/**
 * What changed since it was fine: a capture's profile held against a baseline's (world-profile.ts).
 * New and gone peers, listeners and containers; processes that started or stopped talking; and
 * the processes and peers whose traffic, retransmit share or RTT moved by more than a factor —
 * each with a floor, so an idle flow that sent 1 byte then 10 is no change.
 */
import { talked, type TrafficProfile, type WorldProfile } from './world-profile.js';

export interface ChangeThresholds {
  /** Traffic moved when the rate grew or shrank by this factor (default 4). */
  trafficFactor: number;
  /** …and the busier side moved at least this many bytes/s (default 10 KiB/s). */
  minTrafficBytesPerSecond: number;
  /** Retransmit share moved when it grew or shrank by this factor (default 3)… */
  retransmitShareFactor: number;
  /** …and the higher share is at least this (default 1%, where TCP starts to slow)… */
  minRetransmitShare: number;
  /** …over at least this many segments sent on each side (default 200). */
  minSegments: number;
  /** RTT moved when the mean smoothed RTT grew or shrank by this factor (default 2)… */
  rttFactor: number;
  /** …and by at least this many ms (default 5: loopback's microseconds doubling is noise). */
  minRttDeltaMs: number;
}

export const defaultChangeThresholds: Readonly<ChangeThresholds> = {
  trafficFactor: 4,
  minTrafficBytesPerSecond: 10 * 1024,
  retransmitShareFactor: 3,
  minRetransmitShare: 0.01,
  minSegments: 200,
  rttFactor: 2,
  minRttDeltaMs: 5,
};

export type MovedMetricName = 'traffic' | 'retransmitShare' | 'rtt';

/** One process or peer whose traffic, retransmit share or RTT moved. */
export interface MovedMetric {
  subject: 'process' | 'peer';
  /** The stable name (stable-identity.ts): `nginx in default/web/nginx`, `10.0.3.7`. */
  key: string;
  metric: MovedMetricName;
  /** Bytes/s, a share (0–1) or ms. */
  before: number;
  after: number;
  /** after / before; Infinity when before was 0. */
  factor: number;
}

export interface AppearedAndGone {
  appeared: string[];
  gone: string[];
}

export interface BaselineChanges {
  /** When the baseline was taken, ms since the epoch. */
  baselineAtMs: number;
  peers: AppearedAndGone;
  listeners: AppearedAndGone;
  containers: AppearedAndGone;
  processes: { startedTalking: string[]; stoppedTalking: string[] };
  /** Biggest move first. */
  moved: MovedMetric[];
}

function sorted(keys: Iterable<string>): string[] {
  return [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function appearedAndGone(before: ReadonlySet<string>, after: ReadonlySet<string>): AppearedAndGone {
  return { appeared: sorted([...after].filter((key) => !before.has(key))), gone: sorted([...before].filter((key) => !after.has(key))) };
}

function talkers(profile: WorldProfile, traffic: ReadonlyMap<string, TrafficProfile>): Set<string> {
  return new Set([...traffic].filter(([, each]) => talked(each, profile)).map(([key]) => key));
}

function spanSeconds(profile: WorldProfile): number {
  return Math.max(1, (profile.atMs - profile.startedAtMs) / 1000);
}

/** How far apart two values are, as a factor ≥ 1 either way; Infinity from 0. */
function ratio(before: number, after: number): number {
  const low = Math.min(before, after);
  const high = Math.max(before, after);
  return low === 0 ? (high === 0 ? 1 : Infinity) : high / low;
}

function movesOf(
  subject: MovedMetric['subject'],
  key: string,
  before: TrafficProfile,
  after: TrafficProfile,
  spans: { before: number; after: number },
  thresholds: ChangeThresholds,
): MovedMetric[] {
  const moves: MovedMetric[] = [];
  const add = (metric: MovedMetricName, was: number, is: number) =>
    moves.push({ subject, key, metric, before: was, after: is, factor: was === 0 ? Infinity : is / was });

  const rateBefore = before.bytes / spans.before;
  const rateAfter = after.bytes / spans.after;
  if (Math.max(rateBefore, rateAfter) >= thresholds.minTrafficBytesPerSecond && ratio(rateBefore, rateAfter) >= thresholds.trafficFactor) {
    add('traffic', rateBefore, rateAfter);
  }

  if (before.segmentsSent >= thresholds.minSegments && after.segmentsSent >= thresholds.minSegments) {
    const shareBefore = before.retransmits / before.segmentsSent;
    const shareAfter = after.retransmits / after.segmentsSent;
    if (Math.max(shareBefore, shareAfter) >= thresholds.minRetransmitShare && ratio(shareBefore, shareAfter) >= thresholds.retransmitShareFactor) {
      add('retransmitShare', shareBefore, shareAfter);
    }
  }

  if (before.rttCount > 0 && after.rttCount > 0) {
    const rttBefore = before.rttSumMs / before.rttCount;
    const rttAfter = after.rttSumMs / after.rttCount;
    if (Math.abs(rttAfter - rttBefore) >= thresholds.minRttDeltaMs && ratio(rttBefore, rttAfter) >= thresholds.rttFactor) add('rtt', rttBefore, rttAfter);
  }
  return moves;
}

/** How far a move went, for ordering: a move from nothing is the biggest. */
function size(move: MovedMetric): number {
  return ratio(move.before, move.after);
}

export function changesSince(baseline: WorldProfile, current: WorldProfile, thresholds: ChangeThresholds = defaultChangeThresholds): BaselineChanges {
  const spans = { before: spanSeconds(baseline), after: spanSeconds(current) };
  const talkedBefore = talkers(baseline, baseline.processes);
  const talkingNow = talkers(current, current.processes);
  const processes = appearedAndGone(talkedBefore, talkingNow);

  const moved: MovedMetric[] = [];
  for (const [subject, before, after] of [
    ['process', baseline.processes, current.processes],
    ['peer', baseline.peers, current.peers],
  ] as const) {
    for (const [key, was] of before) {
      const is = after.get(key);
      if (is !== undefined && talked(is, current)) moved.push(...movesOf(subject, key, was, is, spans, thresholds));
    }
  }
  moved.sort((a, b) => size(b) - size(a) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || (a.metric < b.metric ? -1 : 1));

  return {
    baselineAtMs: baseline.atMs,
    peers: appearedAndGone(talkers(baseline, baseline.peers), talkers(current, current.peers)),
    listeners: appearedAndGone(baseline.listeners, current.listeners),
    containers: appearedAndGone(baseline.containers, current.containers),
    processes: { startedTalking: processes.appeared, stoppedTalking: processes.gone },
    moved,
  };
}
