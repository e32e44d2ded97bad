/**
 * Where netscope's time and memory go, from the files V8 writes: a CPU profile (`--cpu-prof`)
 * summed by self time per function and per source file, and a heap snapshot
 * (`--heapsnapshot-signal`) summed by self size per constructor (or type, for strings, arrays,
 * code and the rest). Used by bench/PROFILE.md's commands:
 *
 *   bin/node-runtime dist/bench/profile-summary.js FILE.cpuprofile [--top 25]
 *   bin/node-runtime dist/bench/profile-summary.js FILE.heapsnapshot [--top 25]
 *
 * Self size, not retained size: what each kind of object itself takes, so the rows add up to
 * the heap (retained sizes overlap and need the dominator tree).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  /** µs between a sample and the one before it. */
  timeDeltas: number[];
}

interface Tally {
  key: string;
  amount: number;
  count: number;
}

function topOf(tallies: Map<string, Tally>, top: number): Tally[] {
  return [...tallies.values()].sort((a, b) => b.amount - a.amount).slice(0, top);
}

function add(tallies: Map<string, Tally>, key: string, amount: number): void {
  const tally = tallies.get(key) ?? { key, amount: 0, count: 0 };
  tally.amount += amount;
  tally.count++;
  tallies.set(key, tally);
}

/** The file a frame runs in, relative to the package (dist/src/… → src/…), or its kind. */
function fileOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native / builtin)';
  const local = url.replace(/^file:\/\//, '');
  const inPackage = /\/dist\/(src|bench|test)\/(.*)$/.exec(local);
  if (inPackage) return `${inPackage[1]}/${inPackage[2]}`;
  const inModules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(local);
  if (inModules) return `node_modules/${inModules[1]}`;
  if (local.startsWith('node:')) return local;
  return path.basename(local);
}

function summarizeCpuProfile(file: string, top: number): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const keyOf = (node: CpuProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    return `${functionName || '(anonymous)'}  ${fileOf(url, functionName)}${url ? `:${lineNumber + 1}` : ''}`;
  };
  const byFunction = new Map<string, Tally>();
  const inclusive = new Map<string, Tally>();
  const byFile = new Map<string, Tally>();
  let totalUs = 0;
  for (let index = 0; index < profile.samples.length; index++) {
    const node = byId.get(profile.samples[index]!)!;
    // A sample's time is the gap to the next one (the last sample's to the profile's end).
    const us = index + 1 < profile.timeDeltas.length ? profile.timeDeltas[index + 1]! : profile.endTime - profile.startTime - totalUs;
    if (!(us > 0)) continue;
    totalUs += us;
    add(byFunction, keyOf(node), us);
    add(byFile, fileOf(node.callFrame.url, node.callFrame.functionName), us);
    // Inclusive: once for every function on the sample's stack (recursion counted once).
    const onStack = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parentOf.get(id)) onStack.add(keyOf(byId.get(id)!));
    for (const key of onStack) add(inclusive, key, us);
  }
  const idleUs = byFile.get('(idle)')?.amount ?? 0;
  const busyUs = totalUs - idleUs;
  const line = (tally: Tally) =>
    `${(tally.amount / 1000).toFixed(0).padStart(8)} ms  ${((tally.amount / busyUs) * 100).toFixed(1).padStart(5)}%  ${tally.key}`;
  return [
    `${path.basename(file)}: ${(totalUs / 1e6).toFixed(1)} s profiled, ${(busyUs / 1e6).toFixed(1)} s on the main thread (not idle); % of that busy time, by self time`,
    '',
    'by source file',
    ...topOf(byFile, top).filter((tally) => tally.key !== '(idle)').map(line),
    '',
    'by function',
    ...topOf(byFunction, top).filter((tally) => !tally.key.startsWith('(idle)')).map(line),
    '',
    'by function, inclusive (itself and what it calls)',
    ...topOf(inclusive, top)
      .filter((tally) => !/^\((idle|root|program)\)/.test(tally.key))
      .map(line),
  ].join('\n');
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

function summarizeHeapSnapshot(file: string, top: number): string {
  const heap = JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const edgeCountAt = fields.indexOf('edge_count');
  const edgeFields = heap.snapshot.meta.edge_fields;
  const edgeTypes = heap.snapshot.meta.edge_types[0];
  const edgeWidth = edgeFields.length;
  const edgeTypeAt = edgeFields.indexOf('type');
  const edgeNameAt = edgeFields.indexOf('name_or_index');
  const byKind = new Map<string, Tally>();
  let total = 0;
  let edgeOffset = 0;
  for (let offset = 0; offset < heap.nodes.length; offset += width) {
    const type = types[heap.nodes[offset + typeAt]!]!;
    const size = heap.nodes[offset + sizeAt]!;
    const edgeCount = heap.nodes[offset + edgeCountAt]!;
    total += size;
    // Objects by constructor, plain objects by their property names (a record's kind shows in
    // them); strings, arrays, code and the rest by type.
    const name = heap.strings[heap.nodes[offset + nameAt]!]!;
    let key = type === 'object' || type === 'closure' ? `${type} ${name.slice(0, 60)}` : type === 'native' ? `native ${name.slice(0, 40)}` : type;
    if (type === 'object' && name === 'Object') {
      const properties: string[] = [];
      for (let edge = edgeOffset; edge < edgeOffset + edgeCount * edgeWidth; edge += edgeWidth) {
        if (edgeTypes[heap.edges[edge + edgeTypeAt]!] === 'property') properties.push(heap.strings[heap.edges[edge + edgeNameAt]!]!);
      }
      key = `{${properties.filter((property) => property !== '__proto__').slice(0, 8).join(',')}}`;
    }
    edgeOffset += edgeCount * edgeWidth;
    add(byKind, key, size);
  }
  const line = (tally: Tally) =>
    `${(tally.amount / 1024 ** 2).toFixed(1).padStart(8)} MiB  ${((tally.amount / total) * 100).toFixed(1).padStart(5)}%  ${tally.count.toLocaleString('en-US').padStart(10)}  ${tally.key}`;
  return [
    `${path.basename(file)}: ${(total / 1024 ** 2).toFixed(1)} MiB of heap objects (self sizes), by constructor or type`,
    `${'size'.padStart(12)}  ${'share'.padStart(6)}  ${'objects'.padStart(10)}  kind`,
    ...topOf(byKind, top).map(line),
  ].join('\n');
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
const top = Number(values.top);
if (positionals.length === 0 || !(top > 0)) {
  process.stderr.write('profile-summary: give FILE.cpuprofile or FILE.heapsnapshot (and --top N)\n');
  process.exit(2);
}
for (const file of positionals) {
  if (file.endsWith('.cpuprofile')) process.stdout.write(`${summarizeCpuProfile(file, top)}\n\n`);
  else if (file.endsWith('.heapsnapshot')) process.stdout.write(`${summarizeHeapSnapshot(file, top)}\n\n`);
  else {
    process.stderr.write(`profile-summary: ${file} is neither a .cpuprofile nor a .heapsnapshot\n`);
    process.exit(2);
  }
}
