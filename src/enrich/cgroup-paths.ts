/**
 * From a cgroup id (what the probes record: the cgroup v2 directory's inode) to the cgroup's
 * path. A task of the cgroup is usually at hand, and its /proc/PID/cgroup names the path in
 * one read; the id only proves the task has not moved since. When the task is gone, a walk of
 * the v2 hierarchy finds the directory by its inode.
 */
import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { cgroupV2Mount, type HostPaths } from '../probes/host-paths.js';

export interface CgroupLocation {
  /** Path in the v2 hierarchy, from its root (`/docker/<id>`). */
  v2Path: string;
  /**
   * The task's paths in the v1 hierarchies, named ones (`name=systemd`) first: on a hybrid host
   * a runtime may have placed the task in v1 cgroups only, leaving its v2 cgroup the parent's.
   */
  v1Paths: string[];
}

/** Deep enough for any runtime's nesting; bounds a walk of a hostile or looping tree. */
const MAX_WALK_DEPTH = 16;
const MAX_WALK_DIRECTORIES = 200_000;

export class CgroupPaths {
  private readonly mount: string;
  /** v1 hierarchies beside v2: a task's v1 paths may name a container its v2 path does not. */
  readonly hybrid: boolean;
  /** Inode → path from the last walk of the v2 hierarchy; null until a walk was needed. */
  private walked: Map<number, string> | null = null;

  constructor(private readonly paths: HostPaths) {
    this.mount = cgroupV2Mount(paths);
    this.hybrid = this.mount !== join(paths.sys, 'fs', 'cgroup');
  }

  /** Forgets the last walk, so the next miss walks again (call once a tick). */
  startPass(): void {
    this.walked = null;
  }

  /** The cgroup's location; null when neither the task nor the hierarchy has it any more. */
  locate(cgroupId: number, pid: number | null): CgroupLocation | null {
    if (pid !== null) {
      const fromTask = this.fromTask(cgroupId, pid);
      if (fromTask !== null) return fromTask;
    }
    this.walked ??= this.walk();
    const v2Path = this.walked.get(cgroupId);
    return v2Path === undefined ? null : { v2Path, v1Paths: [] };
  }

  /** The task's v1 paths alone (empty when it is gone). */
  v1PathsOf(pid: number): string[] {
    return this.readTask(pid)?.v1Paths ?? [];
  }

  private fromTask(cgroupId: number, pid: number): CgroupLocation | null {
    const task = this.readTask(pid);
    if (task === null || task.v2Path === null || this.inodeOf(task.v2Path) !== cgroupId) return null;
    return { v2Path: task.v2Path, v1Paths: task.v1Paths };
  }

  private readTask(pid: number): { v2Path: string | null; v1Paths: string[] } | null {
    let lines: string[];
    try {
      lines = readFileSync(join(this.paths.proc, String(pid), 'cgroup'), 'utf8').split('\n');
    } catch {
      return null;
    }
    let v2Path: string | null = null;
    const named: string[] = [];
    const controllers: string[] = [];
    for (const line of lines) {
      const match = /^(\d+):([^:]*):(.*)$/.exec(line);
      if (match === null) continue;
      const [, hierarchy, names, path] = match as unknown as [string, string, string, string];
      if (hierarchy === '0' && names === '') v2Path = path;
      else if (names.startsWith('name=')) named.push(path);
      else controllers.push(path);
    }
    return { v2Path, v1Paths: [...new Set([...named, ...controllers])] };
  }

  private inodeOf(v2Path: string): number | null {
    try {
      return statSync(join(this.mount, v2Path)).ino;
    } catch {
      return null;
    }
  }

  private walk(): Map<number, string> {
    const byInode = new Map<number, string>();
    const rootInode = this.inodeOf('/');
    if (rootInode === null) return byInode;
    byInode.set(rootInode, '/');
    const queue: { path: string; depth: number }[] = [{ path: '/', depth: 0 }];
    for (let next = 0; next < queue.length && byInode.size < MAX_WALK_DIRECTORIES; next++) {
      const { path, depth } = queue[next] as { path: string; depth: number };
      let entries: Dirent[];
      try {
        entries = readdirSync(join(this.mount, path), { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        if (!entry.isDirectory()) continue;
        const child = path === '/' ? `/${entry.name}` : `${path}/${entry.name}`;
        const inode = this.inodeOf(child);
        if (inode === null) continue;
        byInode.set(inode, child);
        if (depth + 1 < MAX_WALK_DEPTH) queue.push({ path: child, depth: depth + 1 });
      }
    }
    return byInode;
  }
}
