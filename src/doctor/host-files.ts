/** Reading the kernel's files for the checks, where "not there" is an answer, not an error. */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';

/** The file's text, or null when it does not exist (an LSM or sysctl the kernel lacks). Other errors throw. */
export function readTextIfPresent(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Whether a file exists, and whether this process may read it. */
export interface FileAccess {
  present: boolean;
  readable: boolean;
}

/** Whether `path` exists and this process may read it (root bypasses modes; other users may not). */
export function fileAccess(path: string): FileAccess {
  if (!existsSync(path)) return { present: false, readable: false };
  try {
    accessSync(path, constants.R_OK);
    return { present: true, readable: true };
  } catch {
    return { present: true, readable: false };
  }
}
