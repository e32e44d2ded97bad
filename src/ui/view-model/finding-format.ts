/**
 * How a finding reads on screen: its kind in words, its severity with the mark the header uses,
 * its times as an age and a time of day, and the tone that colours it (critical red, warning
 * yellow, info dim; a resolved finding dim whatever its severity).
 */
import { severityRank, type Finding, type FindingKind, type FindingSeverity } from '../../findings/finding.js';
import type { Tone } from './view-types.js';
import { formatDuration, formatTimeOfDay } from './format.js';

const KIND_NAMES: Readonly<Record<FindingKind, string>> = {
  loss: 'loss',
  unreachable: 'unreachable',
  refused: 'refused',
  resets: 'resets',
  closeWaitLeak: 'CLOSE_WAIT leak',
  acceptQueueOverflow: 'accept queue',
  drops: 'drops',
  slowHandshake: 'slow handshake',
  hostLimit: 'host limit',
  stalledReader: 'stalled reader',
};

/** `CLOSE_WAIT leak`, `accept queue`, `slow handshake`… */
export function findingKindName(kind: FindingKind): string {
  return KIND_NAMES[kind];
}

/** `▲critical`: the mark says "worst" where colour is off. */
export function severityMark(severity: FindingSeverity): string {
  return `▲${severity}`;
}

export function severityTone(severity: FindingSeverity): Tone {
  switch (severity) {
    case 'critical':
      return 'bad';
    case 'warning':
      return 'warn';
    case 'info':
      return 'dim';
  }
}

/** A finding's colour: its severity's while open, dim once resolved. */
export function findingTone(finding: Finding): Tone {
  return finding.state === 'resolved' ? 'dim' : severityTone(finding.severity);
}

/** Open before resolved, then worst first: a resolved critical finding is less pressing than an open warning. */
export function compareUrgency(a: Finding, b: Finding): number {
  return Number(a.state === 'resolved') - Number(b.state === 'resolved') || severityRank[a.severity] - severityRank[b.severity];
}

/** `▲critical loss · curl loses 8% …`, `▲warning refused (resolved) · …`: one finding on one line. */
export function describeFindingLine(finding: Finding): string {
  return `${severityMark(finding.severity)} ${findingKindName(finding.kind)}${finding.state === 'resolved' ? ' (resolved)' : ''} · ${finding.summary}`;
}

/** Time of day to the second, `12:03:04`: a finding's times need no milliseconds. */
export function formatClockTime(epochMs: number): string {
  return formatTimeOfDay(epochMs).slice(0, 8);
}

/** `3m12s · 12:03:04`: how long ago, then when. */
export function formatSince(epochMs: number, nowMs: number): string {
  return `${formatDuration(nowMs - epochMs)} · ${formatClockTime(epochMs)}`;
}

/** Below this, a time is `now`: within the tick it was seen in. */
const NOW_MS = 1000;

/** `2.0s ago`, or `now` within the last second. */
export function formatAgo(epochMs: number, nowMs: number): string {
  return nowMs - epochMs < NOW_MS ? 'now' : `${formatDuration(nowMs - epochMs)} ago`;
}
