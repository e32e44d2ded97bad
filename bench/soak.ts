/**
 * Soak: `netscope --json --duration 0` under sustained loopback connection churn for MINUTES
 * (default 10), its resident memory sampled every 10 s. Prints one row per sample, then a
 * verdict — mean RSS over the second half of the run against the first-minute plateau (flat:
 * within 10%) — and the document's totals. Run by hand, as root; not part of `npm test`:
 *
 *   bin/node-runtime dist/bench/soak.js [--minutes 10] [--rate 1000] [--flight-minutes N] [--keep-dump FILE]
 *
 * Also netscope's CPU time over the churn (utime + stime), and, unless --flight-minutes 0, the
 * flight recorder dumped (SIGUSR1) as the churn ends: the span it held and the connections in it.
 *
 * The load stays moderate so a 2-core machine stays usable: 8 connections in flight, paced to
 * RATE connections a second. Everything it starts it stops itself (Ctrl-C included).
 */
import { copyFileSync, createReadStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SnapshotDocument } from '../src/model/snapshot-document.js';
import { sampleMemory, startChurn, type ChurnResult, type ChurnRun, type MemorySample } from '../test/support/churn.js';
import { programsLeftAfter, runNetscope, waitForProbes, type NetscopeRun } from '../test/support/processes.js';
import { readCpuTime } from './process-usage.js';

const SAMPLE_INTERVAL_MS = 10_000;
const CHURN_CONCURRENCY = 8;
/** Within this of the first-minute plateau, memory counts as flat. */
const FLAT_TOLERANCE = 0.1;
/** The first-minute plateau: samples in this window, ms from the start of the churn. */
const PLATEAU_FROM_MS = 30_000;
const PLATEAU_TO_MS = 60_000;
/** After SIGINT, how long netscope has to print its document before it is killed. */
const NETSCOPE_EXIT_TIMEOUT_MS = 60_000;
/** How long a flight recorder dump may take before the soak reads what is there. */
const DUMP_TIMEOUT_MS = 300_000;
const MiB = 1024 * 1024;

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    'flight-minutes': { type: 'string' },
    'keep-dump': { type: 'string' },
  },
});
const flightMinutes = values['flight-minutes'];
const minutes = Number(values.minutes);
const ratePerSecond = Number(values.rate);
if (!(minutes > 0) || !(ratePerSecond > 0)) {
  process.stderr.write('soak: --minutes and --rate need positive numbers\n');
  process.exit(2);
}
const seconds = minutes * 60;

const mib = (bytes: number) => (bytes / MiB).toFixed(1);
const count = (value: number) => value.toLocaleString('en-US');
const mean = (numbers: number[]) => numbers.reduce((sum, value) => sum + value, 0) / numbers.length;

function clock(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  return `${Math.floor(totalSeconds / 60)}:${String(totalSeconds % 60).padStart(2, '0')}`;
}

let netscope: NetscopeRun | null = null;
let churn: ChurnRun | null = null;

function isRunning(run: { child: { exitCode: number | null; signalCode: NodeJS.Signals | null } } | null): boolean {
  return run !== null && run.child.exitCode === null && run.child.signalCode === null;
}

/** Kills whatever is still running (on a crash; the normal path stops each in turn). */
function killChildren(): void {
  churn?.stop();
  if (isRunning(netscope)) netscope!.child.kill('SIGKILL');
}
process.once('exit', killChildren);

// Ctrl-C reaches the whole process group: churn and netscope stop by themselves, netscope with
// its document on our pipe. Say so and let the normal path report what there is.
let interrupted = false;
process.once('SIGINT', () => {
  interrupted = true;
  process.stderr.write('\nsoak: interrupted — stopping the churn and netscope\n');
  churn?.stop();
});

async function stopNetscope(run: NetscopeRun): Promise<Awaited<NetscopeRun['done']>> {
  if (isRunning(run)) run.child.kill('SIGINT');
  const timeout = sleep(NETSCOPE_EXIT_TIMEOUT_MS, 'timeout' as const, { ref: false });
  const outcome = await Promise.race([run.done, timeout]);
  if (outcome !== 'timeout') return outcome;
  process.stderr.write(`soak: netscope did not exit ${NETSCOPE_EXIT_TIMEOUT_MS / 1000} s after SIGINT; killing it\n`);
  run.child.kill('SIGKILL');
  return run.done;
}

