/**
 * The flight recorder: without --record, the last minutes of what the model ingested stay in
 * memory, whole ticks at a time, so that `w` (or SIGUSR1) can write them as a recording of what
 * led up to an incident, after it happened. Ticks older than the window go first, then — past the
 * memory cap — the oldest whatever their age.
 *
 * Records are held as their recording lines, in Buffers: each record becomes its line as it
 * arrives, and lines go into a Buffer a few hundred at a time. Held in V8's heap — as record
 * objects until the tick, or as strings for minutes — they outlived the young generation and
 * made most of the old one, which V8 sizes to a multiple of what is live: under 1,000
 * connections/s the 64 MiB cap cost 230 MiB of RSS. The records that give context (below) are
 * also held as objects, for as long as their tick; the memory cap counts both at their lines'
 * length.
 *
 * A dump starts mid-capture. Connections first seen by a sample are preexisting, as they are
 * for netscope started late; but who owns them and which container they run in was said once,
 * when they were new, possibly before the window. So the records that said it (owner and
 * container records, and the owner a state change carried) are carried over from evicted
 * ticks for as long as the model still shows their socket, process or cgroup, and the dump
 * replays them at the end of its first tick, once that tick's samples have put the sockets back.
 */
import type { CaptureObserver } from '../capture.js';
import type { ContainerRecord, ModelRecord, OwnerRecord, StateChangeRecord } from '../model/records.js';
import type { ModelSnapshot } from '../model/snapshot-types.js';
import { endLine, headerLine, recordLine, tickLine, type RecordingHeader } from './recording-format.js';

export interface FlightRecorderOptions {
  /** How much to keep, ms of capture time (the newest tick is always kept). */
  windowMs: number;
  /** Memory cap: bytes held, each record counted at its line's length, carried records included. */
  maxBytes: number;
  /** The header of every dump; its startedAt is the start of the oldest tick kept. */
  header: Omit<RecordingHeader, 'startedAt'>;
}

/** What a dump holds, for the line that says where it went. */
export interface FlightRecordingSpan {
  ticks: number;
  /** From the start of the oldest tick kept to the newest tick, ms. */
  spanMs: number;
}

/** A record that says who owns a socket, describes a process, or resolves a container. */
type ContextRecord = OwnerRecord | ContainerRecord | (StateChangeRecord & { owner: NonNullable<StateChangeRecord['owner']> });

interface HeldTick {
  /** Where the tick's records start: the previous tick's time (for the first, its first record's). */
  startMs: number;
  atMs: number;
  /** The tick's records as recording lines (UTF-8), each with its newline. */
  lines: Buffer;
  bytes: number;
  context: ContextRecord[];
}

/** Bytes of a tick marker line, `{"kind":"tick","atMs":1795576201000.123}` and its newline. */
const TICK_LINE_BYTES = 42;

/** Lines gathered before they go into a Buffer: few enough to die young, enough to write in bulk. */
const LINES_PER_CHUNK = 256;

/** What a context record is about. A socket's owner is kept as first said (the model adopts the first); the rest as last said. */
function contextKey(record: ContextRecord): { key: string; firstWins: boolean } {
  switch (record.kind) {
    case 'owner':
      return record.cookie === 0 ? { key: `process:${record.pid}`, firstWins: false } : { key: `socket:${record.cookie}`, firstWins: true };
    case 'container':
      return record.pid !== null && record.container !== null ? { key: `pid:${record.pid}`, firstWins: false } : { key: `cgroup:${record.cgroupId}`, firstWins: false };
    case 'state':
      return { key: `socket:${record.cookie}`, firstWins: true };
  }
}

function asContext(record: ModelRecord): ContextRecord | null {
  if (record.kind === 'owner' || record.kind === 'container') return record;
  if (record.kind === 'state' && record.owner !== null) return record as ContextRecord;
  return null;
}

/** What the model still shows: the sockets, processes and cgroups a carried record may matter to. */
function referencedBy(snapshot: ModelSnapshot): Set<string> {
  const keys = new Set<string>();
  for (const entry of [...snapshot.connections, ...snapshot.listeners]) {
    keys.add(`socket:${entry.id}`);
    if (entry.owner.pid !== null) keys.add(`process:${entry.owner.pid}`).add(`pid:${entry.owner.pid}`);
    if (entry.owner.cgroupId !== null) keys.add(`cgroup:${entry.owner.cgroupId}`);
  }
  return keys;
}

export class FlightRecorder implements CaptureObserver {
  private readonly ticks: HeldTick[] = [];
  private pendingLines: string[] = [];
  private pendingChunks: Buffer[] = [];
  private pendingContext: ContextRecord[] = [];
  private pendingContextBytes = 0;
  private pendingStartMs: number | null = null;
  private previousTickAtMs: number | null = null;
  private readonly carried = new Map<string, { record: ContextRecord; bytes: number }>();
  private heldBytes = 0;

  constructor(private readonly options: FlightRecorderOptions) {}

  record(record: ModelRecord): void {
    const line = recordLine(record);
    this.pendingLines.push(line);
    if (this.pendingLines.length === LINES_PER_CHUNK) this.chunkPendingLines();
    this.pendingStartMs ??= record.atMs;
    const context = asContext(record);
    if (context === null) return;
    this.pendingContext.push(context);
    this.pendingContextBytes += line.length;
  }

