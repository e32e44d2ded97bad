/**
 * netscope's own engine, synthetic, each figure in its own child process: ingest (decode +
 * model) events/s on one core (bench/ingest.ts), tick and snapshot time at 1k/10k/100k
 * connections and RSS at 100k (bench/engine-model.ts on bench/synthetic-traffic.ts), TUI frame
 * and filter-keystroke time at 10k (bench/ui-frame.tsx), and the wall time of
 * `netscope --json --duration 0.1` — start to the first complete snapshot.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../src/probes/package-paths.js';
import type { RssFigures, TickFigures } from './engine-model.js';
import { fmt, spreadText, summarize, type Row, type Section, type Verdict } from './report.js';

export const TARGETS = {
  ingestEventsPerSecond: 1_000_000,
  frameMs: 16,
  keystrokeMs: 50,
  rssBytesAt100k: 150 * 1024 ** 2,
  firstSnapshotMs: 1_500,
};

export interface EngineOptions {
  /** Rounds of tick + snapshot per size. */
  tickRounds: number;
  /** Fresh processes building the 100k model for the RSS figure. */
  rssRuns: number;
  /** Timed runs of `netscope --json --duration 0.1` (after one warm-up). */
  firstSnapshotRuns: number;
  log: (line: string) => void;
}

interface ChildOutput {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

function runChild(command: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 180_000): Promise<ChildOutput> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, wallMs: performance.now() - started });
    });
  });
}

const benchScript = (name: string) => path.join(packageRoot, 'dist/bench', name);

/** The V8 flags bin/netscope runs Node with (its `node_flags=(…)` line): the engine is measured as it runs. */
function launcherNodeFlags(): string[] {
  const launcher = readFileSync(path.join(packageRoot, 'bin/netscope'), 'utf8');
  const flags = /^node_flags=\(([^)]*)\)$/m.exec(launcher)?.[1];
  if (flags === undefined) throw new Error('bin/netscope has no node_flags=(…) line');
  return flags.split(/\s+/).filter((flag) => flag !== '');
}
const NODE_FLAGS = launcherNodeFlags();

/** The defaults bin/netscope exports (its `export NAME="${NAME:-value}"` lines): NODE_ENV, which React reads when it loads, and malloc's thresholds. */
function launcherEnvironment(): Record<string, string> {
  const launcher = readFileSync(path.join(packageRoot, 'bin/netscope'), 'utf8');
  const environment: Record<string, string> = {};
  for (const [, name, value] of launcher.matchAll(/^export (\w+)="\$\{\1:-([^}]*)\}"$/gm)) environment[name!] = value!;
  if (environment.NODE_ENV === undefined) throw new Error('bin/netscope exports no NODE_ENV default');
  return environment;
}
const PRODUCTION = launcherEnvironment();

function failed(what: string, output: ChildOutput): Error {
  return new Error(`${what} exited ${output.code}: ${(output.stderr || output.stdout).trim().split('\n').slice(-3).join(' / ')}`);
}

const number = (text: string | undefined) => Number((text ?? 'NaN').replaceAll(',', ''));

export interface EngineResult {
  section: Section;
  verdicts: Verdict[];
  problems: string[];
}

