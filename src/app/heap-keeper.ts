/**
 * Between full collections V8 lets the old generation grow to up to four times what survived
 * the last one. netscope's garbage is a tick's worth (the samples of every socket, the snapshot
 * it replaces), so at 20,000 connections 106 MB live sat in a 430 MB heap, and RSS followed.
 * After a tick, once the heap is a quarter larger than what the last collection left, a full
 * collection is started — incremental, its marking on V8's own threads, so the main thread
 * does not stop for it. Setting V8's growing factor instead (--heap-growing-percent) paid the
 * same on every allocation burst and halved the ingest rate.
 *
 * Only when Node runs with --expose-gc, as bin/netscope runs it; otherwise nothing changes.
 */
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { nativeAddon } from '../probes/native.js';

/**
 * The heap, as a multiple of what the last full collection left live, that starts the next. It
 * was 1.5 until the findings' gauges stopped filtering the whole table into new arrays each tick
 * (promoted garbage at 20,000 open connections 49 → 21 MiB in 6 s): 1.25 then cost no churn rate
 * or CPU, and took 12 MiB off the peak there.
 */
const GROWTH_BEFORE_COLLECTING = 1.25;
/** Below this a heap is left to V8 alone, bytes. */
const SMALLEST_HEAP_COLLECTED = 64 * 1024 ** 2;
/** Between two releases of malloc's free pages, ms. */
const RELEASE_INTERVAL_MS = 1000;

/** A pass that grew the heap by this much (and by more than the last collection left live) is collected at once, bytes. */
const PASS_GROWTH_COLLECTED_AT_ONCE = 32 * 1024 ** 2;

type ExposedGc = {
  (options: { type: 'major'; execution: 'async' }): Promise<void>;
  (options: { type: 'major'; execution: 'sync'; flavor?: 'regular' | 'last-resort' }): void;
};

export class HeapKeeper {
  private liveBytes = 0;
  private collecting = false;
  private lastReleaseMs = -Infinity;

  constructor(
    private readonly gc: ExposedGc | undefined = (globalThis as { gc?: ExposedGc }).gc,
    private readonly usedHeapBytes: () => number = () => getHeapStatistics().used_heap_size,
    private readonly releaseFreedMemory: () => void = () => nativeAddon().releaseFreedMemory(),
    private readonly monotonicMs: () => number = () => performance.now(),
  ) {}

  /**
   * Runs a source's pass, and collects at once when it grew the heap past its bound. The first
   * pass over a busy host's sockets leaves its garbage in the old generation — 40,000 decoded
   * samples, /proc's socket owners, every table grown to hold them, each old table a large
   * object — and the tick after it adds a snapshot of every new connection: collected between
   * the two, they are not resident at once: at 20,000 open connections the first tick's peak
   * RSS fell 205–217 → 192 MiB, for one pause of 40 ms. Ordinary passes, churn's included, grow
   * the heap by far less and are left to the collection after the tick.
   *
   * That collection compacts and gives back what it freed (V8's memory-reducing flavour): an
   * ordinary one left the pass's garbage as holes in pages it kept committed — 60 MB of heap
   * for 39 MB live at 20,000 open connections — and the table grew into more pages beside them.
   * The peak there fell 189–191 → 183–185 MiB, for one pause of about 80 ms where the ordinary
   * collection took 35–40.
   */
  runPass<Result>(pass: () => Result): Result {
    if (this.gc === undefined) return pass();
    const before = this.usedHeapBytes();
    const result = pass();
    if (this.usedHeapBytes() - before < Math.max(PASS_GROWTH_COLLECTED_AT_ONCE, this.liveBytes)) return result;
    this.gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    this.liveBytes = this.usedHeapBytes();
    return result;
  }

  /**
   * Collects now, and waits for it: when a capture stops, what its source and its last tick
   * held is garbage, and the document written next should not stack on it.
   */
  collectNow(): void {
    if (this.gc === undefined) return;
    this.gc({ type: 'major', execution: 'sync' });
    this.liveBytes = this.usedHeapBytes();
  }

  /**
   * Gives malloc's free pages back when a second has passed since it last did, and starts a full
   * collection when the heap has grown past its bound (at most one at a time).
   */
  afterTick(): void {
    if (this.gc === undefined) return;
    const nowMs = this.monotonicMs();
    if (nowMs - this.lastReleaseMs >= RELEASE_INTERVAL_MS) {
      this.lastReleaseMs = nowMs;
      this.releaseFreedMemory();
    }
    if (this.collecting) return;
    const used = this.usedHeapBytes();
    if (used < Math.max(SMALLEST_HEAP_COLLECTED, this.liveBytes * GROWTH_BEFORE_COLLECTING)) return;
    this.collecting = true;
    void this.gc({ type: 'major', execution: 'async' }).then(() => {
      this.liveBytes = this.usedHeapBytes();
      this.collecting = false;
    });
  }
}
