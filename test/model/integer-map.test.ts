import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IntegerMap } from '../../src/model/integer-map.js';

/** A small deterministic generator, so a failure replays. */
function randomNumbers(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

function entriesOf<V>(map: IntegerMap<V>): [number, V][] {
  const entries: [number, V][] = [];
  map.forEach((value, key) => entries.push([key, value]));
  return entries;
}

describe('a map of integers', () => {
  test('answers as a Map does, in the same order, through adds, replacements and deletes', () => {
    const random = randomNumbers(7);
    const map = new IntegerMap<string>();
    const reference = new Map<number, string>();
    // Cookies are large and mostly rising; some keys differ only above bit 32.
    const keyAt = (index: number) => (index % 3 === 0 ? index * 4294967296 + 5 : 2 ** 40 + index);
    for (let step = 0; step < 60_000; step++) {
      const key = keyAt(Math.floor(random() * 3000));
      const choice = random();
      if (choice < 0.5) {
        map.set(key, `v${step}`);
        reference.set(key, `v${step}`);
      } else if (choice < 0.9) {
        assert.equal(map.delete(key), reference.delete(key), `delete ${key} at step ${step}`);
      } else {
        assert.equal(map.get(key), reference.get(key), `get ${key} at step ${step}`);
        assert.equal(map.has(key), reference.has(key));
      }
      assert.equal(map.size, reference.size);
      if (step % 5000 === 0) assert.deepEqual(entriesOf(map), [...reference.entries()]);
    }
    assert.deepEqual(entriesOf(map), [...reference.entries()]);
    assert.deepEqual(map.valuesArray(), [...reference.values()]);
  });

  test('keeps its arrays under churn: as many added as removed never grows it', () => {
    const map = new IntegerMap<number>();
    for (let key = 0; key < 1000; key++) map.set(key, key);
    for (let key = 1000; key < 10_000; key++) {
      map.set(key, key);
      map.delete(key - 1000);
    }
    const capacity = map.capacity;
    assert.ok(capacity <= 4096, `capacity ${capacity} for 1,000 entries`);
    for (let key = 10_000; key < 200_000; key++) {
      map.set(key, key);
      map.delete(key - 1000);
    }
    assert.equal(map.size, 1000);
    assert.equal(map.capacity, capacity);
    assert.equal(map.get(199_999), 199_999);
    assert.equal(map.get(198_999), undefined);
  });

  test('gives its room back once most entries are gone', () => {
    const map = new IntegerMap<number>();
    for (let key = 0; key < 100_000; key++) map.set(key, key);
    const full = map.capacity;
    for (let key = 0; key < 99_990; key++) map.delete(key);
    for (let key = 100_000; key < 200_000; key++) {
      map.set(key, key);
      map.delete(key);
    }
    assert.ok(map.capacity < full / 8, `capacity ${map.capacity} of ${full}`);
    assert.deepEqual(entriesOf(map).map(([key]) => key), Array.from({ length: 10 }, (_, index) => 99_990 + index));
  });

  test('a walk sees each entry once, skips what it deletes, and visits what it adds', () => {
    const map = new IntegerMap<number>();
    for (let key = 0; key < 16; key++) map.set(key, key);
    const seen: number[] = [];
    map.forEach((value, key) => {
      seen.push(key);
      if (key === 3) map.delete(4);
      // Adding past the arrays' end under the walk must not move the entries it has yet to visit.
      if (key < 8) map.set(100 + key, value);
    });
    assert.deepEqual(seen, [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 100, 101, 102, 103, 105, 106, 107]);
    assert.equal(map.size, 22);
  });
});
