/**
 * Where the container runtimes on this host keep their state. Most hosts use the defaults; a
 * host that moved docker's data-root to a bigger disk, or runs containerd with its own
 * `--state`, says so on the daemon's command line (or in its config file), so the running
 * daemons are asked — by reading their /proc entries, never their APIs.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type HostPaths, listPids } from '../probes/host-paths.js';
import type { RuntimeStateRoots } from './runtime-state.js';
import { readStateJson, readStateText } from './state-file.js';

const DAEMON_CONFIG_MAX_BYTES = 1 << 20;

/** The runtimes' state directories under the host root: what running daemons say, then the defaults. */
export function runtimeStateRoots(paths: HostPaths): RuntimeStateRoots {
  const discovered: RuntimeStateRoots = { docker: [], containerd: [], containersStorage: [] };
  for (const pid of listPids(paths)) {
    const comm = readOrNull(join(paths.proc, String(pid), 'comm'))?.trimEnd();
    if (comm !== 'dockerd' && comm !== 'containerd' && comm !== 'crio') continue;
    // Anyone can name a process dockerd; only root's daemons may point netscope at state.
    if (!ownedByRoot(join(paths.proc, String(pid)))) continue;
    const argv = (readOrNull(join(paths.proc, String(pid), 'cmdline')) ?? '').split('\0');
    if (comm === 'dockerd') discovered.docker.push(dockerDataRoot(argv, paths));
    if (comm === 'containerd') discovered.containerd.push(containerdState(argv, paths));
    if (comm === 'crio') discovered.containersStorage.push(flagValue(argv, '--runroot') ?? '/run/containers/storage', flagValue(argv, '--root') ?? '/var/lib/containers/storage');
  }
  // The trailing '.' drops a trailing slash, so `/var/lib/docker/` is `/var/lib/docker` once.
  const underRoot = (dirs: string[]) => [...new Set(dirs.map((dir) => join(paths.root, dir, '.')))];
  return {
    docker: underRoot([...discovered.docker, '/var/lib/docker']),
    containerd: underRoot([...discovered.containerd, '/run/containerd', '/run/docker/containerd/daemon']),
    containersStorage: underRoot([...discovered.containersStorage, '/run/containers/storage', '/var/lib/containers/storage']),
  };
}

function dockerDataRoot(argv: string[], paths: HostPaths): string {
  const fromFlag = flagValue(argv, '--data-root') ?? flagValue(argv, '-g');
  if (fromFlag !== null) return fromFlag;
  const configFile = flagValue(argv, '--config-file') ?? '/etc/docker/daemon.json';
  const config = readStateJson(join(paths.root, configFile), DAEMON_CONFIG_MAX_BYTES);
  if ('json' in config && typeof config.json === 'object' && config.json !== null) {
    const dataRoot = (config.json as Record<string, unknown>)['data-root'];
    if (typeof dataRoot === 'string' && isAbsoluteWithinRoot(dataRoot)) return dataRoot;
  }
  return '/var/lib/docker';
}

function containerdState(argv: string[], paths: HostPaths): string {
  const fromFlag = flagValue(argv, '--state');
  if (fromFlag !== null) return fromFlag;
  const configFile = flagValue(argv, '--config') ?? flagValue(argv, '-c') ?? '/etc/containerd/config.toml';
  const config = readStateText(join(paths.root, configFile), DAEMON_CONFIG_MAX_BYTES);
  const toml = 'text' in config ? config.text : '';
  // `state` is a top-level key: only the part before the first [table] header counts.
  const topLevel = toml.split(/^\s*\[/m)[0] ?? '';
  // TOML's basic ("…") and literal ('…') strings; a path needs no escapes.
  const state = /^\s*state\s*=\s*(["'])(\/[^"']*)\1/m.exec(topLevel)?.[2];
  return state !== undefined && isAbsoluteWithinRoot(state) ? state : '/run/containerd';
}

/** An absolute path that `..` cannot lead out of the host root. */
function isAbsoluteWithinRoot(path: string): boolean {
  return path.startsWith('/') && !path.split('/').includes('..');
}

function ownedByRoot(processDirectory: string): boolean {
  try {
    return statSync(processDirectory).uid === 0;
  } catch {
    return false;
  }
}

/** The value of `--flag VALUE` or `--flag=VALUE`; null when absent or not an absolute path within the host root. */
function flagValue(argv: string[], flag: string): string | null {
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index] as string;
    const value = argument === flag ? argv[index + 1] : argument.startsWith(`${flag}=`) ? argument.slice(flag.length + 1) : undefined;
    if (value !== undefined) return isAbsoluteWithinRoot(value) ? value : null;
  }
  return null;
}

function readOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
