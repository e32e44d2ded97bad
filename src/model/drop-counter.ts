import type { DropCount } from './snapshot-types.js';

/** Drop records counted by the kernel's drop reason. */
export class DropCounter {
  private readonly byReason = new Map<string, number>();
  private count = 0;

  get total(): number {
    return this.count;
  }

  add(reason: string): void {
    this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1);
    this.count++;
  }

  /** Most frequent first, then by reason, so snapshots come out the same every time. */
  toSorted(): DropCount[] {
    return [...this.byReason]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
  }
}
