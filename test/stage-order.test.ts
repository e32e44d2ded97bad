/**
 * The stages run one way: bpf → native → probes → sources (+ enrich) → model → findings →
 * ui / export / recording, with filter shared, wired only in app. Every import in src/ (static,
 * re-exports and dynamic ones) is held against the stages each stage may use, so the layout
 * cannot drift.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { packageRoot } from '../src/probes/package-paths.js';

const sourceRoot = path.join(packageRoot, 'src');

/** The files that may stand loose in src/: the entry point and the shared errors. */
const LOOSE_FILES = new Set(['cli.tsx', 'errors.ts']);

/** Each stage, and the other stages it may import (every stage may import the shared errors). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  model: [],
  filter: ['model'],
  findings: ['model', 'filter'],
  probes: ['model'],
  enrich: ['model', 'probes'],
  sources: ['model', 'probes', 'enrich'],
  output: ['probes', 'enrich'],
  recording: ['model', 'probes', 'enrich', 'output'],
  export: ['model', 'probes', 'enrich', 'output', 'filter', 'findings', 'recording'],
  ui: ['model', 'filter', 'findings', 'output', 'recording'],
  doctor: ['model', 'probes', 'enrich'],
  app: ['model', 'filter', 'findings', 'probes', 'enrich', 'sources', 'output', 'recording', 'export', 'ui', 'doctor'],
};

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** `probes` for src/probes/…, the file name for a file loose in src/. */
function stageOf(file: string): string {
  const [first = '', ...rest] = path.relative(sourceRoot, file).split(path.sep);
  return rest.length === 0 ? path.basename(file) : first;
}

function isLoose(file: string): boolean {
  return path.dirname(file) === sourceRoot;
}

/** `from './x.js'`, `import './x.js'` and `import('./x.js')`: relative ones only, packages are not stages. */
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** The src/ files a file imports. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(RELATIVE_IMPORT)].map(([, name = '']) => {
    const target = path.resolve(path.dirname(file), name).replace(/\.js$/, '');
    return readdirSync(path.dirname(target)).includes(`${path.basename(target)}.tsx`) ? `${target}.tsx` : `${target}.ts`;
  });
}

describe('the stage order of src/', () => {
  const files = sourceFiles(sourceRoot);

  test('only the entry point and the shared errors stand loose in src/', () => {
    const loose = files.filter(isLoose).map((file) => path.basename(file));
    assert.deepEqual(loose.filter((name) => !LOOSE_FILES.has(name)), []);
  });

  test('every folder of src/ is a known stage', () => {
    const stages = new Set(files.filter((file) => !isLoose(file)).map(stageOf));
    assert.deepEqual([...stages].filter((stage) => !(stage in MAY_IMPORT)), []);
  });

  test('every import runs with the stage order', () => {
    const against: string[] = [];
    for (const file of files.filter((candidate) => !isLoose(candidate))) {
      const stage = stageOf(file);
      const allowed = new Set([stage, ...(MAY_IMPORT[stage] ?? [])]);
      for (const target of importsOf(file)) {
        const isSharedErrors = target === path.join(sourceRoot, 'errors.ts');
        if (isSharedErrors) continue;
        const targetStage = isLoose(target) ? `src/${path.basename(target)}` : stageOf(target);
        if (!allowed.has(targetStage)) against.push(`${path.relative(sourceRoot, file)} imports ${path.relative(sourceRoot, target)}`);
      }
    }
    assert.deepEqual(against, []);
  });

  test('the shared errors import no stage', () => {
    assert.deepEqual(importsOf(path.join(sourceRoot, 'errors.ts')), []);
  });
});
