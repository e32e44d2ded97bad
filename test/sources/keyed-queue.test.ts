import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedQueue } from '../../src/sources/keyed-queue.js';

interface Item {
  key: number;
  version: number;
}

/** A small deterministic generator, so a failure replays. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('a keyed queue', () => {
  it('gives values back oldest first, and finds them by key until shifted', () => {
    const queue = new KeyedQueue<number, Item>();
    for (const key of [5, 3, 9]) queue.push({ key, version: 0 });
    assert.equal(queue.size, 3);
    assert.deepEqual(queue.get(3), { key: 3, version: 0 });
    assert.equal(queue.shift()?.key, 5);
    assert.equal(queue.get(5), undefined);
    assert.deepEqual([queue.shift()?.key, queue.shift()?.key, queue.shift()], [3, 9, undefined]);
    assert.equal(queue.size, 0);
  });

  it('moves a value pushed again under its key to the end, the old one gone', () => {
    const queue = new KeyedQueue<number, Item>();
    queue.push({ key: 1, version: 0 });
    queue.push({ key: 2, version: 0 });
    queue.push({ key: 1, version: 1 });
    assert.equal(queue.size, 2);
    assert.deepEqual([queue.shift(), queue.shift(), queue.shift()], [{ key: 2, version: 0 }, { key: 1, version: 1 }, undefined]);
  });

  it('agrees with a plain list over 200,000 random pushes, replacements, shifts and clears', () => {
    const next = random(7);
    const queue = new KeyedQueue<number, Item>();
    let model: Item[] = [];
    for (let step = 0; step < 200_000; step++) {
      const roll = next();
      if (roll < 0.55) {
        const item = { key: Math.floor(next() * 3000), version: step };
        model = model.filter((queued) => queued.key !== item.key);
        model.push(item);
        queue.push(item);
      } else if (roll < 0.9999) {
        assert.equal(queue.shift(), model.shift(), `step ${step}`);
      } else {
        queue.clear();
        model = [];
      }
      assert.equal(queue.size, model.length, `step ${step}`);
    }
    for (const item of model) assert.equal(queue.get(item.key), item);
    while (model.length > 0) assert.equal(queue.shift(), model.shift());
    assert.equal(queue.shift(), undefined);
  });
});