  tick(snapshot: ModelSnapshot): void {
    this.chunkPendingLines();
    const lines = Buffer.concat(this.pendingChunks);
    const tick: HeldTick = {
      startMs: this.previousTickAtMs ?? this.pendingStartMs ?? snapshot.atMs,
      atMs: snapshot.atMs,
      lines,
      bytes: lines.length + this.pendingContextBytes + TICK_LINE_BYTES,
      context: this.pendingContext,
    };
    this.ticks.push(tick);
    this.heldBytes += tick.bytes;
    this.pendingChunks = [];
    this.pendingContext = [];
    this.pendingContextBytes = 0;
    this.pendingStartMs = null;
    this.previousTickAtMs = snapshot.atMs;
    this.evict(snapshot);
  }

  private chunkPendingLines(): void {
    if (this.pendingLines.length === 0) return;
    this.pendingChunks.push(Buffer.from(`${this.pendingLines.join('\n')}\n`));
    this.pendingLines = [];
  }

  /** Bytes held now (ticks and carried records), as the memory cap counts them. */
  get bytesHeld(): number {
    return this.heldBytes;
  }

  /** Ticks held and the time they span; null before the first tick. */
  span(): FlightRecordingSpan | null {
    const [oldest, newest] = [this.ticks[0], this.ticks.at(-1)];
    if (oldest === undefined || newest === undefined) return null;
    return { ticks: this.ticks.length, spanMs: newest.atMs - oldest.startMs };
  }

  /** The window as a recording (see recording-format.ts); null before the first tick. */
  recording(): string | null {
    const [oldest, newest] = [this.ticks[0], this.ticks.at(-1)];
    if (oldest === undefined || newest === undefined) return null;
    const { netscopeRecording, host, netscopeVersion, source } = this.options.header;
    const header: RecordingHeader = { netscopeRecording, host, startedAt: new Date(oldest.startMs).toISOString(), netscopeVersion, source };
    const parts = [`${headerLine(header)}\n`];
    for (const [index, tick] of this.ticks.entries()) {
      parts.push(tick.lines.toString());
      if (index === 0) parts.push(...this.carriedLines().map((line) => `${line}\n`));
      parts.push(`${tickLine(tick.atMs)}\n`);
    }
    parts.push(`${endLine(newest.atMs, 'flightDump')}\n`);
    return parts.join('');
  }

  /** Past the window first; then, carried records pruned to what the model still shows, past the cap. */
  private evict(snapshot: ModelSnapshot): void {
    const windowStartMs = snapshot.atMs - this.options.windowMs;
    let referenced: Set<string> | null = null;
    const prune = () => this.pruneCarried(this.ticks.length === 0 ? new Set() : (referenced ??= referencedBy(snapshot)));
    const pastWindow = () => this.ticks.length > 1 && (this.ticks[0]?.startMs ?? Infinity) < windowStartMs;
    const overCap = () => this.ticks.length > 0 && this.heldBytes > this.options.maxBytes;
    if (pastWindow()) {
      while (pastWindow()) this.evictOldest();
      prune();
    }
    if (overCap()) {
      while (overCap()) this.evictOldest();
      prune();
    }
  }

  private evictOldest(): void {
    const oldest = this.ticks.shift();
    if (oldest === undefined) return;
    this.heldBytes -= oldest.bytes;
    for (const record of oldest.context) this.carry(record);
  }

  private carry(record: ContextRecord): void {
    const { key, firstWins } = contextKey(record);
    const known = this.carried.get(key);
    if (known !== undefined && firstWins) return;
    const bytes = recordLine(record).length;
    this.heldBytes += bytes - (known?.bytes ?? 0);
    this.carried.set(key, { record, bytes });
  }

  private pruneCarried(referenced: ReadonlySet<string>): void {
    for (const [key, { bytes }] of this.carried) {
      if (referenced.has(key)) continue;
      this.carried.delete(key);
      this.heldBytes -= bytes;
    }
  }

  /** Processes and containers first, then sockets' owners (which the process table completes). */
  private carriedLines(): string[] {
    const ordered = [...this.carried.values()].map((entry) => entry.record).sort((a, b) => Number(isSocketOwner(a)) - Number(isSocketOwner(b)));
    return ordered.map((record) => this.carriedLine(record));
  }

  /**
   * The carried record as a line. An owner learnt from a state change travels as the owner
   * record a /proc lookup would have given, completed from its process's description: replaying
   * the old state change itself would rewrite the connection's history.
   */
  private carriedLine(record: ContextRecord): string {
    if (record.kind !== 'state') return recordLine(record);
    const { owner } = record;
    const description = this.carried.get(`process:${owner.pid}`)?.record;
    const described = description?.kind === 'owner' ? description : null;
    const asOwner: OwnerRecord = {
      kind: 'owner',
      atMs: record.atMs,
      cookie: record.cookie,
      pid: owner.pid,
      comm: owner.comm,
      cmdline: described?.cmdline ?? owner.comm,
      uid: owner.uid,
      user: described?.user ?? String(owner.uid),
      cgroupId: owner.cgroupId,
    };
    return recordLine(asOwner);
  }
}

function isSocketOwner(record: ContextRecord): boolean {
  return record.kind === 'state' || (record.kind === 'owner' && record.cookie !== 0);
}
