/**
 * A queue whose entries are also found by their key. A Map alone keeps the order, but finding its
 * oldest entry (`keys().next()`) steps over every slot deleted since V8 last rehashed the table:
 * the NAT pass, which takes its oldest waiting connections each tick and once gave up its oldest
 * for each new one under churn, stepped over thousands of slots per connection (6.5% of
 * netscope's CPU under unthrottled churn, 4.4% with this queue).
 */
export class KeyedQueue<K, V extends { readonly key: K }> {
  private readonly byKey = new Map<K, V>();
  /** Every value pushed and not yet shifted past, oldest first from `head`; a replaced one stays until shifted past. */
  private order: (V | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.byKey.size;
  }

  get(key: K): V | undefined {
    return this.byKey.get(key);
  }

  /** Puts `value` last; a value queued under the same key before is replaced, and its place goes with it. */
  push(value: V): void {
    this.byKey.set(value.key, value);
    this.order.push(value);
  }

  /** Takes out the oldest value; undefined when there is none. */
  shift(): V | undefined {
    while (this.head < this.order.length) {
      const value = this.order[this.head]!;
      this.order[this.head++] = undefined;
      if (this.byKey.get(value.key) !== value) continue;
      this.byKey.delete(value.key);
      this.dropShiftedPlaces();
      return value;
    }
    this.dropShiftedPlaces();
    return undefined;
  }

  clear(): void {
    this.byKey.clear();
    this.order = [];
    this.head = 0;
  }

  /** Once most of the array is places already shifted past, copies the rest down (amortised: each place is copied at most once per halving). */
  private dropShiftedPlaces(): void {
    if (this.head < 1024 || this.head * 2 < this.order.length) return;
    this.order = this.order.slice(this.head);
    this.head = 0;
  }
}
