/**
 * Between full collections V8 lets the old generation grow to up to four times what survived
 * the last one. netscope's garbage is a tick's worth (the samples of every socket, the snapshot
 * it replaces), so at 20,000 connections 106 MB live sat in a 430 MB heap, and RSS followed.
 * After a tick, once the heap is a quarter larger than what the last collection left, a full
 * collection is started — incremental, its marking on V8's own threads, so the main thread
 * does not stop for it. Setting V8's growing factor instead (--heap-growing-percent) paid the
 * same on every allocation burst and halved the ingest rate.
 *
 * Those collections free the garbage but keep its pages. When the heap is quiet and holds much
 * more than is live, the keeper compacts it instead and gives the pages back, within a small
 * share of the time.
 *
 * While a capture that draws no frames starts, the keeper also keeps V8's young generation from
 * growing (see START_TICKS and Capture.drawsFrames).
 *
 * Only when Node runs with --expose-gc, as bin/netscope runs it; otherwise nothing changes.
 */
import { performance } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
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

/**
 * A heap whose resident pages exceed what the last collection left live by this much is
 * compacted, bytes: an ordinary collection frees the garbage but keeps its pages, and the young
 * generation stays at its largest once grown. With 8 MiB semi-spaces a young generation grown
 * back alone reaches it, so a settled table is compacted as often as the bank allows.
 */
const SLACK_BEFORE_REDUCING = 16 * 1024 ** 2;
/**
 * Compaction waits for a tick in which the old generation grew by less than this, bytes a
 * second. Under churn it grows by tens of MB a second, and a compaction then cost more than its
 * pause: the young generation it shrinks promoted more until it had grown back (netscope's CPU
 * per connection 67.4–78.1 µs against 60.6–69.6 without it, three interleaved rounds). An idle
 * table of 20,000 connections grows it by 0.3–1.5 MB a second.
 */
const QUIET_OLD_GROWTH_PER_S = 2 * 1024 ** 2;
/** The share of netscope's time its memory-reducing collections may take (they stop the main thread). */
const REDUCING_SHARE = 0.01;
/**
 * What may be spent at once from that share, ms: the first pass's compaction and one more once
 * the table has settled (each about 80 ms at 20,000 open connections).
 */
const REDUCING_BANK_MS = 250;

/** A pass that grew the heap by this much (and by more than the last collection left live) is collected at once, bytes. */
const PASS_GROWTH_COLLECTED_AT_ONCE = 32 * 1024 ** 2;

/**
 * The ticks after the first pass that make a capture's start: the first publishes every
 * connection the pass found, the second every sending verdict (a verdict needs two samples), the
 * third the rates that fell to zero. What a start allocates survives it — the table being filled
 * and its snapshots — so a young generation grown to its 8 MiB semi-spaces only copies the table
 * once more on its way to the old generation, and holds 16 MiB of pages at the start's peaks. V8
 * grows the young generation by `--semi-space-growth-factor` when a scavenge finds it full, and
 * reads the flag each time it does: the keeper holds it at 1 (no growth) until the start is over.
 * At 20,000 open connections the peak of `--json` fell 184.0–185.2 → 177.6–179.2 MiB and the
 * seconds of the first ticks 165–183 → 155–168 (VmRSS every 20 ms, three runs interleaved).
 */
const START_TICKS = 3;
/**
 * State changes that end the start at once, however few ticks it has had (about 250 connections,
 * a few tens of ms of churn): under churn most of what netscope allocates dies young, and a young
 * generation held small promotes it all. Ended at a tick instead, the start's last second of
 * churn raised netscope's CPU per churned connection by about a tenth over a 4 s churn; V8's
 * `--optimize-for-size`, which holds the young generation at 1 MiB throughout, nearly doubled it.
 */
const CHURN_STATE_CHANGES = 2_000;
/** V8's own growth factor, given back when the start is over. */
const SEMI_SPACE_GROWTH_FACTOR = 2;

