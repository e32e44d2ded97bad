/**
 * Writes files the way a root tool must. The directory is opened by the addon one component at
 * a time, so a symlink another user planted in a shared directory (as /tmp is) is never
 * followed — the kernel's protected_symlinks rule, applied whatever the host's sysctl says —
 * and a directory others may write into without the sticky bit is refused. Every file is then
 * made relative to that directory's fd: nothing can be swapped in between a check and the write.
 *
 * - A snapshot replaces its target atomically: an unnamed O_TMPFILE is written and fsync'd, then
 *   given the target's name (through a temporary name renamed over the target when it exists),
 *   so a reader sees the old file or the whole new one, and a netscope killed while writing
 *   leaves nothing. Where the filesystem has no O_TMPFILE, a named `.NAME.XXXXXXXXXXXX.tmp` is
 *   written instead; one a killed netscope left behind is removed at the next write of NAME.
 * - Files that grow while netscope runs (recordings) and flight dumps are created new (O_EXCL):
 *   never over an existing file, never through a symlink.
 *
 * Everything is mode 0600, and the directory is fsync'd so the name survives a crash. A refused
 * path, or a file that cannot be created, is an UnsafeOutputError (exit 73); a write that fails
 * (a full disk) is an OutputWriteError (exit 74).
 */
import { closeSync, fstatSync, fsyncSync, writeSync, type Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { ExitCode, NetscopeError } from '../errors.js';
import { OutputWriteError, systemErrorText, writeFailureFix } from './output-write-error.js';
import { isNativeError, nativeAddon, type DirectoryEntry, type DirectoryWalkErrorFields } from '../probes/native.js';
import { escapeUntrustedText } from '../enrich/untrusted-text.js';
import { userName } from '../enrich/user-names.js';

/** A path netscope refuses to write (see the module comment), or a file it cannot create: exit 73. */
export class UnsafeOutputError extends NetscopeError {
  constructor(problem: string, fix: string) {
    super(problem, fix, ExitCode.cannotCreate);
  }
}

const STICKY = 0o1000;
const GROUP_WRITE = 0o020;
const OTHER_WRITE = 0o002;
const CHOOSE_ANOTHER_PATH = 'choose another path, e.g. --output ./netscope.json';
/** Where O_TMPFILE is missing: the filesystem has none (EOPNOTSUPP), or the kernel (EISDIR). */
const NO_UNNAMED_FILES = new Set(['EOPNOTSUPP', 'EISDIR']);
const TEMPORARY_RANDOM_BYTES = 6;

/** `.NAME.XXXXXXXXXXXX.tmp`: a hidden name beside the target, told apart from the user's files by its pattern. */
function temporaryName(name: string): string {
  return `.${name}.${randomBytes(TEMPORARY_RANDOM_BYTES).toString('hex')}.tmp`;
}

function isTemporaryNameOf(entry: string, name: string): boolean {
  const prefix = `.${name}.`;
  return entry.startsWith(prefix) && new RegExp(`^[0-9a-f]{${TEMPORARY_RANDOM_BYTES * 2}}\\.tmp$`).test(entry.slice(prefix.length));
}

/** Why root must not write into a directory with these stats (others could swap the file), or null. */
function sharedDirectoryReason(stats: Stats): string | null {
  const writableByOthers = (stats.mode & OTHER_WRITE) !== 0 || ((stats.mode & GROUP_WRITE) !== 0 && stats.gid !== 0);
  return writableByOthers && (stats.mode & STICKY) === 0 ? 'it is writable by other users without the sticky bit' : null;
}

/** The walk's failure in the user's words: a refused link names the link, its owner, and what to do instead. */
function directoryRefusal(directory: string, error: Error & DirectoryWalkErrorFields): UnsafeOutputError {
  const { code, operation, linkOwner, directoryOwner } = error;
  const stoppedAt = escapeUntrustedText(error.path);
  if (operation === 'follow symlink' && linkOwner !== undefined && directoryOwner !== undefined) {
    return new UnsafeOutputError(
      `refusing to follow the symbolic link ${stoppedAt}: it belongs to ${userName(linkOwner)}, in a directory others can write into that ${userName(directoryOwner)} owns, so another user may have planted it`,
      "give the link's real directory, or one only root can write",
    );
  }
  // Where the walk stopped short of the directory asked for, say both.
  const context = path.resolve(error.path) === path.resolve(directory) ? '' : `cannot write in ${escapeUntrustedText(directory)}: `;
  switch (code) {
    case 'ENOENT':
      return new UnsafeOutputError(`${context}directory ${stoppedAt} does not exist`, 'create it first, or choose another directory');
    case 'ENOTDIR':
      return new UnsafeOutputError(`${context}${stoppedAt} is not a directory`, 'choose another directory');
    case 'ELOOP':
      return new UnsafeOutputError(`${context}too many symbolic links at ${stoppedAt} (a loop)`, 'fix the links, or give the real directory');
    default:
      return new UnsafeOutputError(`${context}cannot use ${stoppedAt}: ${systemErrorText(error)}`, 'choose a directory netscope can reach');
  }
}

/**
 * What a file is written from: its bytes, its text, or its text in pieces (a snapshot document
 * of a busy host, written as it is serialised rather than held whole).
 */
export type FileContent = string | Uint8Array | Iterable<string>;

/** Pieces are gathered up to this many characters per write: few system calls, little held. */
const WRITE_BATCH_CHARS = 1 << 16;

function writeBytes(fd: number, bytes: Uint8Array): void {
  for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
}

function writeAll(fd: number, content: FileContent): void {
  if (typeof content === 'string') return writeBytes(fd, Buffer.from(content));
  if (content instanceof Uint8Array) return writeBytes(fd, content);
  let batch = '';
  for (const piece of content) {
    batch += piece;
    if (batch.length < WRITE_BATCH_CHARS) continue;
    writeBytes(fd, Buffer.from(batch));
    batch = '';
  }
  if (batch !== '') writeBytes(fd, Buffer.from(batch));
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed; nothing else holds it
  }
}

