/**
 * A child process of the engine benchmark (bench/engine.ts), so every size starts from a fresh
 * heap. Prints one JSON line.
 *
 *   engine-model.js --mode tick --connections N --rounds K
 *       builds the synthetic model (bench/synthetic-traffic.ts), then K times: one tick (ms) and
 *       one snapshot — toSnapshotDocument + its JSON text in pieces, as `netscope --json` writes it (ms)
 *   engine-model.js --mode rss --connections N --ticks K
 *       builds the model, ticks K times a second apart with netscope's heap keeper, reports
 *       VmRSS / VmHWM (then, with --expose-gc, VmRSS and the heap in use after a full collection)
 */
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { HeapKeeper } from '../src/app/heap-keeper.js';
import { toSnapshotDocument } from '../src/model/snapshot-document.js';
import { snapshotDocumentJson } from '../src/model/snapshot-document-json.js';
import { readProcessMemory } from '../test/support/churn.js';
import { SYNTHETIC_START_MS, syntheticModel } from './synthetic-traffic.js';

export interface TickFigures {
  connections: number;
  buildMs: number;
  tickMs: number[];
  snapshotMs: number[];
  snapshotBytes: number;
}

export interface RssFigures {
  connections: number;
  rssBytes: number;
  peakRssBytes: number;
  /** VmRSS after a full GC (null without --expose-gc). */
  rssAfterGcBytes: number | null;
  heapUsedAfterGcBytes: number | null;
}

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    connections: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    ticks: { type: 'string', default: '3' },
  },
});
const connections = Number(values.connections);
if (!(connections > 0)) throw new Error('engine-model: --connections N');

/** netscope's tick (--interval's default). */
const TICK_INTERVAL_MS = 1000;

const meta = { host: { hostname: 'bench', kernel: 'bench' }, source: { kind: 'ebpf' as const, probes: [] } };

if (values.mode === 'tick') {
  const rounds = Number(values.rounds);
  const built = performance.now();
  const model = syntheticModel(connections);
  const buildMs = performance.now() - built;
  const tickMs: number[] = [];
  const snapshotMs: number[] = [];
  let snapshotBytes = 0;
  // One warm-up round (JIT), unmeasured.
  for (let round = -1; round < rounds; round++) {
    const atMs = SYNTHETIC_START_MS + 1000 * (round + 2);
    const tickStarted = performance.now();
    const snapshot = model.tick(atMs);
    const tickEnded = performance.now();
    let textLength = 0;
    for (const piece of snapshotDocumentJson(toSnapshotDocument(snapshot, { ...meta, generatedAtMs: atMs }))) textLength += piece.length;
    if (round < 0) continue;
    tickMs.push(tickEnded - tickStarted);
    snapshotMs.push(performance.now() - tickEnded);
    snapshotBytes = textLength;
  }
  const figures: TickFigures = { connections, buildMs, tickMs, snapshotMs, snapshotBytes };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} else if (values.mode === 'rss') {
  // Built as netscope's first pass over a busy host fills its table: under the heap keeper.
  const heap = new HeapKeeper();
  const model = heap.runPass(() => syntheticModel(connections));
  // Ticks a second apart, each followed by the heap keeper, as netscope ticks: read right after
  // back-to-back ticks, the figure was whatever garbage V8 had not yet collected (a change that
  // moved its collections by a tick moved the figure by 30 MiB).
  for (let tick = 0; tick < Number(values.ticks); tick++) {
    model.tick(SYNTHETIC_START_MS + 1000 * (tick + 2));
    heap.afterTick();
    await delay(TICK_INTERVAL_MS);
  }
  const memory = readProcessMemory(process.pid);
  if (memory === null) throw new Error('engine-model: cannot read /proc/self/status');
  // Then, for the diagnosis only: after a full collection (run with --expose-gc), what is live.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const collected = readProcessMemory(process.pid);
  const figures: RssFigures = {
    connections,
    rssBytes: memory.rssBytes,
    peakRssBytes: memory.peakRssBytes,
    rssAfterGcBytes: gc && collected ? collected.rssBytes : null,
    heapUsedAfterGcBytes: gc ? process.memoryUsage().heapUsed : null,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  // Keep the model reachable until the reading is taken.
  if (model.snapshot.connections.length < 0) process.exitCode = 1;
} else {
  throw new Error('engine-model: --mode tick|rss');
}
