import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { ContainerStateProblem } from '../model/records.js';

/** A container runtime's state file, parsed; or why it could not be. */
export type StateFileRead = { json: unknown } | { problem: ContainerStateProblem };
/** A runtime's file as text; or why it could not be read. */
export type StateTextRead = { text: string } | { problem: ContainerStateProblem };

/**
 * Reads and parses one JSON state file that a container runtime wrote, as readStateText reads
 * it; 'malformed' when it is no JSON. Never throws.
 */
export function readStateJson(path: string, maxBytes: number): StateFileRead {
  const read = readStateText(path, maxBytes);
  if ('problem' in read) return read;
  try {
    return { json: JSON.parse(read.text) };
  } catch {
    return { problem: 'malformed' };
  }
}

/**
 * Reads one file that a container runtime wrote. netscope runs as root and the file may be
 * under someone else's control, so the file itself is never followed through a symlink, a FIFO
 * or device planted in its place cannot stall or feed netscope, and nothing larger than
 * `maxBytes` is read. Never throws. Synchronous: it runs once per new cgroup, off the per-event
 * path.
 * @param maxBytes the largest file accepted; larger ones are 'tooLarge'.
 */
export function readStateText(path: string, maxBytes: number): StateTextRead {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return { problem: openProblem(error) };
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return { problem: 'notAFile' };
    if (stats.size > maxBytes) return { problem: 'tooLarge' };
    return { text: readUpTo(fd, stats.size) };
  } catch {
    return { problem: 'unreadable' };
  } finally {
    closeSync(fd);
  }
}

function openProblem(error: unknown): ContainerStateProblem {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'notFound';
    // What O_NOFOLLOW answers when the last component is a symlink.
    case 'ELOOP':
      return 'symlink';
    // What open answers for a Unix socket (and a device without a driver) in the file's place.
    case 'ENXIO':
      return 'notAFile';
    default:
      return 'unreadable';
  }
}

/**
 * The file's text, at most `size` bytes (the size fstat saw): a file that grows while it is read
 * is cut there, and then fails to parse, rather than growing netscope's memory. Runtimes replace
 * their state files by rename, so the open descriptor keeps a whole, unchanging file.
 */
function readUpTo(fd: number, size: number): string {
  const buffer = Buffer.alloc(size);
  let filled = 0;
  while (filled < size) {
    const bytesRead = readSync(fd, buffer, filled, size - filled, null);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.toString('utf8', 0, filled);
}