type ExposedGc = {
  (options: { type: 'major'; execution: 'async' }): Promise<void>;
  (options: { type: 'major'; execution: 'sync'; flavor?: 'regular' | 'last-resort' }): void;
};

/** The heap's bytes in use, those of them in the old generation, and its bytes resident (the pages V8 holds, used or not). */
interface HeapBytes {
  used: number;
  old: number;
  resident: number;
}

const OLD_GENERATION_SPACES = new Set(['old_space', 'large_object_space']);

function v8HeapBytes(): HeapBytes {
  const statistics = getHeapStatistics();
  let old = 0;
  for (const space of getHeapSpaceStatistics()) if (OLD_GENERATION_SPACES.has(space.space_name)) old += space.space_used_size;
  return { used: statistics.used_heap_size, old, resident: statistics.total_physical_size };
}

export class HeapKeeper {
  private liveBytes = 0;
  private collecting = false;
  private lastReleaseMs = -Infinity;
  /** Time left for memory-reducing collections, ms; negative after one that took more than was banked. */
  private reducingBankMs = REDUCING_BANK_MS;
  private reducingBankAtMs: number | null = null;
  private lastReducingPauseMs = 0;
  /** The old generation's bytes in use at the last tick, and when. */
  private lastOld: { bytes: number; atMs: number } | null = null;
  /** Ticks since the capture started; null once its start is over (see START_TICKS). */
  private startTicks: number | null = 0;
  /** State changes since the capture started, while it starts. */
  private startStateChanges = 0;

  constructor(
    private readonly gc: ExposedGc | undefined = (globalThis as { gc?: ExposedGc }).gc,
    private readonly heapBytes: () => HeapBytes = v8HeapBytes,
    private readonly releaseFreedMemory: () => void = () => nativeAddon().releaseFreedMemory(),
    private readonly monotonicMs: () => number = () => performance.now(),
    /** Sets how V8 grows its young generation: by SEMI_SPACE_GROWTH_FACTOR, or not at all (1). */
    private readonly setYoungGrowth: (factor: number) => void = (factor) => setFlagsFromString(`--semi-space-growth-factor=${factor}`),
  ) {
    if (this.gc === undefined) {
      this.startTicks = null;
      return;
    }
    this.setYoungGrowth(1);
  }

  /** A connection changed state: enough of them while the capture starts is churn, which ends the start. */
  noteStateChange(): void {
    if (this.startTicks !== null && ++this.startStateChanges >= CHURN_STATE_CHANGES) this.endStart();
  }

