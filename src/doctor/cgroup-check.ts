/**
 * Which cgroup hierarchy the host mounts decides what container attribution can use: the
 * probes record the task's cgroup v2 id, which only means something where v2 is mounted.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupV2Mount, hostPaths, type HostPaths } from '../probes/host-paths.js';
import { info, type Check, type CheckResult } from './check-result.js';

/** `v2` pure unified hierarchy; `hybrid` v1 controllers with v2 beside them; `v1` no v2 at all. */
export type CgroupLayout = 'v2' | 'hybrid' | 'v1';

/** Informational: attribution degrades with the layout, netscope itself does not. */
export function cgroupLayoutResult(layout: CgroupLayout, v2Mount: string): CheckResult {
  switch (layout) {
    case 'v2':
      return info(`pure v2 at ${v2Mount}: containers are attributed by each task's cgroup v2 path`);
    case 'hybrid':
      return info(
        `hybrid, v2 at ${v2Mount}: containers are attributed by their v2 path, or per process by their v1 paths where the runtime left them out of v2`,
      );
    case 'v1':
      return info('v1 only: no v2 hierarchy, so cgroup ids are 0 and no connection is attributed to a container');
  }
}

/** Reads the layout with the same rule the process reader uses (cgroupV2Mount). */
export function detectCgroupLayout(paths: HostPaths = hostPaths()): { layout: CgroupLayout; v2Mount: string } {
  const v2Mount = cgroupV2Mount(paths);
  if (v2Mount === join(paths.sys, 'fs', 'cgroup')) return { layout: 'v2', v2Mount };
  return { layout: existsSync(join(v2Mount, 'cgroup.controllers')) ? 'hybrid' : 'v1', v2Mount };
}

/** The cgroup layout check, on the host's sysfs (under --host-root when netscope runs in a container). */
export function cgroupCheck(paths: HostPaths): Check {
  return {
    name: 'cgroups',
    run: () => {
      const { layout, v2Mount } = detectCgroupLayout(paths);
      return cgroupLayoutResult(layout, v2Mount);
    },
  };
}