/** utime + stime of a process so far, s. */
function cpuSeconds(pid: number): number {
  const cpu = readCpuTime(pid);
  if (cpu === null) throw new Error(`soak: process ${pid} is gone`);
  return cpu.ownSeconds;
}

/** What the flight recorder held as the churn ended: the span, the connections made in it, the dump's size. */
async function dumpFlightRecorder(run: NetscopeRun): Promise<string> {
  // A window of minutes is a long dump: wait for netscope's line about it, not a fixed 10 s.
  const said = new Promise<void>((resolve) => {
    const listen = (chunk: Buffer) => {
      if (!chunk.toString().includes('flight record')) return;
      run.child.stderr!.off('data', listen);
      resolve();
    };
    run.child.stderr!.on('data', listen);
  });
  run.child.kill('SIGUSR1');
  await Promise.race([said, sleep(DUMP_TIMEOUT_MS, undefined, { ref: false })]);
  const name = readdirSync(dumpDirectory).find((entry) => entry.startsWith('netscope-flight-'));
  if (name === undefined) return 'flight recorder: no dump written';
  const dumpPath = path.join(dumpDirectory, name);
  if (values['keep-dump'] !== undefined) copyFileSync(dumpPath, values['keep-dump']);
  // Read a line at a time: minutes of churn are more text than one string may hold.
  let header: { startedAt: string } | null = null;
  let lastAtMs = 0;
  let records = 0;
  let connects = 0;
  for await (const line of createInterface({ input: createReadStream(dumpPath), crlfDelay: Infinity })) {
    if (header === null) {
      header = JSON.parse(line) as { startedAt: string };
      continue;
    }
    lastAtMs = (JSON.parse(line) as { atMs: number }).atMs;
    records++;
    if (line.includes('"kind":"state"') && line.includes('"newState":2,')) connects++;
  }
  const spanS = (lastAtMs - Date.parse(header?.startedAt ?? '')) / 1000;
  return (
    `flight recorder held ${spanS.toFixed(0)} s: ${count(connects)} connects (SYN_SENT), ${count(records - 1)} records and tick markers, ` +
    `dump ${mib(statSync(dumpPath).size)} MiB`
  );
}

function printRow(sample: MemorySample, made: number | null): void {
  const minute = Math.max(1, Math.ceil(sample.atMs / 60_000));
  process.stdout.write(
    `${clock(sample.atMs).padStart(6)}  ${String(minute).padStart(6)}  ${mib(sample.rssBytes).padStart(8)}  ` +
      `${(made === null ? '-' : count(made)).padStart(12)}  ${'?'.padStart(10)}\n`,
  );
}

/**
 * Mean RSS over the second half of the run against the first-minute plateau: the samples from
 * 30 s to 60 s, once the table has filled (its 10,000 closed connections within seconds) and the
 * heap has grown to its working size (measured: about 45 s at 1,000 connections/s).
 */
function verdict(samples: MemorySample[], runMs: number): string {
  // Samples land a few ms after their mark: the one at 1:00 belongs to the first minute.
  const plateauSamples = samples.filter((sample) => sample.atMs >= PLATEAU_FROM_MS && sample.atMs < PLATEAU_TO_MS + SAMPLE_INTERVAL_MS / 2);
  const lastHalf = samples.filter((sample) => sample.atMs >= runMs / 2);
  if (plateauSamples.length === 0 || lastHalf.length === 0) return 'not enough samples for a verdict (run at least a minute)';
  const plateau = mean(plateauSamples.map((sample) => sample.rssBytes));
  const late = mean(lastHalf.map((sample) => sample.rssBytes));
  const lateMax = Math.max(...lastHalf.map((sample) => sample.rssBytes));
  const ratio = late / plateau;
  const shape = Math.abs(ratio - 1) <= FLAT_TOLERANCE ? 'FLAT' : ratio > 1 ? 'GROWING' : 'SHRINKING';
  return (
    `${shape}: mean RSS over the second half ${mib(late)} MiB (max ${mib(lateMax)}) vs first-minute plateau ` +
    `${mib(plateau)} MiB (${clock(PLATEAU_FROM_MS)}–${clock(PLATEAU_TO_MS)}) = ×${ratio.toFixed(3)} (flat: within ±${FLAT_TOLERANCE * 100}%)`
  );
}

