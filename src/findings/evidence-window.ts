/**
 * Evidence over the sliding window, per subject: one entry per tick that brought any, so a
 * subject's sums over the window are the sums of its entries, and the entries that fell out of
 * the window are dropped as time moves on. Subjects with no entry left are forgotten.
 */
import type { FindingSubject } from './finding.js';

/** One tick's evidence for one subject. */
export interface WindowEntry {
  atMs: number;
  /** The amounts the detector counts (its own order: segments and retransmits, resets sent and received…). */
  amounts: readonly number[];
  connectionIds: readonly number[];
  /** Kernel reasons with their counts this tick. */
  reasons: ReadonlyMap<string, number>;
}

/** A subject's evidence within the window. */
export interface WindowGroup {
  subject: FindingSubject;
  /** Oldest first. */
  entries: WindowEntry[];
}

export class EvidenceWindow {
  private readonly groups = new Map<string, WindowGroup>();

  constructor(private readonly windowMs: number) {}

  add(key: string, subject: FindingSubject, entry: WindowEntry): void {
    const group = this.groups.get(key);
    if (group === undefined) this.groups.set(key, { subject, entries: [entry] });
    else {
      group.subject = subject;
      group.entries.push(entry);
    }
  }

  /** Drops the entries older than the window ending at `nowMs`; returns the subjects with evidence left, in first-seen order. */
  advance(nowMs: number): ReadonlyMap<string, WindowGroup> {
    const oldestMs = nowMs - this.windowMs;
    for (const [key, group] of this.groups) {
      let expired = 0;
      while (expired < group.entries.length && (group.entries[expired] as WindowEntry).atMs <= oldestMs) expired++;
      if (expired === group.entries.length) this.groups.delete(key);
      else if (expired > 0) group.entries.splice(0, expired);
    }
    return this.groups;
  }
}

/** The sum of each amount over a group's entries. */
export function windowSums(group: WindowGroup, amountCount: number): number[] {
  const sums = new Array<number>(amountCount).fill(0);
  for (const entry of group.entries) {
    for (let index = 0; index < amountCount; index++) sums[index] = (sums[index] as number) + (entry.amounts[index] ?? 0);
  }
  return sums;
}

/** The group's connections, the most recent first, at most `max`. */
export function windowConnectionIds(group: WindowGroup, max: number): number[] {
  const ids = new Set<number>();
  for (let index = group.entries.length - 1; index >= 0 && ids.size < max; index--) {
    for (const id of (group.entries[index] as WindowEntry).connectionIds) {
      if (ids.size >= max) break;
      ids.add(id);
    }
  }
  return [...ids];
}

/** The group's reasons, most frequent first (by name when even). */
export function windowReasons(group: WindowGroup): string[] {
  const counts = new Map<string, number>();
  for (const entry of group.entries) for (const [reason, count] of entry.reasons) counts.set(reason, (counts.get(reason) ?? 0) + count);
  return [...counts].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0)).map(([reason]) => reason);
}

/** Adds one tick's evidence into a per-key accumulator (one WindowEntry per key per tick). */
export class TickEvidence {
  readonly byKey = new Map<string, { subject: FindingSubject; amounts: number[]; connectionIds: number[]; reasons: Map<string, number> }>();

  constructor(private readonly amountCount: number) {}

  add(key: string, subject: FindingSubject, amounts: readonly number[], connectionId: number, reasons: Iterable<readonly [string, number]> = []): void {
    let tick = this.byKey.get(key);
    if (tick === undefined) {
      tick = { subject, amounts: new Array<number>(this.amountCount).fill(0), connectionIds: [], reasons: new Map() };
      this.byKey.set(key, tick);
    }
    for (let index = 0; index < this.amountCount; index++) tick.amounts[index] = (tick.amounts[index] as number) + (amounts[index] ?? 0);
    tick.connectionIds.push(connectionId);
    for (const [reason, count] of reasons) tick.reasons.set(reason, (tick.reasons.get(reason) ?? 0) + count);
  }

  /** Moves this tick's evidence into the window. */
  flushInto(window: EvidenceWindow, atMs: number): void {
    for (const [key, tick] of this.byKey) {
      window.add(key, tick.subject, { atMs, amounts: tick.amounts, connectionIds: tick.connectionIds, reasons: tick.reasons });
    }
  }
}
