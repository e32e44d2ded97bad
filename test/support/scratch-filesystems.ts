/**
 * Real filesystems and real users for the tests of the files netscope writes: a tiny tmpfs to
 * fill up, a FUSE mount whose filesystem has no O_TMPFILE, and symlinks another user makes.
 */
import { execFileSync } from 'node:child_process';
import { statfsSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The unprivileged user the tests act as. */
export const NOBODY = 65534;

/** Mounts a tmpfs of `bytes` at `directory` (mode 0755: only root writes there). */
export function mountTmpfs(directory: string, bytes: number): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0755`, 'tmpfs', directory]);
}

/** Mounts `source` again at `mountPoint` through bindfs (FUSE): a filesystem without O_TMPFILE. */
export function mountWithoutUnnamedFiles(source: string, mountPoint: string): void {
  execFileSync('bindfs', [source, mountPoint]);
}

export function unmount(directory: string): void {
  execFileSync('umount', [directory]);
}

/** Fills the filesystem of `directory` with a file `pad` until not one block is left. */
export function fillUp(directory: string): void {
  const { bsize, blocks } = statfsSync(directory);
  try {
    writeFileSync(path.join(directory, 'pad'), Buffer.alloc(bsize * blocks));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  const { bavail } = statfsSync(directory);
  if (bavail !== 0) throw new Error(`${directory} still has ${bavail} blocks free`);
}

/** Makes the symlink `link` → `target` as `uid` (setpriv drops every group and capability). */
export function symlinkAs(uid: number, target: string, link: string): void {
  execFileSync('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', 'ln', '-s', target, link]);
}

/** The memory page size: tmpfs gives a file its space a page at a time. */
export function pageSize(): number {
  return Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim());
}
