/**
 * Output that failed while it was being written — a full disk, an I/O error, a closed stdout —
 * as one line naming the cause and the fix, exit 74 (EX_IOERR). A path that is refused, or a
 * file that cannot be created at all, is an UnsafeOutputError instead (exit 73).
 */
import { getSystemErrorMessage } from 'node:util';
import { ExitCode, NetscopeError } from '../errors.js';

export class OutputWriteError extends NetscopeError {
  constructor(
    /** What could not be written, e.g. `cannot write events to stdout`. */
    what: string,
    failure: unknown,
    fix: string,
  ) {
    super(`${what}: ${systemErrorText(failure)}`, fix, ExitCode.ioError, { cause: failure });
  }
}

/** A system error in words with its code, e.g. `no space left on device (ENOSPC)`; the message for anything else. */
export function systemErrorText(error: unknown): string {
  const { errno, code } = (error ?? {}) as Partial<NodeJS.ErrnoException>;
  if (typeof errno === 'number' && errno !== 0 && typeof code === 'string') {
    // Node's errors carry a negative errno, the addon's the kernel's positive one.
    return `${getSystemErrorMessage(-Math.abs(errno))} (${code})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** What to do when writing a file failed with this error. */
export function writeFailureFix(error: unknown): string {
  switch ((error as Partial<NodeJS.ErrnoException> | undefined)?.code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return 'free some space, or write elsewhere';
    case 'EROFS':
      return 'write elsewhere: that filesystem is read-only';
    default:
      return 'check that disk, or write elsewhere';
  }
}