/** A directory opened for writing files into, safely resolved (see the module comment). Close it when done. */
export class OutputDirectory {
  private constructor(
    private readonly fd: number,
    /** The directory as the user named it, for messages. */
    readonly shown: string,
  ) {}

  /** Throws UnsafeOutputError: a planted symlink on the way, a missing directory, or one others may write without the sticky bit. */
  static open(directory: string): OutputDirectory {
    let fd: number;
    try {
      fd = nativeAddon().openDirectoryWithoutPlantedLinks(directory);
    } catch (error) {
      if (!isNativeError(error)) throw error;
      throw directoryRefusal(directory, error as Error & DirectoryWalkErrorFields);
    }
    const reason = sharedDirectoryReason(fstatSync(fd));
    if (reason !== null) {
      closeSync(fd);
      throw new UnsafeOutputError(`cannot write in ${escapeUntrustedText(directory)}: ${reason}`, CHOOSE_ANOTHER_PATH);
    }
    return new OutputDirectory(fd, directory);
  }

  /** What is at `name` now (a symlink is reported as one), or null. */
  entry(name: string): DirectoryEntry | null {
    return nativeAddon().entryAt(this.fd, name);
  }

  /** The path of `name` in this directory, for messages. */
  pathOf(name: string): string {
    return escapeUntrustedText(path.join(this.shown, name));
  }

  /**
   * Atomically replaces `name` with `content` (see the module comment). A symlink or anything
   * but a regular file at `name` is refused. Throws UnsafeOutputError or OutputWriteError.
   */
  replaceFile(name: string, content: FileContent): void {
    const existing = this.entry(name);
    if (existing?.kind === 'symlink') throw new UnsafeOutputError(`refusing to write ${this.pathOf(name)}: it is a symbolic link`, 'remove the link or choose another path');
    if (existing !== null && existing.kind !== 'file') throw new UnsafeOutputError(`cannot write ${this.pathOf(name)}: it exists and is not a regular file`, 'choose another path');
    this.removeStaleTemporaries(name);
    const unnamedFd = this.createUnnamedFile();
    if (unnamedFd === null) this.replaceThroughNamedTemporary(name, content);
    else this.replaceThroughUnnamedFile(unnamedFd, name, content);
    this.syncDirectory(name);
  }

