/**
 * The flight recorder's entries in chunks of bytes (flight-codec.ts), oldest first. A chunk is
 * allocated at its full size and never copied: the kernel gives its pages only as they are
 * written (a chunk's allocation is far past malloc's mmap threshold), so a quiet host holds
 * little, and what is held is counted as the bytes written. Chunks grown by doubling and
 * trimmed to their contents had copied every byte about twice under churn (2.4% of netscope's
 * CPU) and held the old and the new copy at once. The window slides a tick at a time through
 * the front chunk (a cursor reads each tick it lets go of, for the records that must travel on);
 * the chunk itself goes once the cursor has left it.
 */
import { ChunkDecoder, ChunkEncoder, entryBound, type FlightEntry } from './flight-codec.js';

interface Chunk {
  bytes: Buffer;
  /** Bytes written. */
  used: number;
}

/** Where a reading stands: in which chunk, and that chunk's decoder (which knows the offset). */
interface ChunkCursor {
  chunk: Chunk;
  decoder: ChunkDecoder;
}

export class FlightChunks {
  private chunks: Chunk[] = [];
  private encoder = new ChunkEncoder();
  /** The start of the oldest tick still in the window; null when there is nothing. */
  private windowStart: ChunkCursor | null = null;
  /** Bytes written into the chunks held. */
  private writtenBytes = 0;
  /** Where an entry is encoded when it may not fit the open chunk (grown to the largest bound met). */
  private aside = Buffer.allocUnsafeSlow(0);

  /** @param chunkBytes The size of a chunk, bytes (an entry larger than that gets a chunk of its own size). */
  constructor(private readonly chunkBytes: number) {}

  /** Bytes written into the chunks held: what of them is resident. */
  get bytes(): number {
    return this.writtenBytes;
  }

  append(entry: FlightEntry): void {
    const bound = entryBound(entry);
    const open = this.chunks.at(-1);
    if (open !== undefined && open.used + bound <= open.bytes.length) {
      const end = this.encoder.encode(entry, open.bytes, open.used);
      this.writtenBytes += end - open.used;
      open.used = end;
    } else {
      this.appendNearEnd(entry, bound, open);
    }
    this.windowStart ??= { chunk: this.chunks[0]!, decoder: new ChunkDecoder() };
  }

  /**
   * Lets go of the window's oldest tick: its entries, up to and including its tick marker, are
   * handed to `letGo`; chunks wholly before the window then go.
   */
  dropOldestTick(letGo: (entry: FlightEntry) => void): void {
    const cursor = this.windowStart;
    if (cursor === null) return;
    for (;;) {
      if (cursor.decoder.offset >= cursor.chunk.used && !this.advance(cursor)) return;
      const entry = cursor.decoder.next(cursor.chunk.bytes);
      letGo(entry);
      if (entry.kind === 'tick') break;
    }
    // Past the end of a finished chunk, the window starts in the next.
    if (cursor.decoder.offset >= cursor.chunk.used) this.advance(cursor);
  }

  /** Nothing held any more: every chunk goes. */
  clear(): void {
    this.chunks = [];
    this.encoder = new ChunkEncoder();
    this.windowStart = null;
    this.writtenBytes = 0;
  }

  /** The window's entries, oldest first (the front chunk is read from its start, up to the window). */
  *entries(): Generator<FlightEntry> {
    const start = this.windowStart;
    if (start === null) return;
    // The window starts in the front chunk (the chunks before it went), whose decoding starts at byte 0.
    const decoder = new ChunkDecoder();
    while (decoder.offset < start.decoder.offset) decoder.next(start.chunk.bytes);
    for (const [index, chunk] of this.chunks.entries()) {
      const reader = index === 0 ? decoder : new ChunkDecoder();
      while (reader.offset < chunk.used) yield reader.next(chunk.bytes);
    }
  }

  /** The cursor moved to the chunk after its own, which goes; false when its chunk is the last. */
  private advance(cursor: ChunkCursor): boolean {
    const next = this.chunks[1];
    if (cursor.chunk !== this.chunks[0] || next === undefined) return false;
    const dropped = this.chunks.shift()!;
    this.writtenBytes -= dropped.used;
    cursor.chunk = next;
    cursor.decoder = new ChunkDecoder();
    return true;
  }

  /**
   * Near the open chunk's end only the entry's exact size says whether it fits: it is encoded
   * aside, then copied into the open chunk or, encoded anew, into a new one (the encoder that
   * tried is let go with the chunk it wrote).
   */
  private appendNearEnd(entry: FlightEntry, bound: number, open: Chunk | undefined): void {
    if (this.aside.length < bound) this.aside = Buffer.allocUnsafeSlow(bound);
    let size = open === undefined ? 0 : this.encoder.encode(entry, this.aside, 0);
    if (open === undefined || open.used + size > open.bytes.length) {
      this.encoder = new ChunkEncoder();
      size = this.encoder.encode(entry, this.aside, 0);
      open = { bytes: Buffer.allocUnsafeSlow(Math.max(this.chunkBytes, size)), used: 0 };
      this.chunks.push(open);
    }
    open.used += this.aside.copy(open.bytes, open.used, 0, size);
    this.writtenBytes += size;
  }
}
