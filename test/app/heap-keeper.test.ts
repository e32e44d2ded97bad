import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HeapKeeper } from '../../src/app/heap-keeper.js';

const MiB = 1024 ** 2;

/**
 * A collector that counts its calls and leaves `liveAfter` bytes once its promise settles, and a
 * malloc whose releases are counted, on a clock the test moves. The old generation and the
 * resident pages follow `used` unless set; a memory-reducing collection takes `reducingMs` and
 * leaves `liveAfter` resident.
 */
function fakeHeap(startBytes: number) {
  const heap = {
    used: startBytes,
    old: null as number | null,
    resident: null as number | null,
    liveAfter: 0,
    reducingMs: 0,
    collections: 0,
    collectionsAtOnce: 0,
    memoryReducing: 0,
    releases: 0,
    nowMs: 0,
    /** The semi-space growth factors the keeper set, in order. */
    youngGrowth: [] as number[],
    finish: () => undefined as void,
  };
  function gc(options: { execution: 'async' }): Promise<void>;
  function gc(options: { execution: 'sync'; flavor?: 'regular' | 'last-resort' }): void;
  function gc(options: { execution: 'async' | 'sync'; flavor?: 'regular' | 'last-resort' }): Promise<void> | void {
    if (options.execution === 'sync') {
      heap.collectionsAtOnce++;
      heap.used = heap.liveAfter;
      if (options.flavor === 'last-resort') {
        heap.memoryReducing++;
        heap.nowMs += heap.reducingMs;
        heap.old = heap.liveAfter;
        heap.resident = heap.liveAfter;
      }
      return;
    }
    heap.collections++;
    return new Promise<void>((resolve) => {
      heap.finish = () => {
        heap.used = heap.liveAfter;
        resolve();
      };
    });
  };
  const release = () => {
    heap.releases++;
  };
  const bytes = () => ({ used: heap.used, old: heap.old ?? heap.used, resident: heap.resident ?? heap.used });
  const keeper = new HeapKeeper(gc, bytes, release, () => heap.nowMs, (factor) => heap.youngGrowth.push(factor));
  /** A tick a second for `seconds`, the resident pages back at `resident` before each; the compactions so far. */
  const tickEachSecond = (seconds: number, resident: number) => {
    for (let second = 0; second < seconds; second++) {
      heap.nowMs += 1000;
      heap.resident = resident;
      keeper.afterTick();
    }
    return heap.memoryReducing;
  };
  return { heap, keeper, tickEachSecond };
}

