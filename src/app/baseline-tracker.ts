/**
 * The live view's baseline: `--baseline FILE` from the start, or the moment `b` marked. Each tick
 * it says what changed since — against a file, the capture's whole profile; against a mark, what
 * was counted after it. Only with a baseline is anything computed (a pass over the connections
 * per tick, like the aggregates').
 */
import { changesSince } from '../model/baseline-changes.js';
import type { ModelSnapshot } from '../model/snapshot-types.js';
import { profileOfSnapshot, profileSince } from '../model/world-profile.js';
import type { ScreenChanges } from '../ui/view-model/screen-input.js';
import type { Baseline } from './baseline-file.js';

export class BaselineTracker {
  private last: { snapshot: ModelSnapshot; changes: ScreenChanges } | null = null;

  constructor(private baseline: Baseline | null = null) {}

  /** Makes `snapshot` the baseline; returns its time. */
  mark(snapshot: ModelSnapshot): number {
    this.baseline = { profile: profileOfSnapshot(snapshot), origin: 'mark', file: null };
    this.last = null;
    return snapshot.atMs;
  }

  /** What changed between the baseline and `snapshot`; null without a baseline. */
  changesAt(snapshot: ModelSnapshot): ScreenChanges | null {
    const { baseline } = this;
    if (baseline === null) return null;
    if (this.last?.snapshot === snapshot) return this.last.changes;
    const now = profileOfSnapshot(snapshot);
    const current = baseline.origin === 'mark' ? profileSince(baseline.profile, now) : now;
    const changes: ScreenChanges = { changes: changesSince(baseline.profile, current), origin: baseline.origin, file: baseline.file };
    this.last = { snapshot, changes };
    return changes;
  }
}
