/** netscope's own version, from package.json: `--version` prints it and every recording carries it. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from './package-paths.js';

let cached: string | null = null;

export function netscopeVersion(): string {
  cached ??= (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
