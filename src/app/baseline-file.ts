/**
 * `--baseline FILE`: the profile of "when it was fine" (world-profile.ts), from a snapshot
 * document (`--json`, `s`) or a recording (`--record`, `w`), whichever the file is. A recording
 * is replayed to its end; a document is read whole, within the replay's size cap, and only the
 * fields a profile needs are read — each checked, each string cleaned of what a terminal would
 * act on, since the file may come from anywhere.
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { ExitCode, NetscopeError } from '../errors.js';
import { escapeUntrustedText } from '../enrich/untrusted-text.js';
import { changesSince } from '../model/baseline-changes.js';
import { changesDocument, type BaselineOrigin, type ChangesDocument } from '../model/changes-document.js';
import type { ContainerIdentity } from '../model/records.js';
import type { SnapshotDocument } from '../model/snapshot-document.js';
import { profileOfDocument, profileOfSnapshot, type WorldProfile } from '../model/world-profile.js';
import { defaultReplayMaxBytes, readRecording } from '../recording/read-recording.js';
import { openReplayCapture } from './replay-capture.js';

export interface Baseline {
  profile: WorldProfile;
  origin: BaselineOrigin;
  /** The file it came from; null for a mark in the live view. */
  file: string | null;
}

const FIX = 'give a snapshot (netscope --json -o FILE, or s in the live view) or a recording (--record FILE, w) taken when things were fine';

function notUsable(file: string, why: string): NetscopeError {
  return new NetscopeError(`--baseline ${file} ${why}`, FIX, ExitCode.dataError);
}

/** What the file starts with: a recording (gzip, or its header line) or, otherwise, a document. */
function looksLikeRecording(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new NetscopeError(`cannot read --baseline ${file} (${code === 'ENOENT' ? 'no such file' : code})`, FIX, ExitCode.noInput);
  }
  try {
    if (!fstatSync(fd).isFile()) throw new NetscopeError(`cannot read --baseline ${file}: it is not a regular file`, FIX, ExitCode.noInput);
    const start = Buffer.alloc(32);
    const read = readSync(fd, start, 0, start.length, 0);
    const head = start.subarray(0, read);
    return (head[0] === 0x1f && head[1] === 0x8b) || head.toString('latin1').startsWith('{"netscopeRecording"');
  } finally {
    closeSync(fd);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? escapeUntrustedText(value.slice(0, 256)) : null;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

function time(value: unknown): string | null {
  return typeof value === 'string' && Number.isFinite(Date.parse(value)) ? value : null;
}

function container(value: unknown): ContainerIdentity | null {
  if (!isObject(value)) return null;
  const name = text(value.name);
  if (name === null) return null;
  return { id: text(value.id) ?? name, name, runtime: 'docker', image: null, pod: text(value.pod), namespace: text(value.namespace), podUid: null };
}

function list(document: Record<string, unknown>, field: string, file: string): Record<string, unknown>[] {
  const value = document[field];
  if (!Array.isArray(value)) throw notUsable(file, `is not a netscope snapshot: it has no "${field}" list`);
  return value.filter(isObject);
}

/**
 * The document's parts a profile reads, checked and cleaned. Documents of schema version 1 and 2
 * carry them alike.
 */
function baselineDocument(value: unknown, file: string): SnapshotDocument {
  if (!isObject(value) || (value.schemaVersion !== 1 && value.schemaVersion !== 2)) {
    throw notUsable(file, 'is not a netscope snapshot (no schemaVersion 1 or 2)');
  }
  const generatedAt = time(value.generatedAt);
  if (generatedAt === null) throw notUsable(file, 'is not a netscope snapshot: its generatedAt is not a time');
  const connections = list(value, 'connections', file).flatMap((connection) => {
    const openedAt = time(connection.openedAt);
    const daddr = text(connection.daddr);
    if (openedAt === null || daddr === null) return [];
    return [
      {
        comm: text(connection.comm),
        container: container(connection.container),
        daddr,
        peerName: isObject(connection.peerName) && text(connection.peerName.name) !== null ? { name: text(connection.peerName.name) } : null,
        bytesSent: count(connection.bytesSent),
        bytesReceived: count(connection.bytesReceived),
        segmentsSent: count(connection.segmentsSent),
        retransmits: count(connection.retransmits),
        srttMs: typeof connection.srttMs === 'number' ? count(connection.srttMs) : null,
        openedAt,
        closedAt: time(connection.closedAt),
        state: typeof connection.state === 'string' ? connection.state : 'ESTABLISHED',
        preexisting: connection.preexisting === true,
      },
    ];
  });
  const listeners = list(value, 'listeners', file).map((listener) => ({
    comm: text(listener.comm),
    container: container(listener.container),
    sport: count(listener.sport),
  }));
  const containers = list(value, 'containers', file).flatMap((each) => {
    const identity = container(each);
    return identity === null ? [] : [identity];
  });
  // Only the fields profileOfDocument reads are filled: the rest of the document is never used.
  return { generatedAt, connections, listeners, containers } as unknown as SnapshotDocument;
}

function documentProfile(file: string): WorldProfile {
  const maxBytes = defaultReplayMaxBytes();
  let bytes: Buffer;
  try {
    const fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    try {
      if (fstatSync(fd).size > maxBytes) throw notUsable(file, `is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB`);
      bytes = readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (error instanceof NetscopeError) throw error;
    throw new NetscopeError(`cannot read --baseline ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, FIX, ExitCode.noInput);
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw notUsable(file, 'is neither a netscope recording nor JSON');
  }
  return profileOfDocument(baselineDocument(value, file));
}

/** A recording replayed to its last tick, as `--replay FILE --json` would. */
async function recordingProfile(file: string): Promise<WorldProfile> {
  const recording = await readRecording(file);
  const { capture } = openReplayCapture(recording, {});
  for (let tick = 0; tick < recording.ticks.length; tick++) capture.tick();
  return profileOfSnapshot(capture.model.snapshot);
}

/** Throws NetscopeError (66 unreadable, 65 not a snapshot or recording). */
export async function readBaseline(file: string): Promise<Baseline> {
  if (looksLikeRecording(file)) return { profile: await recordingProfile(file), origin: 'recording', file };
  return { profile: documentProfile(file), origin: 'snapshot', file };
}

/** The document's `changes`: the capture's profile now against the baseline. */
export function changesSinceBaseline(baseline: Baseline, now: WorldProfile): ChangesDocument {
  return changesDocument(changesSince(baseline.profile, now), baseline.origin, baseline.file);
}