process.stdout.write(
  `soak: netscope --json --duration 0 for ${minutes} min under churn of ${count(ratePerSecond)} connections/s ` +
    `(${CHURN_CONCURRENCY} in flight), RSS every ${SAMPLE_INTERVAL_MS / 1000} s\n`,
);
const dumpDirectory = mkdtempSync(path.join(tmpdir(), 'netscope-soak-'));
const flightArgs = flightMinutes === undefined ? [] : ['--flight-minutes', flightMinutes];
netscope = runNetscope(['--json', '--duration', '0', '--output-dir', dumpDirectory, ...flightArgs]);
const netscopePid = netscope.child.pid!;
await waitForProbes(netscopePid);
const startedAtMs = performance.now();
churn = startChurn({
  title: 'ns-soak-churn',
  connections: Math.ceil(ratePerSecond * seconds),
  seconds,
  concurrency: CHURN_CONCURRENCY,
  rate: ratePerSecond,
  progressMs: 1_000,
});
const runningChurn = churn;
await runningChurn.listening;
const cpuAtStart = cpuSeconds(netscopePid);

process.stdout.write(`\n${'time'.padStart(6)}  ${'minute'.padStart(6)}  ${'RSS MiB'.padStart(8)}  ${'made so far'.padStart(12)}  ${'lostEvents'.padStart(10)}\n`);
const sampler = sampleMemory(netscopePid, SAMPLE_INTERVAL_MS, (sample) => printRow(sample, runningChurn.latestProgress()?.made ?? null));

let churned: ChurnResult | null = null;
try {
  churned = await runningChurn.done;
} catch (error) {
  if (!interrupted) process.stderr.write(`soak: ${(error as Error).message}\n`);
}
const runMs = performance.now() - startedAtMs;
const cpuUsed = cpuSeconds(netscopePid) - cpuAtStart;
sampler.stop();
const flightDump = flightMinutes === '0' ? null : await dumpFlightRecorder(netscope);
rmSync(dumpDirectory, { recursive: true, force: true });
const exit = await stopNetscope(netscope);
const leftover = await programsLeftAfter();

process.stdout.write(`\n${verdict(sampler.samples, runMs)}\n`);
process.stdout.write(`netscope CPU over the churn: ${cpuUsed.toFixed(1)} s in ${(runMs / 1000).toFixed(0)} s = ${((100 * cpuUsed * 1000) / runMs).toFixed(1)}% of one core\n`);
process.stdout.write(`${flightDump ?? 'flight recorder off'}\n`);
const made = churned?.made ?? runningChurn.latestProgress()?.made ?? 0;
process.stdout.write(
  churned
    ? `churn: made ${count(churned.made)} connections in ${churned.seconds} s (${count(Math.round(churned.made / churned.seconds))}/s), ` +
        `${count(churned.completed)} completed, ${count(churned.failed)} failed connects\n`
    : `churn: stopped early; about ${count(made)} connections made\n`,
);
if (exit.code !== 0 || exit.stdout === '') {
  process.stdout.write(`netscope exited ${exit.code ?? exit.signal}: ${exit.stderr.trim()}\n`);
  process.exitCode = 1;
} else {
  const document = JSON.parse(exit.stdout) as SnapshotDocument;
  const { totals } = document;
  const surplus = totals.connectionsOpened - 2 * made;
  process.stdout.write(
    `netscope exited 0: connectionsOpened ${count(totals.connectionsOpened)} vs 2 × made ${churned ? '' : '(about) '}${count(2 * made)} ` +
      `(${surplus >= 0 ? '+' : ''}${count(surplus)}: other processes' connections, less any missed), ` +
      `connectionsClosed ${count(totals.connectionsClosed)}, evicted ${count(totals.evicted)}, ` +
      `kept ${count(document.connections.length)}, lostEvents ${count(document.source.lostEvents)}\n`,
  );
  if (exit.stderr !== '') process.stdout.write(`netscope stderr: ${exit.stderr.trim()}\n`);
}
process.stdout.write(leftover.length === 0 ? 'no BPF program left loaded\n' : `BPF programs left loaded: ${leftover.join(', ')}\n`);
if (leftover.length > 0) process.exitCode = 1;
