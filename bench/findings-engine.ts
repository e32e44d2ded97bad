/**
 * The findings engine's cost per tick at 10k and 100k connections, against a tenth of the
 * default 1 s tick. The table is the synthetic model (bench/synthetic-traffic.ts); between
 * ticks a share of its connections move (new counters in a sample, some retransmitting, a few
 * reset), and a burst of refused connects arrives, so every detector has work — and, the worst
 * case, every connection moves every tick (no snapshot object is shared with the tick before).
 * Each size in a fresh model; sizes and cases interleaved over the rounds. The engine's `update`
 * is timed, and beside it the model's tick on the same traffic: their ratio holds on a loaded
 * machine, where absolute times do not.
 *
 *   bin/node-runtime dist/bench/findings-engine.js [--rounds 7]
 */
import { parseArgs } from 'node:util';
import { FindingsEngine } from '../src/findings/findings-engine.js';
import type { ConnectionModel } from '../src/model/connection-model.js';
import { TcpState, type Endpoints, type ModelRecord } from '../src/model/records.js';
import { summarize } from './report.js';
import { SYNTHETIC_START_MS, syntheticEndpoints, syntheticModel } from './synthetic-traffic.js';

/** A tenth of the default tick. */
const TARGET_MS = 100;
const SIZES = [10_000, 100_000];

interface Case {
  name: string;
  /** Share of the open connections with new counters each tick. */
  movingShare: number;
}

const CASES: readonly Case[] = [
  { name: '10% of connections move each tick', movingShare: 0.1 },
  { name: 'every connection moves each tick', movingShare: 1 },
];

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } });
const rounds = Number(values.rounds);

/** The records of one tick's traffic: samples for the moving connections, and 20 refused connects. */
function tickRecords(connections: number, tick: number, movingShare: number, atMs: number): ModelRecord[] {
  const records: ModelRecord[] = [];
  const step = Math.max(1, Math.round(1 / movingShare));
  for (let index = tick % step; index < connections; index += step) {
    // Every tenth synthetic connection is closed: it no longer moves.
    if (index % 10 === 0) continue;
    const endpoints = syntheticEndpoints(index);
    const segsOut = 100 + tick * 50 + (index % 97);
    records.push({
      kind: 'sample',
      atMs,
      cookie: index + 1,
      endpoints,
      state: TcpState.ESTABLISHED,
      inode: index + 1,
      uid: 0,
      counters: { bytesAcked: 1000 * tick + index, bytesReceived: 5000 * tick + index, segsOut, segsIn: segsOut, totalRetrans: index % 50 === 1 ? tick * 3 : 0, srttUs: 200 + (index % 5000) },
      receiveQueue: 0,
      sendQueue: 0,
      drops: 0,
    });
    if (index % 997 === 1) records.push({ kind: 'reset', atMs, cookie: index + 1, direction: 'received', endpoints, reason: 'NOT_SPECIFIED', counters: null });
  }
  for (let refused = 0; refused < 20; refused++) {
    const cookie = 10_000_000 + tick * 100 + refused;
    const endpoints: Endpoints = { family: 'ipv4', saddr: '127.0.0.1', sport: 30_000 + refused, daddr: '127.0.0.1', dport: 9, netns: 4026531840 };
    const noCounters = { bytesAcked: 0, bytesReceived: 0, segsOut: 1, segsIn: 0, totalRetrans: 0, srttUs: 0 };
    records.push(
      { kind: 'state', atMs: atMs - 500 + refused, cookie, endpoints, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: { pid: 4242, comm: 'hammer', uid: 0, cgroupId: 0 }, counters: noCounters },
      { kind: 'reset', atMs: atMs - 500 + refused + 0.05, cookie, direction: 'received', endpoints, reason: 'NOT_SPECIFIED', counters: null },
      { kind: 'state', atMs: atMs - 500 + refused + 0.06, cookie, endpoints, oldState: TcpState.SYN_SENT, newState: TcpState.CLOSE, owner: null, counters: noCounters },
    );
  }
  return records;
}

interface Run {
  model: ConnectionModel;
  engine: FindingsEngine;
  connections: number;
  movingShare: number;
  tick: number;
  updateMs: number[];
  modelTickMs: number[];
  findings: number;
}

const runs: Run[] = [];
for (const connections of SIZES) {
  for (const { movingShare } of CASES) runs.push({ model: syntheticModel(connections), engine: new FindingsEngine(), connections, movingShare, tick: 0, updateMs: [], modelTickMs: [], findings: 0 });
}

/** One tick: the model's and the engine's times, ms. */
function step(run: Run): { modelTickMs: number; updateMs: number } {
  run.tick++;
  const atMs = SYNTHETIC_START_MS + 1000 * (run.tick + 1);
  for (const record of tickRecords(run.connections, run.tick, run.movingShare, atMs)) run.model.ingest(record);
  const tickStarted = performance.now();
  const snapshot = run.model.tick(atMs);
  const started = performance.now();
  const findings = run.engine.update(snapshot);
  const ended = performance.now();
  run.findings = findings.length;
  return { modelTickMs: started - tickStarted, updateMs: ended - started };
}

// Warm-up (JIT, and the engine's windows filling), unmeasured; then the rounds, interleaved.
for (let warmUp = 0; warmUp < 3; warmUp++) for (const run of runs) step(run);
for (let round = 0; round < rounds; round++) {
  for (const run of runs) {
    const { modelTickMs, updateMs } = step(run);
    run.updateMs.push(updateMs);
    run.modelTickMs.push(modelTickMs);
  }
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const lines = [`findings engine: FindingsEngine.update per tick (target under ${TARGET_MS} ms, a tenth of the 1 s tick); medians of ${rounds} interleaved rounds`];
for (const run of runs) {
  const summary = summarize(run.updateMs, true);
  if (summary === null) continue;
  const updateMs = median(run.updateMs);
  const modelTickMs = median(run.modelTickMs);
  const caseName = CASES.find((candidate) => candidate.movingShare === run.movingShare)?.name ?? '';
  lines.push(
    `  ${String(run.connections).padStart(7)} connections, ${caseName.padEnd(34)} update median ${updateMs.toFixed(1).padStart(7)} ms (best ${summary.best.toFixed(1)}, worst ${summary.worst.toFixed(1)})  model tick median ${modelTickMs.toFixed(1).padStart(7)} ms  update/tick ${(updateMs / modelTickMs).toFixed(2)}  ${run.findings} findings  ${summary.best <= TARGET_MS ? 'PASS' : 'SHORT'}`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
