/**
 * Writes a file the way a root tool must: a private temp file created exclusively beside the
 * target (never following a symlink), fsync'd, then renamed over the target — so a reader sees
 * the old file or the whole new one, and nobody can point the write somewhere else. Files that
 * grow while netscope runs (recordings) are created exclusively under their own name instead:
 * never over an existing file, never through a symlink.
 */
import { constants, closeSync, fsyncSync, lstatSync, openSync, renameSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export class UnsafeOutputError extends Error {
  constructor(
    message: string,
    /** What to do about it. */
    readonly fix: string,
  ) {
    super(message);
    this.name = 'UnsafeOutputError';
  }
}

const STICKY = 0o1000;
const GROUP_WRITE = 0o020;
const OTHER_WRITE = 0o002;

/** Why `directory` is not a safe place for root to write, or null when it is. */
function unsafeDirectoryReason(directory: string): string | null {
  let stats;
  try {
    stats = statSync(directory);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `directory ${directory} does not exist` : `cannot use directory ${directory} (${code})`;
  }
  if (!stats.isDirectory()) return `${directory} is not a directory`;
  const writableByOthers = (stats.mode & OTHER_WRITE) !== 0 || ((stats.mode & GROUP_WRITE) !== 0 && stats.gid !== 0);
  if (writableByOthers && (stats.mode & STICKY) === 0) {
    return `directory ${directory} is writable by other users without the sticky bit`;
  }
  return null;
}

/** What is at `target` now (lstat: a symlink is reported as one), or null when nothing is. */
function existingEntry(target: string): Stats | null {
  try {
    return lstatSync(target);
  } catch {
    return null;
  }
}

/** Refuses a directory others may write into (they could swap the file), and a symlink at the target. */
function checkTarget(target: string, absolute: string): void {
  const directoryProblem = unsafeDirectoryReason(path.dirname(absolute));
  if (directoryProblem) {
    throw new UnsafeOutputError(`cannot write ${target}: ${directoryProblem}`, 'choose another path, e.g. --output ./netscope.json');
  }
  if (existingEntry(absolute)?.isSymbolicLink()) {
    throw new UnsafeOutputError(`refusing to write ${target}: it is a symbolic link`, 'remove the link or choose another path');
  }
}

function fsyncDirectory(directory: string): void {
  const directoryFd = openSync(directory, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(directoryFd);
  } finally {
    closeSync(directoryFd);
  }
}

/** Atomically replaces `target` with `content`, mode 0600. Throws UnsafeOutputError with a fix. */
export function writeFileSafely(target: string, content: string | Uint8Array): void {
  const absolute = path.resolve(target);
  const directory = path.dirname(absolute);
  checkTarget(target, absolute);
  const existing = existingEntry(absolute);
  if (existing && !existing.isFile()) {
    throw new UnsafeOutputError(`cannot write ${target}: it exists and is not a regular file`, 'choose another path');
  }
  const temporary = path.join(directory, `.${path.basename(absolute)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UnsafeOutputError(`cannot write in ${directory} (${code})`, 'choose a writable directory');
  }
  try {
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, absolute);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    unlinkSync(temporary);
    const code = (error as NodeJS.ErrnoException).code;
    throw new UnsafeOutputError(`cannot write ${target} (${code})`, 'check free space and permissions');
  }
  fsyncDirectory(directory);
}

/**
 * Creates `target` for writing, mode 0600, and returns its fd. An existing file is refused, not
 * truncated (a recording may be the evidence of an earlier incident), and so is a symlink: the
 * file is created with O_EXCL|O_NOFOLLOW, so nothing can be swapped in between the check and the
 * open. Throws UnsafeOutputError with a fix.
 */
export function openNewFileSafely(target: string): number {
  const absolute = path.resolve(target);
  checkTarget(target, absolute);
  let fd: number;
  try {
    fd = openSync(absolute, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UnsafeOutputError(`refusing to overwrite ${target}: it already exists`, 'choose a new file name, or move the old file away');
    throw new UnsafeOutputError(`cannot create ${target} (${code})`, 'choose a writable directory');
  }
  // The name itself must survive a crash: an interrupted recording is still worth replaying.
  fsyncDirectory(path.dirname(absolute));
  return fd;
}

/** Writes `content` to `target`, which must not exist yet (see openNewFileSafely), fsync'd. */
export function writeNewFileSafely(target: string, content: string | Uint8Array): void {
  const fd = openNewFileSafely(target);
  try {
    const bytes = typeof content === 'string' ? Buffer.from(content) : content;
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
    fsyncSync(fd);
  } catch (error) {
    unlinkSync(target);
    const code = (error as NodeJS.ErrnoException).code;
    throw new UnsafeOutputError(`cannot write ${target} (${code})`, 'check free space and permissions');
  } finally {
    closeSync(fd);
  }
}
