/**
 * Lines to a stream that may be slower than netscope — stdout into a pipe whose reader lags.
 * Writing never blocks the capture and memory never grows without bound: once the stream asks
 * to wait (`write` returned false), lines queue up to a limit, then new ones are dropped and
 * counted; when the stream drains, the queue goes out with one gap line in place of each run of
 * dropped lines, so the reader knows where and how many.
 */
import type { Writable } from 'node:stream';

/** How the stream ended before the writer did: its reader went away (EPIPE), or writing failed otherwise. */
export type StreamEnd = { kind: 'readerGone' } | { kind: 'failed'; error: NodeJS.ErrnoException };

/** Where lines were dropped while the queue was full. */
interface DroppedRun {
  count: number;
}

export interface BoundedLineWriterOptions {
  /** Lines held while the stream asks to wait; past it new lines are dropped (the gap lines are extra). */
  maxQueuedLines: number;
  /** The line written in place of `count` dropped lines, newline included (it is built when written). */
  gapLine(count: number): string;
}

export class BoundedLineWriter {
  private queue: (string | DroppedRun)[] = [];
  private queuedLines = 0;
  private waitingForDrain = false;
  private droppedTotal = 0;
  private endedAs: StreamEnd | null = null;
  private resolveEnd: (end: StreamEnd) => void = () => undefined;
  /** Settles when the stream ends under the writer (it never rejects). */
  readonly ended: Promise<StreamEnd>;

  constructor(
    private readonly stream: Writable,
    private readonly options: BoundedLineWriterOptions,
  ) {
    this.ended = new Promise((resolve) => (this.resolveEnd = resolve));
    stream.on('error', this.onError);
  }

  /** How the stream ended under the writer; null while it is open. */
  get streamEnd(): StreamEnd | null {
    return this.endedAs;
  }

  /** Lines dropped so far because the stream could not keep up. */
  get droppedLines(): number {
    return this.droppedTotal;
  }

  /** Writes each line (newline included) now, queues it, or drops it; never waits. */
  writeLines(lines: readonly string[]): void {
    if (this.endedAs !== null) return;
    let index = 0;
    if (!this.waitingForDrain) {
      // Corked, the batch leaves in one write(v) instead of one system call a line.
      this.stream.cork();
      for (; index < lines.length && !this.waitingForDrain; index++) {
        if (!this.stream.write(lines[index] as string)) this.waitForDrain();
      }
      this.stream.uncork();
    }
    for (; index < lines.length; index++) this.enqueue(lines[index] as string);
  }

  /**
   * Hands over what is queued, backpressure or not (it is bounded, and nothing follows), and
   * resolves once the stream has written it all or has ended.
   */
  async finish(): Promise<void> {
    if (this.endedAs !== null) return;
    this.stream.off('drain', this.onDrain);
    this.waitingForDrain = false;
    const flushed = new Promise<void>((resolve) => this.stream.write(this.takeQueue(), () => resolve()));
    await Promise.race([flushed, this.ended]);
  }

  private enqueue(line: string): void {
    if (this.queuedLines < this.options.maxQueuedLines) {
      this.queue.push(line);
      this.queuedLines++;
      return;
    }
    this.droppedTotal++;
    const last = this.queue.at(-1);
    if (typeof last === 'object') last.count++;
    else this.queue.push({ count: 1 });
  }

  private waitForDrain(): void {
    this.waitingForDrain = true;
    this.stream.once('drain', this.onDrain);
  }

  /** The queue as one chunk, each run of dropped lines replaced by its gap line; empties it. */
  private takeQueue(): string {
    const chunk = this.queue.map((item) => (typeof item === 'string' ? item : this.options.gapLine(item.count))).join('');
    this.queue = [];
    this.queuedLines = 0;
    return chunk;
  }

  private readonly onDrain = (): void => {
    this.waitingForDrain = false;
    if (this.endedAs !== null || this.queue.length === 0) return;
    // The whole queue in one chunk: the stream then holds at most one queue's worth while new
    // lines fill the next, so memory stays within twice the limit.
    if (!this.stream.write(this.takeQueue())) this.waitForDrain();
  };

  private readonly onError = (error: NodeJS.ErrnoException): void => {
    if (this.endedAs !== null) return;
    this.endedAs = error.code === 'EPIPE' ? { kind: 'readerGone' } : { kind: 'failed', error };
    this.queue = [];
    this.queuedLines = 0;
    this.resolveEnd(this.endedAs);
  };
}