  /**
   * Creates `name` new (never over an entry, never through a symlink), mode 0600, and returns its
   * fd; the name is fsync'd, so it survives a crash. Throws UnsafeOutputError.
   */
  createFile(name: string): number {
    let fd: number;
    try {
      fd = nativeAddon().createFileAt(this.fd, name);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        const kind = this.entry(name)?.kind;
        if (kind === 'symlink') throw new UnsafeOutputError(`refusing to write ${this.pathOf(name)}: it is a symbolic link`, 'remove the link or choose another path');
        throw new UnsafeOutputError(`refusing to overwrite ${this.pathOf(name)}: it already exists`, 'choose a new file name, or move the old file away');
      }
      throw new UnsafeOutputError(`cannot create ${this.pathOf(name)}: ${systemErrorText(error)}`, 'choose a writable directory');
    }
    try {
      this.syncDirectory(name);
    } catch (error) {
      this.removeFile(name, fd);
      closeQuietly(fd);
      throw error;
    }
    return fd;
  }

  /** Creates `name` new with `content`, fsync'd (see createFile); removes it again when writing fails. */
  writeNewFile(name: string, content: FileContent): void {
    const fd = this.createFile(name);
    try {
      writeAll(fd, content);
      fsyncSync(fd);
    } catch (error) {
      this.removeFile(name, fd);
      throw new OutputWriteError(`cannot write ${this.pathOf(name)}`, error, writeFailureFix(error));
    } finally {
      closeQuietly(fd);
    }
  }

  /** Removes `name` while it is still the file open as `fd`; returns whether it did. */
  removeFile(name: string, fd: number): boolean {
    try {
      return nativeAddon().removeFileAt(this.fd, name, fd);
    } catch {
      // The caller is already reporting the failure that brought it here; a leftover is named there.
      return false;
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  /** An O_TMPFILE in this directory, or null where the filesystem has none. */
  private createUnnamedFile(): number | null {
    try {
      return nativeAddon().createUnnamedFileIn(this.fd);
    } catch (error) {
      if (NO_UNNAMED_FILES.has((error as NodeJS.ErrnoException).code ?? '')) return null;
      throw new UnsafeOutputError(`cannot write in ${escapeUntrustedText(this.shown)}: ${systemErrorText(error)}`, 'choose a writable directory');
    }
  }

  private replaceThroughUnnamedFile(fd: number, name: string, content: FileContent): void {
    try {
      writeAll(fd, content);
      fsyncSync(fd);
      this.linkUnnamedFile(fd, name);
    } catch (error) {
      throw new OutputWriteError(`cannot write ${this.pathOf(name)}`, error, writeFailureFix(error));
    } finally {
      // Unlinked, the unnamed file goes with its last fd.
      closeQuietly(fd);
    }
  }

  /** Names the unnamed file `name`: directly when the name is free, else under a temporary name renamed over it. */
  private linkUnnamedFile(fd: number, name: string): void {
    const addon = nativeAddon();
    try {
      addon.linkUnnamedFileAt(fd, this.fd, name);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const temporary = temporaryName(name);
    addon.linkUnnamedFileAt(fd, this.fd, temporary);
    try {
      addon.renameAt(this.fd, temporary, name);
    } catch (error) {
      this.removeFile(temporary, fd);
      throw error;
    }
  }

  private replaceThroughNamedTemporary(name: string, content: FileContent): void {
    const temporary = temporaryName(name);
    let fd: number;
    try {
      fd = nativeAddon().createFileAt(this.fd, temporary);
    } catch (error) {
      throw new UnsafeOutputError(`cannot write in ${escapeUntrustedText(this.shown)}: ${systemErrorText(error)}`, 'choose a writable directory');
    }
    try {
      writeAll(fd, content);
      fsyncSync(fd);
      nativeAddon().renameAt(this.fd, temporary, name);
    } catch (error) {
      this.removeFile(temporary, fd);
      throw new OutputWriteError(`cannot write ${this.pathOf(name)}`, error, writeFailureFix(error));
    } finally {
      closeQuietly(fd);
    }
  }

  /** Temporary files of `name` that a killed netscope left (only with named temporaries, or killed between link and rename). */
  private removeStaleTemporaries(name: string): void {
    const addon = nativeAddon();
    const euid = process.geteuid?.();
    try {
      for (const entry of addon.listDirectory(this.fd)) {
        if (!isTemporaryNameOf(entry, name)) continue;
        const stale = addon.entryAt(this.fd, entry);
        if (stale?.kind === 'file' && stale.uid === euid) addon.removeFileAt(this.fd, entry);
      }
    } catch {
      // Tidying up after an earlier run: a leftover that cannot be removed does not stop this write.
    }
  }

  private syncDirectory(name: string): void {
    try {
      fsyncSync(this.fd);
    } catch (error) {
      throw new OutputWriteError(`cannot write ${this.pathOf(name)}`, error, writeFailureFix(error));
    }
  }
}

/** The directory and the file name of `target`; a path that names no file is refused. */
export function splitTarget(target: string): { directory: string; name: string } {
  const name = path.basename(target);
  if (target.endsWith('/') || name === '' || name === '.' || name === '..') {
    throw new UnsafeOutputError(`cannot write ${escapeUntrustedText(target)}: it names a directory, not a file`, 'add a file name, e.g. --output ./netscope.json');
  }
  return { directory: path.dirname(target), name };
}

/** Atomically replaces `target` with `content`, mode 0600. Throws UnsafeOutputError or OutputWriteError. */
export function writeFileSafely(target: string, content: FileContent): void {
  const { directory, name } = splitTarget(target);
  const outputDirectory = OutputDirectory.open(directory);
  try {
    outputDirectory.replaceFile(name, content);
  } finally {
    outputDirectory.close();
  }
}