describe('the heap keeper', () => {
  it('leaves a small heap to V8', () => {
    const { heap, keeper } = fakeHeap(40 * MiB);
    keeper.afterTick();
    assert.equal(heap.collections, 0);
  });

  it('collects once the heap is a quarter larger than the last collection left it, one collection at a time', async () => {
    const { heap, keeper } = fakeHeap(100 * MiB);
    keeper.afterTick();
    assert.equal(heap.collections, 1, 'past the 64 MiB floor with nothing known live: collected');
    keeper.afterTick();
    assert.equal(heap.collections, 1, 'not again while one runs');
    heap.liveAfter = 80 * MiB;
    heap.finish();
    await Promise.resolve();
    await Promise.resolve();
    heap.used = 99 * MiB;
    keeper.afterTick();
    assert.equal(heap.collections, 1, '99 MiB is under 1.25 × 80 MiB');
    heap.used = 101 * MiB;
    keeper.afterTick();
    assert.equal(heap.collections, 2, '101 MiB is past it');
  });

  it("gives malloc's free pages back after a tick, at most once a second", () => {
    const { heap, keeper } = fakeHeap(40 * MiB);
    keeper.afterTick();
    assert.equal(heap.releases, 1, 'the first tick releases');
    heap.nowMs = 999;
    keeper.afterTick();
    assert.equal(heap.releases, 1, 'not again within the second');
    heap.nowMs = 1000;
    keeper.afterTick();
    assert.equal(heap.releases, 2, 'a second later, again');
    heap.nowMs = 5000;
    keeper.afterTick();
    keeper.afterTick();
    assert.equal(heap.releases, 3, 'a burst of ticks releases once');
  });

  it('collects at once after a pass that grew the heap by 32 MiB and by more than was live', () => {
    const { heap, keeper } = fakeHeap(10 * MiB);
    keeper.runPass(() => (heap.used += 20 * MiB));
    assert.equal(heap.collectionsAtOnce, 0, 'an ordinary pass is left to the collection after the tick');
    heap.liveAfter = 40 * MiB;
    keeper.runPass(() => (heap.used += 100 * MiB));
    assert.equal(heap.collectionsAtOnce, 1, "the first pass over a busy host's sockets");
    assert.equal(heap.memoryReducing, 1, 'compacting, and giving back what it freed');
    assert.equal(heap.used, 40 * MiB);
    keeper.runPass(() => (heap.used += 36 * MiB));
    assert.equal(heap.collectionsAtOnce, 1, 'past 32 MiB but not past the 40 MiB live: left');
    keeper.runPass(() => (heap.used += 41 * MiB));
    assert.equal(heap.collectionsAtOnce, 2, 'past both');
  });

  it('compacts a quiet heap holding 16 MiB more than was live, within one hundredth of the time', () => {
    const { heap, keeper, tickEachSecond } = fakeHeap(60 * MiB);
    heap.liveAfter = 60 * MiB;
    heap.reducingMs = 100;
    heap.resident = 90 * MiB;
    keeper.afterTick();
    assert.equal(heap.memoryReducing, 0, 'the first tick: how fast the old generation grows is not known yet');
    heap.nowMs += 1000;
    heap.old = 61 * MiB;
    keeper.afterTick();
    assert.equal(heap.memoryReducing, 1, 'grown 1 MiB in a second, 90 MiB resident with nothing known live: compacted');
    assert.equal(heap.collections, 0);
    heap.nowMs += 1000;
    heap.old = 61.5 * MiB;
    heap.resident = 70 * MiB;
    keeper.afterTick();
    assert.equal(heap.memoryReducing, 1, '9 MiB beyond what was live: left');
    heap.resident = 80 * MiB;
    heap.nowMs += 1000;
    keeper.afterTick();
    assert.equal(heap.memoryReducing, 2, "the start's banked time pays for a second one");
    assert.equal(tickEachSecond(2, 80 * MiB), 2, 'what is left of 250 ms, 70, and 1% of the 2 s since do not pay for 100 ms');
    assert.equal(tickEachSecond(1, 80 * MiB), 3, 'with 1% of the 3 s since, they do');
  });

  it('compacts a heap whose compaction takes longer than the bank holds once the bank is full again', () => {
    const { heap, keeper, tickEachSecond } = fakeHeap(60 * MiB);
    keeper.endStart();
    heap.liveAfter = 60 * MiB;
    heap.reducingMs = 400;
    heap.resident = 700 * MiB;
    keeper.afterTick();
    heap.nowMs += 1000;
    keeper.afterTick();
    assert.equal(heap.memoryReducing, 1, 'the bank pays 250 ms of it and is 150 ms short after');
    assert.equal(tickEachSecond(39, 700 * MiB), 1, 'back to 240 ms of 250 after 39 s');
    assert.equal(tickEachSecond(2, 700 * MiB), 2, 'a full bank pays for the next, at 1% of the time');
  });

  it('does not compact small heaps (below 64 MiB resident)', () => {
    const { tickEachSecond } = fakeHeap(20 * MiB);
    assert.equal(tickEachSecond(3, 60 * MiB), 0);
  });

  it("charges the first pass's compaction to the bank", () => {
    const { heap, keeper } = fakeHeap(10 * MiB);
    keeper.endStart();
    heap.liveAfter = 60 * MiB;
    heap.reducingMs = 200;
    keeper.runPass(() => (heap.used += 100 * MiB));
    assert.equal(heap.memoryReducing, 1);
    heap.resident = 90 * MiB;
    keeper.afterTick();
    heap.nowMs += 1000;
    keeper.afterTick();
    assert.equal(heap.memoryReducing, 1, 'quiet and 30 MiB beyond what was live, but 60 ms banked do not pay for 200');
    heap.nowMs += 15_000;
    keeper.afterTick();
    assert.equal(heap.memoryReducing, 2, 'with 1% of 15 s more, they do');
  });

  it('does not compact while the old generation grows 2 MiB a second or more (churn)', () => {
    const { heap, keeper } = fakeHeap(60 * MiB);
    // Churn ends the start (see below).
    for (let change = 0; change < 2_000; change++) keeper.noteStateChange();
    heap.liveAfter = 60 * MiB;
    heap.resident = 100 * MiB;
    heap.old = 40 * MiB;
    for (let tick = 0; tick < 10; tick++) {
      keeper.afterTick();
      heap.nowMs += 1000;
      heap.old += 2 * MiB;
    }
    assert.equal(heap.memoryReducing, 0);
    heap.old -= 30 * MiB;
    keeper.afterTick();
    assert.equal(heap.memoryReducing, 0, 'a tick across a collection: its growth is not known');
    heap.nowMs += 1000;
    keeper.afterTick();
    assert.equal(heap.memoryReducing, 1, 'a tick without growth');
  });

  it('compacts once when a start passes quietly, whatever the bank holds', () => {
    const { heap, keeper, tickEachSecond } = fakeHeap(10 * MiB);
    heap.liveAfter = 120 * MiB;
    heap.reducingMs = 400;
    keeper.runPass(() => (heap.used += 200 * MiB));
    assert.equal(heap.memoryReducing, 1, "the first pass's, which overdraws the bank by 150 ms");
    heap.old = 150 * MiB;
    assert.equal(tickEachSecond(2, 200 * MiB), 1, 'two ticks publishing the table: 80 MiB beyond what was live, the bank short');
    assert.equal(tickEachSecond(1, 200 * MiB), 2, 'the third ends the start: compacted all the same');
    assert.equal(tickEachSecond(30, 200 * MiB), 2, 'after it, the bank decides again: overdrawn by 550 ms, it pays nothing for a while');
  });

  it('does not compact at the end of a start with less than 16 MiB beyond what was live', () => {
    const { heap, keeper, tickEachSecond } = fakeHeap(10 * MiB);
    heap.liveAfter = 120 * MiB;
    heap.reducingMs = 400;
    keeper.runPass(() => (heap.used += 200 * MiB));
    heap.old = 120 * MiB;
    assert.equal(tickEachSecond(3, 130 * MiB), 1, 'the first pass only');
  });

  it('does not compact at the end of a start cut short by churn or frames', () => {
    for (const end of ['churn', 'frames'] as const) {
      const { heap, keeper, tickEachSecond } = fakeHeap(10 * MiB);
      heap.liveAfter = 120 * MiB;
      heap.reducingMs = 400;
      keeper.runPass(() => (heap.used += 200 * MiB));
      if (end === 'frames') keeper.endStart();
      else for (let change = 0; change < 2_000; change++) keeper.noteStateChange();
      heap.old = 150 * MiB;
      assert.equal(tickEachSecond(3, 200 * MiB), 1, end);
    }
  });

  it('collects at once when asked (a stopped capture)', () => {
    const { heap, keeper } = fakeHeap(10 * MiB);
    keeper.collectNow();
    assert.equal(heap.collectionsAtOnce, 1);
    assert.equal(heap.memoryReducing, 0, 'an ordinary collection: the process is about to write its document and exit');
  });

  it('holds the young generation from growing while a capture starts: its first pass and three ticks', () => {
    const { heap, keeper } = fakeHeap(40 * MiB);
    assert.deepEqual(heap.youngGrowth, [1], 'held from the start, before the first pass');
    keeper.runPass(() => (heap.used += 100 * MiB));
    keeper.afterTick();
    keeper.afterTick();
    assert.deepEqual(heap.youngGrowth, [1], 'two ticks: the snapshots and the verdicts are still being published');
    keeper.afterTick();
    assert.deepEqual(heap.youngGrowth, [1, 2], "the third tick ends the start: V8's own growth again");
    for (let tick = 0; tick < 5; tick++) keeper.afterTick();
    assert.deepEqual(heap.youngGrowth, [1, 2], 'set once');
  });

  it('ends the start at once when 2,000 state changes show churn', () => {
    const { heap, keeper } = fakeHeap(40 * MiB);
    for (let change = 0; change < 1_999; change++) keeper.noteStateChange();
    assert.deepEqual(heap.youngGrowth, [1], 'a host opening a few connections: still starting');
    keeper.noteStateChange();
    assert.deepEqual(heap.youngGrowth, [1, 2], 'churn: what it allocates dies young, where a young generation pays');
    keeper.afterTick();
    keeper.afterTick();
    keeper.afterTick();
    for (let change = 0; change < 5_000; change++) keeper.noteStateChange();
    assert.deepEqual(heap.youngGrowth, [1, 2]);
  });

  it('ends the start at once for a capture that draws frames', () => {
    const { heap, keeper } = fakeHeap(40 * MiB);
    keeper.endStart();
    assert.deepEqual(heap.youngGrowth, [1, 2]);
    keeper.runPass(() => (heap.used += 100 * MiB));
    for (let tick = 0; tick < 4; tick++) keeper.afterTick();
    keeper.collectNow();
    assert.deepEqual(heap.youngGrowth, [1, 2], 'set once');
  });

  it('ends the start of a capture stopped before it was over', () => {
    const { heap, keeper } = fakeHeap(40 * MiB);
    keeper.afterTick();
    keeper.collectNow();
    assert.deepEqual(heap.youngGrowth, [1, 2]);
  });

  it('does nothing where Node runs without --expose-gc', () => {
    let releases = 0;
    let passes = 0;
    const youngGrowth: number[] = [];
    const heapBytes = () => ({ used: 1024 * MiB, old: 1024 * MiB, resident: 1024 * MiB });
    const keeper = new HeapKeeper(undefined, heapBytes, () => releases++, () => 0, (factor) => youngGrowth.push(factor));
    assert.doesNotThrow(() => keeper.afterTick());
    assert.doesNotThrow(() => keeper.collectNow());
    keeper.runPass(() => passes++);
    for (let change = 0; change < 3_000; change++) keeper.noteStateChange();
    assert.equal(releases, 0);
    assert.equal(passes, 1, 'the pass still runs');
    assert.deepEqual(youngGrowth, [], "V8's young generation left as V8 sizes it");
  });
});
