/**
 * Ink imports a single function, `throttle`, from es-toolkit's `compat` entry, and that entry
 * re-exports every one of es-toolkit's lodash-compatible functions: 415 modules, each read,
 * compiled and kept for as long as netscope runs. Resolved to the one module that defines
 * `throttle`, an idle live view holds 117–119 MiB instead of 123 (tmux 160×45 at 9 s, three
 * interleaved runs each), and its old generation 14.4 MiB instead of 18.9.
 *
 * Only Ink's import of the entry is resolved elsewhere, and only while es-toolkit keeps that
 * module where this expects it; otherwise the entry loads as before. A test checks that Ink
 * imports nothing else from it.
 */
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

const COMPAT_ENTRY = 'es-toolkit/compat';
const INK_PACKAGE = '/node_modules/ink/';

let registered = false;

/** From now on, Ink's `import { throttle } from 'es-toolkit/compat'` loads throttle's own module. */
export function resolveInkThrottleToItsModule(): void {
  if (registered) return;
  registered = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      if (specifier !== COMPAT_ENTRY || !context.parentURL?.includes(INK_PACKAGE)) return resolved;
      const own = throttleModuleBeside(resolved.url);
      return own === null ? resolved : { ...resolved, url: own };
    },
  });
}

/** The module that defines `throttle`, beside the compat entry (`dist/compat/index.mjs`), or null where es-toolkit keeps it elsewhere. */
export function throttleModuleBeside(compatEntryUrl: string): string | null {
  if (!compatEntryUrl.startsWith('file:')) return null;
  const url = new URL('function/throttle.mjs', compatEntryUrl);
  return existsSync(fileURLToPath(url)) ? url.href : null;
}
