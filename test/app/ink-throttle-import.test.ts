import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { throttleModuleBeside } from '../../src/app/ink-throttle-import.js';

const hookModule = new URL('../../src/app/ink-throttle-import.js', import.meta.url).href;
const inkBuild = path.dirname(createRequire(import.meta.url).resolve('ink'));

/** Imports Ink in a fresh Node, with the redirect registered or not, and lists the es-toolkit modules it loaded. */
function esToolkitModulesLoadedByInk(redirected: boolean): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ load(url, context, nextLoad) { loaded.push(url); return nextLoad(url, context); } });
    ${redirected ? `(await import(${JSON.stringify(hookModule)})).resolveInkThrottleToItsModule();` : ''}
    const ink = await import('ink');
    if (typeof ink.render !== 'function') throw new Error('Ink loaded without render');
    process.stdout.write(JSON.stringify(loaded.filter((url) => url.includes('/node_modules/es-toolkit/'))));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '--eval', script], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    env: { ...process.env, NODE_ENV: 'production' },
    encoding: 'utf8',
  });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as string[];
}

test('Ink loads throttle alone, not the 400-odd modules of es-toolkit’s compat entry', () => {
  const whole = esToolkitModulesLoadedByInk(false);
  const redirected = esToolkitModulesLoadedByInk(true);
  assert.ok(whole.some((url) => url.endsWith('/dist/compat/index.mjs')), 'without the redirect Ink loads the compat entry');
  assert.ok(whole.length > 100, `the compat entry loads ${whole.length} modules`);
  assert.ok(!redirected.some((url) => url.endsWith('/dist/compat/index.mjs')), redirected.join('\n'));
  assert.ok(redirected.some((url) => url.endsWith('/dist/compat/function/throttle.mjs')), redirected.join('\n'));
  assert.ok(redirected.length <= 10, `${redirected.length} es-toolkit modules:\n${redirected.join('\n')}`);
});

test('what Ink imports from es-toolkit’s compat entry, throttle’s own module provides', async () => {
  const files = readdirSync(inkBuild, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.js'));
  const imported = new Set<string>();
  for (const file of files) {
    const source = readFileSync(path.join(inkBuild, file), 'utf8');
    for (const match of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"]es-toolkit\/compat['"]/g)) {
      for (const name of match[1]!.split(',')) if (name.trim() !== '') imported.add(name.trim());
    }
    assert.doesNotMatch(source, /import\s+(\*|\w+)[^;]*from\s*['"]es-toolkit\/compat['"]/, `${file} imports the whole entry`);
  }
  assert.deepEqual([...imported], ['throttle']);
  const entry = pathToFileURL(createRequire(path.join(inkBuild, 'ink.js')).resolve('es-toolkit/compat').replace(/\.js$/, '.mjs')).href;
  const own = throttleModuleBeside(entry);
  assert.notEqual(own, null, `no throttle module beside ${entry}`);
  const module = (await import(own!)) as { throttle?: unknown };
  assert.equal(typeof module.throttle, 'function');
});

test('an entry with no throttle module beside it is left as it is', () => {
  assert.equal(throttleModuleBeside(pathToFileURL('/nonexistent/dist/compat/index.mjs').href), null);
  assert.equal(throttleModuleBeside('node:fs'), null);
});
