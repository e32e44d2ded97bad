/**
 * A map from integers (socket cookies, hashes: whole numbers from 0 to 2^53) to values, in
 * insertion order like a Map, whose storage is reused in place under churn.
 *
 * V8's Map leaves a deleted entry's slot empty until the table fills, then copies the live
 * entries into a new table (and into a smaller one after many deletions). A table that holds
 * about as many connections as it adds and removes every second was thus allocated anew every
 * few thousand connections — under unthrottled churn the largest single part (a fifth) of what
 * netscope promoted to the old generation. Here the live entries are moved down within the
 * same arrays instead; new arrays are taken only when the live entries fill three quarters of
 * them, and given back when they fill less than an eighth (for arrays half full).
 */

const NO_ENTRY = -1;
const MIN_CAPACITY = 16;
const GOLDEN_RATIO_32 = 0x9e3779b1;

export class IntegerMap<V> {
  /** Entries in insertion order; a deleted one keeps its slot (its value undefined) until compaction. */
  private keys: Float64Array;
  private storedValues: (V | undefined)[];
  /** The next entry in the same bucket, or NO_ENTRY. */
  private chains: Int32Array;
  /** Each bucket's first entry, or NO_ENTRY; half as many buckets as entries. */
  private buckets: Int32Array;
  /** Slots used so far, live or deleted. */
  private used = 0;
  private live = 0;
  /** forEach in progress: entries must not move under it. */
  private walking = 0;

  constructor() {
    this.keys = new Float64Array(MIN_CAPACITY);
    this.storedValues = new Array<V | undefined>(MIN_CAPACITY).fill(undefined);
    this.chains = new Int32Array(MIN_CAPACITY);
    this.buckets = new Int32Array(MIN_CAPACITY / 2).fill(NO_ENTRY);
  }

  get size(): number {
    return this.live;
  }

  /** Slots held: live, deleted and not yet used. */
  get capacity(): number {
    return this.keys.length;
  }

  get(key: number): V | undefined {
    const entry = this.find(key);
    return entry === NO_ENTRY ? undefined : this.storedValues[entry];
  }

  has(key: number): boolean {
    return this.find(key) !== NO_ENTRY;
  }

  /** A key already present keeps its place; `value` must not be undefined. */
  set(key: number, value: V): this {
    const entry = this.find(key);
    if (entry !== NO_ENTRY) {
      this.storedValues[entry] = value;
      return this;
    }
    if (this.used === this.keys.length) this.makeRoom();
    const slot = this.used++;
    const bucket = this.bucketOf(key);
    this.keys[slot] = key;
    this.storedValues[slot] = value;
    this.chains[slot] = this.buckets[bucket]!;
    this.buckets[bucket] = slot;
    this.live++;
    return this;
  }

  delete(key: number): boolean {
    const bucket = this.bucketOf(key);
    let previous = NO_ENTRY;
    for (let entry = this.buckets[bucket]!; entry !== NO_ENTRY; previous = entry, entry = this.chains[entry]!) {
      if (this.keys[entry] !== key) continue;
      if (previous === NO_ENTRY) this.buckets[bucket] = this.chains[entry]!;
      else this.chains[previous] = this.chains[entry]!;
      this.storedValues[entry] = undefined;
      this.live--;
      return true;
    }
    return false;
  }

  /** In insertion order. Entries deleted during the walk are skipped; entries added are visited. */
  forEach(visit: (value: V, key: number) => void): void {
    this.walking++;
    try {
      for (let entry = 0; entry < this.used; entry++) {
        const value = this.storedValues[entry];
        if (value !== undefined) visit(value, this.keys[entry]!);
      }
    } finally {
      this.walking--;
    }
  }

  /** The values in insertion order, as a new array. */
  valuesArray(): V[] {
    const values = new Array<V>(this.live);
    let next = 0;
    for (let entry = 0; entry < this.used; entry++) {
      const value = this.storedValues[entry];
      if (value !== undefined) values[next++] = value;
    }
    return values;
  }

  private find(key: number): number {
    for (let entry = this.buckets[this.bucketOf(key)]!; entry !== NO_ENTRY; entry = this.chains[entry]!) {
      if (this.keys[entry] === key) return entry;
    }
    return NO_ENTRY;
  }

  private bucketOf(key: number): number {
    // Both 32-bit halves, so keys that differ only above bit 32 spread too.
    const mixed = Math.imul((key >>> 0) ^ Math.imul((key / 4294967296) >>> 0, 0x85ebca6b), GOLDEN_RATIO_32);
    return (mixed >>> 0) & (this.buckets.length - 1);
  }

  /**
   * Every slot is used: move the live entries down, into arrays of the size they need. Under a
   * walk they keep their slots (the walk counts on them) and the arrays double.
   */
  private makeRoom(): void {
    const capacity = this.keys.length;
    const compact = this.walking === 0;
    let wanted = capacity;
    if (!compact || this.live * 4 >= capacity * 3) wanted = capacity * 2;
    else if (this.live * 8 < capacity) wanted = Math.max(MIN_CAPACITY, 2 ** Math.ceil(Math.log2(this.live * 2)));
    const keys = wanted === capacity ? this.keys : new Float64Array(wanted);
    const values = wanted === capacity ? this.storedValues : new Array<V | undefined>(wanted).fill(undefined);
    let next = 0;
    for (let entry = 0; entry < this.used; entry++) {
      const value = this.storedValues[entry];
      if (compact && value === undefined) continue;
      keys[next] = this.keys[entry]!;
      values[next] = value;
      next++;
    }
    if (wanted === capacity) values.fill(undefined, next, this.used);
    this.keys = keys;
    this.storedValues = values;
    if (wanted !== capacity) {
      this.chains = new Int32Array(wanted);
      this.buckets = new Int32Array(wanted / 2);
    }
    this.buckets.fill(NO_ENTRY);
    this.used = next;
    for (let entry = 0; entry < next; entry++) {
      if (values[entry] === undefined) continue;
      const bucket = this.bucketOf(keys[entry]!);
      this.chains[entry] = this.buckets[bucket]!;
      this.buckets[bucket] = entry;
    }
  }
}