export async function measureEngine(options: EngineOptions): Promise<EngineResult> {
  const rows: Row[] = [];
  const verdicts: Verdict[] = [];
  const problems: string[] = [];
  const notes: string[] = [];
  const row = (figure: string, value: string, spread: string, target = '', ratio = '') =>
    rows.push({ configuration: 'netscope engine', figure, value, ratio, spread, target });
  const attempt = async (what: string, measure: () => Promise<void>) => {
    try {
      await measure();
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
      row(what, 'not measured', '', (error as Error).message.slice(0, 80));
    }
  };

  await attempt('ingest (decode + model)', async () => {
    options.log('engine: ingest (bench/ingest.js)');
    const output = await runChild(process.execPath, [...NODE_FLAGS, benchScript('ingest.js')], PRODUCTION);
    if (output.code !== 0) throw failed('bench/ingest.js', output);
    const line = (stage: string) => {
      const match = new RegExp(`^${stage}.*?\\s([\\d,]+)\\s+([\\d.]+)\\s+([\\d.]+)%$`, 'm').exec(output.stdout);
      if (!match) throw new Error(`bench/ingest.js printed no "${stage}" row`);
      return { eventsPerSecond: number(match[1]), spreadPercent: number(match[3]) };
    };
    const rounds = /best of (\d+)/.exec(output.stdout)?.[1] ?? '?';
    const full = line('decode \\+ ingest');
    const decode = line('decode only');
    const ingest = line('model ingest only');
    const pass = full.eventsPerSecond >= TARGETS.ingestEventsPerSecond;
    row('ingest, decode + model, one core', fmt.perSecond(full.eventsPerSecond, 'events'), `${full.spreadPercent.toFixed(1)}% (${rounds} runs)`, `≥ 1,000,000/s ${pass ? 'PASS' : 'SHORT'}`);
    row('  decode only', fmt.perSecond(decode.eventsPerSecond, 'events'), `${decode.spreadPercent.toFixed(1)}% (${rounds} runs)`);
    row('  model ingest only', fmt.perSecond(ingest.eventsPerSecond, 'events'), `${ingest.spreadPercent.toFixed(1)}% (${rounds} runs)`);
    verdicts.push({ target: 'ingest ≥ 1,000,000 events/s (one core)', measured: fmt.perSecond(full.eventsPerSecond, 'events'), pass });
  });

  for (const connections of [1_000, 10_000, 100_000]) {
    await attempt(`tick / snapshot at ${connections / 1000}k`, async () => {
      options.log(`engine: tick and snapshot at ${fmt.count(connections)} connections`);
      const output = await runChild(process.execPath, [...NODE_FLAGS, benchScript('engine-model.js'), '--mode', 'tick', '--connections', String(connections), '--rounds', String(options.tickRounds)], PRODUCTION);
      if (output.code !== 0) throw failed('bench/engine-model.js', output);
      const figures = JSON.parse(output.stdout) as TickFigures;
      const tick = summarize(figures.tickMs, true)!;
      const snapshot = summarize(figures.snapshotMs, true)!;
      row(`tick at ${connections / 1000}k connections`, fmt.ms(tick.best), spreadText(tick));
      row(`snapshot at ${connections / 1000}k (document + JSON, ${fmt.mb(figures.snapshotBytes)})`, fmt.ms(snapshot.best), spreadText(snapshot));
    });
  }

  await attempt('TUI frame / keystroke at 10k', async () => {
    options.log('engine: TUI frame and filter keystroke (bench/ui-frame.js)');
    const output = await runChild(process.execPath, [...NODE_FLAGS, benchScript('ui-frame.js')], PRODUCTION);
    if (output.code !== 0) throw failed('bench/ui-frame.js', output);
    const at10k = (label: string) => {
      const match = new RegExp(`^${label}\\s+([\\d.]+) ms\\s+([\\d.]+) ms`, 'm').exec(output.stdout);
      if (!match) throw new Error(`bench/ui-frame.js printed no "${label}" row`);
      return number(match[2]);
    };
    const frameMedian = at10k('frame after a tick, median');
    const frameP95 = at10k('frame after a tick, p95');
    const keyMedian = at10k('filter keystroke, median');
    const keyWorst = at10k('filter keystroke, worst');
    const framePass = frameMedian <= TARGETS.frameMs;
    const keyPass = keyWorst <= TARGETS.keystrokeMs;
    row('TUI frame at 10k (median of 40)', fmt.ms(frameMedian), `p95 ${fmt.ms(frameP95)}`, `≤ 16 ms ${framePass ? 'PASS' : 'SHORT'}`);
    row('filter keystroke at 10k (worst of 45)', fmt.ms(keyWorst), `median ${fmt.ms(keyMedian)}`, `≤ 50 ms ${keyPass ? 'PASS' : 'SHORT'}`);
    verdicts.push({ target: 'TUI frame ≤ 16 ms at 10k connections (median)', measured: `${fmt.ms(frameMedian)} (p95 ${fmt.ms(frameP95)})`, pass: framePass });
    verdicts.push({ target: 'filter keystroke ≤ 50 ms at 10k connections (worst)', measured: `${fmt.ms(keyWorst)} (median ${fmt.ms(keyMedian)})`, pass: keyPass });
  });

  await attempt('RSS at 100k', async () => {
    options.log(`engine: RSS at 100,000 connections (${options.rssRuns} fresh processes)`);
    const runs: RssFigures[] = [];
    for (let run = 0; run < options.rssRuns; run++) {
      const output = await runChild(process.execPath, [...NODE_FLAGS, '--expose-gc', benchScript('engine-model.js'), '--mode', 'rss', '--connections', '100000', '--ticks', '3'], PRODUCTION);
      if (output.code !== 0) throw failed('bench/engine-model.js --mode rss', output);
      runs.push(JSON.parse(output.stdout) as RssFigures);
    }
    const rss = summarize(
      runs.map((run) => run.rssBytes),
      true,
    )!;
    const peak = Math.max(...runs.map((run) => run.peakRssBytes));
    const pass = rss.best <= TARGETS.rssBytesAt100k;
    row('RSS at 100k connections (VmRSS after 3 ticks a second apart, heap keeper on)', fmt.mib(rss.best), spreadText(rss), `≤ 150 MiB ${pass ? 'PASS' : 'SHORT'}`);
    const afterGc = runs[0]!.rssAfterGcBytes;
    const heapAfterGc = runs[0]!.heapUsedAfterGcBytes;
    if (afterGc !== null && heapAfterGc !== null) {
      row('  the same after a full GC (diagnosis)', fmt.mib(afterGc), `heap in use ${fmt.mib(heapAfterGc)}`);
    }
    notes.push(`RSS at 100k: the model alone (no Ink), built from bench/synthetic-traffic.ts and ticked 3 times a second apart with the heap keeper, as netscope ticks; VmHWM (during the build, all 100,000 at once) ${fmt.mib(peak)}`);
    verdicts.push({ target: 'engine RSS ≤ 150 MiB at 100k connections (synthetic)', measured: `${fmt.mib(rss.best)} (worst ${fmt.mib(rss.worst)})`, pass });
  });

  await attempt('first snapshot', async () => {
    options.log(`engine: netscope --json --duration 0.1, best of ${options.firstSnapshotRuns} (+1 warm-up)`);
    const wall: number[] = [];
    for (let run = 0; run <= options.firstSnapshotRuns; run++) {
      const output = await runChild(path.join(packageRoot, 'bin/netscope'), ['--json', '--duration', '0.1'], {}, 60_000);
      if (output.code !== 0) throw failed('netscope --json --duration 0.1', output);
      JSON.parse(output.stdout); // a complete document
      if (run > 0) wall.push(output.wallMs);
    }
    const first = summarize(wall, true)!;
    const pass = first.best <= TARGETS.firstSnapshotMs;
    row('start → first complete snapshot (--json --duration 0.1, wall)', fmt.ms(first.best), spreadText(first), `≤ 1.5 s ${pass ? 'PASS' : 'SHORT'}`);
    verdicts.push({ target: 'first snapshot ≤ 1.5 s', measured: `${fmt.ms(first.best)} (worst ${fmt.ms(first.worst)})`, pass });
  });

  await attempt('container lookup', async () => {
    options.log('engine: container lookup, cold and cached (bench/container-lookup.js)');
    const output = await runChild(process.execPath, [...NODE_FLAGS, benchScript('container-lookup.js')], PRODUCTION);
    if (output.code !== 0) throw failed('bench/container-lookup.js', output);
    const cold = /cold lookup .*: ([\d.]+) µs each/.exec(output.stdout)?.[1];
    const cached = /cached lookup .*: ([\d.]+) ns each/.exec(output.stdout)?.[1];
    if (cold === undefined || cached === undefined) throw new Error('bench/container-lookup.js printed no figures');
    const ratio = `${Math.round((Number(cold) * 1000) / Number(cached))}× the cached`;
    row('container lookup, cold (new cgroup → docker container named from config.v2.json)', `${cold} µs`, '', '', ratio);
    row('container lookup, cached (a record about a known cgroup)', `${cached} ns`, '');
    notes.push('container lookup: 1,000 docker containers on a host root built in a temporary directory; a cold lookup happens once per cgroup, after a drain, never per event');
  });

  notes.push(
    'tick and snapshot: the model alone on bench/synthetic-traffic.ts (no sock_diag pass); snapshot = toSnapshotDocument + its JSON text in pieces (snapshotDocumentJson) as --json writes it; best of ' +
      `${options.tickRounds} ticks per size, each in a fresh process`,
  );
  return { section: { title: "netscope's engine, synthetic", rows, notes }, verdicts, problems };
}
