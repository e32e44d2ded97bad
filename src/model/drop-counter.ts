import { dropClassOf } from './drop-classes.js';
import type { DropCount } from './snapshot-types.js';

/** Drop records counted by the kernel's drop reason, and how many of them matter. */
export class DropCounter {
  private readonly byReason = new Map<string, number>();
  private matteringCount = 0;

  /** Drops whose reason is of class `matters`: the ones shown as network drops. */
  get mattering(): number {
    return this.matteringCount;
  }

  add(reason: string): void {
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1);
    if (dropClassOf(reason) === 'matters') this.matteringCount++;
  }

  /** Every reason with its class, most frequent first, then by reason, so snapshots come out the same every time. */
  toSorted(): DropCount[] {
    return [...this.byReason]
      .map(([reason, count]) => ({ reason, class: dropClassOf(reason), count }))
      .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
  }
}
