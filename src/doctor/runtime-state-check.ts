/**
 * Where netscope will look up container names: the runtimes' state directories it found (from
 * the running daemons' command lines, then the defaults). None found is not a failure — a host
 * without containers — but on a container host it explains why containers show by short id.
 */
import { existsSync } from 'node:fs';
import type { HostPaths } from '../probes/host-paths.js';
import type { RuntimeStateRoots } from '../enrich/runtime-state.js';
import { runtimeStateRoots } from '../enrich/runtime-state-roots.js';
import { info, type Check, type CheckResult } from './check-result.js';

const RUNTIME_NAMES: Record<keyof RuntimeStateRoots, string> = {
  docker: 'docker',
  containerd: 'containerd',
  containersStorage: 'CRI-O/podman',
};

/** Informational: which runtime state directories exist. */
export function runtimeStateResult(roots: RuntimeStateRoots, exists: (path: string) => boolean): CheckResult {
  const found = (Object.keys(RUNTIME_NAMES) as (keyof RuntimeStateRoots)[]).flatMap((runtime) =>
    roots[runtime].filter(exists).map((root) => `${RUNTIME_NAMES[runtime]} ${root}`),
  );
  if (found.length === 0) {
    return info('no container runtime state found: containers, if any, show by short id (running in a container? pass --host-root)');
  }
  return info(`container names from ${found.join(', ')}`);
}

export function runtimeStateCheck(paths: HostPaths): Check {
  return { name: 'container runtimes', run: () => runtimeStateResult(runtimeStateRoots(paths), existsSync) };
}
