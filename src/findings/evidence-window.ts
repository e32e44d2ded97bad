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
  /** The sum of each amount over the entries, kept as entries come and go. */
  sums: number[];
}

export class EvidenceWindow {
  private readonly groups = new Map<string, WindowGroup>();

  constructor(private readonly windowMs: number) {}

  add(key: string, subject: FindingSubject, entry: WindowEntry): void {
    const group = this.groups.get(key);
    if (group === undefined) {
      this.groups.set(key, { subject, entries: [entry], sums: [...entry.amounts] });
      return;
    }
    group.subject = subject;
    group.entries.push(entry);
    for (let index = 0; index < entry.amounts.length; index++) group.sums[index] = (group.sums[index] ?? 0) + (entry.amounts[index] as number);
  }

  /** Does the subject have evidence in the window? */
  has(key: string): boolean {
    return this.groups.has(key);
  }

  /** Forgets a subject's evidence. */
  forget(key: string): void {
    this.groups.delete(key);
  }

  /** Drops the entries older than the window ending at `nowMs`; returns the subjects with evidence left, in first-seen order. */
  advance(nowMs: number): ReadonlyMap<string, WindowGroup> {
    const oldestMs = nowMs - this.windowMs;
    for (const [key, group] of this.groups) {
      let expired = 0;
      while (expired < group.entries.length && (group.entries[expired] as WindowEntry).atMs <= oldestMs) expired++;
      if (expired === group.entries.length) this.groups.delete(key);
      else if (expired > 0) {
        for (const entry of group.entries.splice(0, expired)) {
          for (let index = 0; index < entry.amounts.length; index++) group.sums[index] = (group.sums[index] as number) - (entry.amounts[index] as number);
        }
      }
    }
    return this.groups;
  }
}

/** The sum of amount `index` over a group's entries. */
export function windowSum(group: WindowGroup, index: number): number {
  return group.sums[index] ?? 0;
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

/** One subject's evidence in the tick being gathered. */
interface TickGroup {
  subject: FindingSubject;
  amounts: number[];
  connectionIds: number[];
  reasons: Map<string, number> | null;
}

const NO_REASONS: ReadonlyMap<string, number> = new Map();

/** Adds one tick's evidence into a per-key accumulator (one WindowEntry per key per tick). */
export class TickEvidence {
  private readonly byKey = new Map<string, TickGroup>();

  /** @param maxConnectionIds connection ids kept per subject and tick (the evidence lists no more). */
  constructor(
    private readonly amountCount: number,
    private readonly maxConnectionIds: number,
  ) {}

  /** `subject` is called only for the first evidence of a key in the tick. */
  add(key: string, subject: () => FindingSubject, amounts: readonly number[], connectionId: number, reasons: Iterable<readonly [string, number]> | null = null): void {
    let tick = this.byKey.get(key);
    if (tick === undefined) {
      tick = { subject: subject(), amounts: new Array<number>(this.amountCount).fill(0), connectionIds: [], reasons: null };
      this.byKey.set(key, tick);
    }
    for (let index = 0; index < this.amountCount; index++) tick.amounts[index] = (tick.amounts[index] as number) + (amounts[index] ?? 0);
    if (tick.connectionIds.length < this.maxConnectionIds) tick.connectionIds.push(connectionId);
    if (reasons === null) return;
    tick.reasons ??= new Map();
    for (const [reason, count] of reasons) tick.reasons.set(reason, (tick.reasons.get(reason) ?? 0) + count);
  }

  /** Moves this tick's evidence into the window. */
  flushInto(window: EvidenceWindow, atMs: number): void {
    for (const [key, tick] of this.byKey) {
      window.add(key, tick.subject, { atMs, amounts: tick.amounts, connectionIds: tick.connectionIds, reasons: tick.reasons ?? NO_REASONS });
    }
  }
}
