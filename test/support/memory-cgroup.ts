/**
 * A memory cap for one child process, the kernel's own: a cgroup v1 memory controller child
 * of this process's cgroup, with memory.limit_in_bytes set. A process past it is reclaimed and
 * then OOM-killed (exit 137), as on a host that has no more to give.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cgroupMounts } from './cgroup-mounts.js';

export interface MemoryCgroup {
  path: string;
  /** Runs `command ARGS…` inside the cgroup from its first instruction; resolves when it exits. */
  run(command: string, args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** The most memory the cgroup's processes used at once (memory.max_usage_in_bytes), bytes. */
  peakBytes(): number;
  /** Removes the cgroup (its processes must have exited). */
  remove(): void;
}

/** This host's cgroup v1 memory hierarchy, or null when it has none (cgroup v2 only). */
function memoryHierarchy(): string | null {
  return cgroupMounts().find((mount) => existsSync(path.join(mount, 'memory.limit_in_bytes'))) ?? null;
}

/** A new memory cgroup limited to `limitBytes` under this process's own; null without a v1 memory controller. */
export function createMemoryCgroup(name: string, limitBytes: number): MemoryCgroup | null {
  const hierarchy = memoryHierarchy();
  if (hierarchy === null) return null;
  const own = /^\d+:memory:(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1] ?? '/';
  const directory = path.join(hierarchy, own, `${name}-${process.pid}`);
  mkdirSync(directory);
  writeFileSync(path.join(directory, 'memory.limit_in_bytes'), String(limitBytes));
  return {
    path: directory,
    run(command, args) {
      // The shell enters the cgroup, then becomes the command: nothing runs outside it.
      const child = spawn('sh', ['-c', 'echo $$ > "$0" && exec "$@"', path.join(directory, 'cgroup.procs'), command, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
    },
    peakBytes: () => Number(readFileSync(path.join(directory, 'memory.max_usage_in_bytes'), 'utf8')),
    remove: () => rmdirSync(directory),
  };
}
