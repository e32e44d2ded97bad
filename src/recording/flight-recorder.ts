/**
 * The flight recorder: without --record, the last minutes of what the model ingested stay in
 * memory, whole ticks at a time, so that `w` (or SIGUSR1) can write them as a recording of what
 * led up to an incident, after it happened. Ticks older than the window go first, then — past the
 * memory cap — the oldest whatever their age.
 *
 * The records are held in a compact binary form (flight-codec.ts, in chunks: flight-chunks.ts),
 * not as objects: V8 holds several times an object's fields, and under churn a cap counted in
 * lines held the last seconds. Lines are made only when a dump is written; the memory cap counts
 * the chunks' bytes.
 *
 * A dump starts mid-capture. Connections first seen by a sample are preexisting, as they are
 * for netscope started late; but who owns them and which container they run in was said once,
 * when they were new, possibly before the window. So the records that said it (owner and
 * container records, and the owner a state change carried) are carried over from evicted
 * ticks for as long as the model still shows their socket, process or cgroup, and the dump
 * replays them at the end of its first tick, once that tick's samples have put the sockets back.
 */
import type { CaptureObserver } from '../model/capture-contracts.js';
import type { ContainerRecord, ModelRecord, OwnerRecord, StateChangeRecord } from '../model/records.js';
import type { ModelSnapshot } from '../model/snapshot-types.js';
import { FlightChunks } from './flight-chunks.js';
import { endLine, headerLine, recordLine, tickLine, type RecordingHeader } from './recording-format.js';

export interface FlightRecorderOptions {
  /** How much to keep, ms of capture time (the newest tick is always kept). */
  windowMs: number;
  /** Memory cap: bytes held — the chunks' bytes, and carried records at about their line's size. */
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

/** A tick in the window; its records are in the chunks. */
interface HeldTick {
  /** Where the tick's records start: the previous tick's time (for the first, its first record's). */
  startMs: number;
  atMs: number;
}

/**
 * The chunk size for a 64 MiB cap and more: the window slides by that much memory at a time.
 * A chunk must hold many passes over the table: each chunk names every socket anew (about 45
 * bytes each), after which an idle socket's sample is a 3-byte repeat. At 1 MiB a pass over
 * 40,000 sockets did not fit in one, and the window at 20,000 open connections was 31 s.
 */
const MAX_CHUNK_BYTES = 8 * 1024 * 1024;
/** Chunks are an eighth of the cap at most, so a small cap still holds many ticks… */
const CHUNKS_PER_CAP = 8;
/** …and at least this, bytes. */
const MIN_CHUNK_BYTES = 256;

/**
 * About the size of a carried record's line, without making it: typical sizes measured on real
 * recordings, plus the free text that varies (command lines, container names).
 */
function estimatedLineBytes(record: ContextRecord): number {
  switch (record.kind) {
    case 'state':
      return 400;
    case 'owner':
      return 130 + record.comm.length + record.cmdline.length + record.user.length;
    case 'container': {
      const { container } = record;
      return container === null ? 100 : 200 + container.id.length + container.name.length + (container.image?.length ?? 0) + (container.pod?.length ?? 0) + (container.namespace?.length ?? 0) + (container.podUid?.length ?? 0) + (container.workload?.name.length ?? 0);
    }
  }
}

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
  private readonly chunks: FlightChunks;
  private pendingStartMs: number | null = null;
  private previousTickAtMs: number | null = null;
  private readonly carried = new Map<string, { record: ContextRecord; bytes: number }>();
  private carriedBytes = 0;

  constructor(private readonly options: FlightRecorderOptions) {
    this.chunks = new FlightChunks(Math.min(MAX_CHUNK_BYTES, Math.max(MIN_CHUNK_BYTES, Math.floor(options.maxBytes / CHUNKS_PER_CAP))));
  }

  record(record: ModelRecord): void {
    this.chunks.append(record);
    this.pendingStartMs ??= record.atMs;
  }

  tick(snapshot: ModelSnapshot): void {
    this.chunks.append({ kind: 'tick', atMs: snapshot.atMs });
    this.ticks.push({ startMs: this.previousTickAtMs ?? this.pendingStartMs ?? snapshot.atMs, atMs: snapshot.atMs });
    this.pendingStartMs = null;
    this.previousTickAtMs = snapshot.atMs;
    this.evict(snapshot);
  }

  /** Bytes held now (chunks and carried records), as the memory cap counts them. */
  get bytesHeld(): number {
    return this.chunks.bytes + this.carriedBytes;
  }

  /** Ticks held and the time they span; null before the first tick. */
  span(): FlightRecordingSpan | null {
    const [oldest, newest] = [this.ticks[0], this.ticks.at(-1)];
    if (oldest === undefined || newest === undefined) return null;
    return { ticks: this.ticks.length, spanMs: newest.atMs - oldest.startMs };
  }

  /**
   * The window as a recording, line by line (without their newlines): a window of minutes is
   * more text than one string may hold, and pieces of it joined into large strings filled the
   * heap faster than it was collected. Nothing before the first tick.
   */
  *recordingLines(): Generator<string> {
    const [oldest, newest] = [this.ticks[0], this.ticks.at(-1)];
    if (oldest === undefined || newest === undefined) return;
    const { netscopeRecording, host, netscopeVersion, source } = this.options.header;
    yield headerLine({ netscopeRecording, host, startedAt: new Date(oldest.startMs).toISOString(), netscopeVersion, source });
    let firstTick = true;
    for (const entry of this.chunks.entries()) {
      if (entry.kind !== 'tick') {
        yield recordLine(entry);
        continue;
      }
      if (firstTick) yield* this.carriedLines();
      firstTick = false;
      yield tickLine(entry.atMs);
    }
    yield endLine(newest.atMs, 'flightDump');
  }

  /** Past the window first; then, carried records pruned to what the model still shows, past the cap. */
  private evict(snapshot: ModelSnapshot): void {
    const windowStartMs = snapshot.atMs - this.options.windowMs;
    let referenced: Set<string> | null = null;
    const prune = () => this.pruneCarried(this.ticks.length === 0 ? new Set() : (referenced ??= referencedBy(snapshot)));
    const pastWindow = () => this.ticks.length > 1 && (this.ticks[0]?.startMs ?? Infinity) < windowStartMs;
    const overCap = () => this.ticks.length > 0 && this.bytesHeld > this.options.maxBytes;
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
    if (this.ticks.shift() === undefined) return;
    this.chunks.dropOldestTick((entry) => {
      const context = entry.kind === 'tick' ? null : asContext(entry);
      if (context !== null) this.carry(context);
    });
    if (this.ticks.length === 0) this.chunks.clear();
  }

  private carry(record: ContextRecord): void {
    const { key, firstWins } = contextKey(record);
    const known = this.carried.get(key);
    if (known !== undefined && firstWins) return;
    const bytes = estimatedLineBytes(record);
    this.carriedBytes += bytes - (known?.bytes ?? 0);
    this.carried.set(key, { record, bytes });
  }

  private pruneCarried(referenced: ReadonlySet<string>): void {
    for (const [key, { bytes }] of this.carried) {
      if (referenced.has(key)) continue;
      this.carried.delete(key);
      this.carriedBytes -= bytes;
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
