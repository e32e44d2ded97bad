/** The two build products netscope cannot run without: the native addon and the BPF object. */
import { existsSync } from 'node:fs';
import { ExitCode } from '../errors.js';
import { nativeAddonLoadError } from '../probes/ebpf-probes.js';
import { bpfObjectPath, nativeAddonPath, packageRoot } from '../probes/package-paths.js';
import { fail, pass, type Check, type CheckResult } from './check-result.js';

/** `npm start` runs scripts/setup, which builds both; from the checkout itself. */
export const buildFix = `build it: cd ${packageRoot} && scripts/setup (npm start does the same)`;

/** The addon must exist and load (a stale build for another Node ABI exists but does not load). */
export function nativeAddonResult(present: boolean, loadError: string | null, path = nativeAddonPath): CheckResult {
  if (!present) return fail(`${path} is missing`, buildFix, ExitCode.unavailable);
  if (loadError !== null) return fail(`${path} does not load: ${loadError}`, buildFix, ExitCode.unavailable);
  return pass(`${path} loads`);
}

/** The CO-RE object the addon loads; scripts/setup builds it with clang. */
export function bpfObjectResult(present: boolean, path = bpfObjectPath): CheckResult {
  return present ? pass(`${path} is present`) : fail(`${path} is missing`, buildFix, ExitCode.unavailable);
}

/** The install checks, in the order the doctor shows them. */
export function installChecks(): Check[] {
  return [
    { name: 'native addon', run: () => nativeAddonResult(existsSync(nativeAddonPath), nativeAddonLoadError()) },
    { name: 'BPF object', run: () => bpfObjectResult(existsSync(bpfObjectPath)) },
  ];
}