  /**
   * The start is over (its ticks passed, churn came, or the capture stopped): the young
   * generation grows as V8 grows it. A capture that draws frames ends it at once (see
   * Capture.drawsFrames).
   */
  endStart(): void {
    if (this.startTicks === null) return;
    this.startTicks = null;
    this.setYoungGrowth(SEMI_SPACE_GROWTH_FACTOR);
  }

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
    const before = this.heapBytes().used;
    const result = pass();
    if (this.heapBytes().used - before < Math.max(PASS_GROWTH_COLLECTED_AT_ONCE, this.liveBytes)) return result;
    // Whatever the bank holds: the pass's garbage and the tick's snapshots must not stack. It is
    // charged all the same, so the quiet compactions after it wait their turn.
    this.collectReducing();
    return result;
  }

  /**
   * Collects now, and waits for it: when a capture stops, what its source and its last tick
   * held is garbage, and the document written next should not stack on it.
   */
  collectNow(): void {
    if (this.gc === undefined) return;
    this.endStart();
    this.gc({ type: 'major', execution: 'sync' });
    this.liveBytes = this.heapBytes().used;
  }

  /**
   * Gives malloc's free pages back when a second has passed since it last did. Then, after a
   * quiet tick, compacts the heap when V8 holds SLACK_BEFORE_REDUCING more than was live and the
   * time allows; or else starts a full collection when the heap has grown past its bound (at
   * most one at a time).
   *
   * The compaction is for the steady state: at 20,000 open connections the first tick's
   * snapshots and the passes after it left the old generation's pages a quarter empty, large
   * arrays dead until the next full collection, and the young generation at its largest. VmRSS
   * there was 177–186 MiB each second from 5 to 16 s of `--json`, 141–157 with the compaction.
   *
   * A start that passed quietly (its ticks, no churn, no frames) ends with a compaction whatever
   * the bank holds: the first pass's compaction emptied it, and where one compaction takes longer
   * than the bank holds, the start's garbage stayed resident until the bank was full again. For
   * the synthetic 100,000-connection table (compactions of about 200 ms) that was 40 s at
   * 209–210 MiB where the compaction leaves 173–175.
   */
  afterTick(): void {
    if (this.gc === undefined) return;
    const startPassedQuietly = this.startTicks !== null && ++this.startTicks >= START_TICKS;
    if (startPassedQuietly) this.endStart();
    const nowMs = this.monotonicMs();
    if (nowMs - this.lastReleaseMs >= RELEASE_INTERVAL_MS) {
      this.lastReleaseMs = nowMs;
      this.releaseFreedMemory();
    }
    if (this.collecting) return;
    const { used, old, resident } = this.heapBytes();
    // Net growth: a tick across one of the keeper's collections shrank it and is not counted
    // quiet. One across a collection V8 started itself, freeing less than was promoted, could
    // be; its compaction is still paid from the bank.
    const grownPerS = this.lastOld === null ? Infinity : ((old - this.lastOld.bytes) * 1000) / Math.max(1, nowMs - this.lastOld.atMs);
    const quiet = grownPerS >= 0 && grownPerS < QUIET_OLD_GROWTH_PER_S;
    // Read before a compaction, so the next tick sees the old generation shrink: not quiet.
    this.lastOld = { bytes: old, atMs: nowMs };
    this.accrue(nowMs);
    const slack = resident >= SMALLEST_HEAP_COLLECTED && resident - this.liveBytes >= SLACK_BEFORE_REDUCING;
    if (slack && (startPassedQuietly || (quiet && this.bankCoversReducing()))) {
      this.collectReducing();
      return;
    }
    if (used < Math.max(SMALLEST_HEAP_COLLECTED, this.liveBytes * GROWTH_BEFORE_COLLECTING)) return;
    this.collecting = true;
    void this.gc({ type: 'major', execution: 'async' }).then(() => {
      this.liveBytes = this.heapBytes().used;
      this.collecting = false;
    });
  }

  /** Adds REDUCING_SHARE of the time since the last call to the bank, up to what it may hold. */
  private accrue(nowMs: number): void {
    if (this.reducingBankAtMs !== null) {
      this.reducingBankMs = Math.min(REDUCING_BANK_MS, this.reducingBankMs + (nowMs - this.reducingBankAtMs) * REDUCING_SHARE);
    }
    this.reducingBankAtMs = nowMs;
  }

  /**
   * Whether the bank covers a compaction as long as the last. One longer than the bank can hold
   * (a heap of hundreds of thousands of connections) waits for a full bank instead of forever.
   */
  private bankCoversReducing(): boolean {
    return this.reducingBankMs >= Math.min(this.lastReducingPauseMs, REDUCING_BANK_MS);
  }

  /** Compacts and gives back what it freed (V8's memory-reducing flavour), paid from the bank. */
  private collectReducing(): void {
    const startMs = this.monotonicMs();
    (this.gc as ExposedGc)({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    this.liveBytes = this.heapBytes().used;
    const endMs = this.monotonicMs();
    this.lastReducingPauseMs = endMs - startMs;
    this.accrue(endMs);
    this.reducingBankMs -= this.lastReducingPauseMs;
  }
}
