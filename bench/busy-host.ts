/**
 * netscope on a busy host, measured from outside as `top` shows it:
 *
 * - 20,000 open loopback connections (40,000 sockets, bench/open-connections.ts): the peak RSS
 *   (VmHWM) of `netscope --json --duration 8` and of the live view (tmux, 160×45, ~8 s); the CPU
 *   netscope takes while they sit idle, beside `ss -tinp` run once a second;
 * - paced churn (800 connections/s for 40 s) with the flight recorder at its default: netscope's
 *   peak RSS and CPU, every connection counted, no lost event, and the flight recorder's window
 *   (SIGUSR1 at the end; the span of the recording, or — when the cap was not reached — the
 *   window: the span of the recording when the cap was reached, else at least the run).
 *
 * With `nodeOptions` (bench/profile.ts) netscope runs under extra Node flags (--cpu-prof, a heap
 * snapshot signal), and `beforeStop` runs while it still holds everything.
 */
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SnapshotDocument } from '../src/model/snapshot-document.js';
import { packageRoot } from '../src/probes/package-paths.js';
import { sampleMemory } from '../test/support/churn.js';
import { requestFlightDump, runNetscope, waitForProbes } from '../test/support/processes.js';
import { TmuxSession } from '../test/support/tmux.js';
import { countChurn, describeChurnCount } from './churn-accounting.js';
import { runChurn } from './host-load.js';
import { holdOpenConnections } from './open-connections.js';
import { isLive, readComm, startCpuWindow, watchPeakRss } from './process-usage.js';
import { fmt, spreadText, summarize, type Row, type Section, type Verdict } from './report.js';

const MiB = 1024 ** 2;

/** The targets for a busy host. */
export const BUSY_TARGETS = {
  rssBytesAt20kConnections: 150 * MiB,
  rssBytesUnderChurn: 200 * MiB,
  cpuPercentUnderChurn: 25,
  flightWindowMinutes: 5,
};


export interface BusyHostOptions {
  /** Open connections to hold (a multiple of 4). Default 20,000. */
  openConnections?: number;
  /** How long each netscope runs against them, s. Default 8. */
  openSeconds?: number;
  /** Measured runs of each (--json, live view) against the open connections. */
  openRuns: number;
  /**
   * Then one --json run this long, s, against them, for the flight recorder's window: every
   * pass samples each idle socket again, and the window must hold minutes of that too. 0 or
   * absent: not measured.
   */
  openFlightSeconds?: number;
  /** Paced churn: connections/s and s. Defaults 800 and 40. */
  churnRate?: number;
  churnSeconds?: number;
  churnRuns: number;
  /**
   * One more paced run this long, s, for the flight recorder's window: the 40 s runs end long
   * before a 5-minute window can fill. 0 or absent: the window is judged from the short runs.
   */
  flightWindowSeconds?: number;
  log: (line: string) => void;
  /** Extra NODE_OPTIONS for netscope (profiling). */
  nodeOptions?: string;
  /** Runs while netscope is up, before it is stopped (profiling: a heap snapshot). */
  beforeStop?: (pid: number, what: string) => Promise<void>;
}

export interface BusyHostResult {
  sections: Section[];
  verdicts: Verdict[];
  problems: string[];
}

const netscopeBin = path.join(packageRoot, 'bin/netscope');
const withTarget = (pass: boolean, target: string) => `${target} ${pass ? 'PASS' : 'SHORT'}`;

interface OpenRun {
  peakRssBytes: number;
  /** Connections in the document, and of those the held ones (both ends). */
  documentConnections?: number;
  heldSeen?: number;
  wallMs?: number;
}

async function jsonAgainstOpen(options: BusyHostOptions, seconds: number, ports: number[]): Promise<OpenRun> {
  const started = performance.now();
  const run = runNetscope(['--json', '--duration', String(seconds)], { env: options.nodeOptions ? { NODE_OPTIONS: options.nodeOptions } : {} });
  const peak = watchPeakRss(run.child.pid!);
  if (options.beforeStop) {
    await sleep(seconds * 1000 - 1000);
    await options.beforeStop(run.child.pid!, 'json-open');
  }
  const exit = await run.done;
  await peak.stop();
  if (exit.code !== 0) throw new Error(`netscope --json exited ${exit.code ?? exit.signal}: ${exit.stderr.trim().split('\n')[0]}`);
  const document = JSON.parse(exit.stdout) as SnapshotDocument;
  const held = new Set(ports);
  return {
    peakRssBytes: peak.peakBytes() ?? Number.NaN,
    documentConnections: document.connections.length,
    heldSeen: document.connections.filter((entry) => held.has(entry.sport) || held.has(entry.dport)).length,
    wallMs: performance.now() - started,
  };
}

/** How long the idle connections' CPU is measured, s, and after how long: once the first pass and its collection are over. */
const IDLE_CPU_SECONDS = 12;
const IDLE_CPU_AFTER_SECONDS = 5;

/**
 * netscope's CPU, % of a core, while the held connections sit idle (every tick samples each of
 * them again), and the highest VmRSS over the window's second half: the steady state a
 * long-running agent holds, where the peak RSS above includes the start and the document. The
 * first half still holds the start's garbage until the heap keeper's first quiet compaction.
 */
async function jsonIdle(options: BusyHostOptions): Promise<{ cpuPercent: number; steadyRssBytes: number }> {
  const run = runNetscope(['--json', '--duration', String(IDLE_CPU_AFTER_SECONDS + IDLE_CPU_SECONDS + 2)], { env: options.nodeOptions ? { NODE_OPTIONS: options.nodeOptions } : {} });
  await waitForProbes(run.child.pid!);
  await sleep(IDLE_CPU_AFTER_SECONDS * 1000);
  const window = startCpuWindow(run.child.pid!);
  const memory = sampleMemory(run.child.pid!, 20);
  await sleep(IDLE_CPU_SECONDS * 1000);
  memory.stop();
  const cpu = window.end();
  const exit = await run.done;
  if (exit.code !== 0) throw new Error(`netscope --json exited ${exit.code ?? exit.signal}: ${exit.stderr.trim().split('\n')[0]}`);
  const secondHalf = memory.samples.filter((sample) => sample.atMs >= (IDLE_CPU_SECONDS * 1000) / 2);
  return { cpuPercent: cpu?.percentOfCore ?? Number.NaN, steadyRssBytes: Math.max(...secondHalf.map((sample) => sample.rssBytes)) };
}

/**
 * The peer: `ss -tinp` once a second over the same connections, as a shell loop whose CPU
 * counts its reaped children: it says when the loop is over and waits to be measured.
 */
async function ssIdleCpu(): Promise<number> {
  const loop = spawn('sh', ['-c', `for i in $(seq ${IDLE_CPU_SECONDS}); do ss -tinp > /dev/null; sleep 1; done; echo done; exec sleep 60`], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const window = startCpuWindow(loop.pid!);
    await new Promise<void>((resolve, reject) => {
      loop.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('done') && resolve());
      loop.once('close', (code) => reject(new Error(`the ss -tinp loop exited ${code} before it was measured`)));
    });
    return window.end()?.percentOfCore ?? Number.NaN;
  } finally {
    loop.kill('SIGKILL');
  }
}

async function liveViewAgainstOpen(options: BusyHostOptions, seconds: number): Promise<OpenRun> {
  const session = new TmuxSession(`exec ${netscopeBin}`, { width: 160, height: 45 }, options.nodeOptions ? { NODE_OPTIONS: options.nodeOptions } : {});
  try {
    const pid = session.panePid();
    if (!(pid > 0)) throw new Error('tmux did not report the pane pid');
    const started = performance.now();
    const peak = watchPeakRss(pid);
    await session.waitFor((screen) => screen.includes('netscope ·') && screen.includes('conns'), 'the live view', 30_000);
    const left = seconds * 1000 - (performance.now() - started);
    if (left > 0) await sleep(left);
    await options.beforeStop?.(pid, 'tui-open');
    session.press('q');
    const deadline = Date.now() + 15_000;
    while (isLive(pid) && readComm(pid) === 'netscope' && Date.now() < deadline) await sleep(50);
    await peak.stop();
    return { peakRssBytes: peak.peakBytes() ?? Number.NaN };
  } finally {
    session.kill();
  }
}

/**
 * The longest a measurement waits for the TIME_WAIT sockets of the load before it to expire (they
 * live 60 s): netscope samples them too. Right after the 20,000 held connections closed, the paced
 * churn's peak RSS was 225 MiB; on a host without their TIME_WAIT sockets, 192–205 MiB in 7 runs.
 */
const TIME_WAIT_WAIT_S = 75;
/** Few enough TIME_WAIT sockets that they no longer weigh on the figure. */
const TIME_WAIT_SETTLED = 1_000;

/** TIME_WAIT sockets on the host (`tw` in /proc/net/sockstat); waits until they are few, or the wait is up. Returns how many are left. */
async function timeWaitDrained(log: (line: string) => void): Promise<number> {
  const count = () => Number(/\btw (\d+)/.exec(readFileSync('/proc/net/sockstat', 'utf8'))?.[1] ?? 0);
  const deadline = Date.now() + TIME_WAIT_WAIT_S * 1000;
  let left = count();
  if (left > TIME_WAIT_SETTLED) log(`busy host: waiting for ${fmt.count(left)} TIME_WAIT sockets from the load before to expire`);
  while (left > TIME_WAIT_SETTLED && Date.now() < deadline) {
    await sleep(1000);
    left = count();
  }
  return left;
}

async function measureOpen(options: BusyHostOptions, rows: Row[], verdicts: Verdict[], notes: string[]): Promise<void> {
  const connections = options.openConnections ?? 20_000;
  const seconds = options.openSeconds ?? 8;
  const leftOver = await timeWaitDrained(options.log);
  notes.push(`TIME_WAIT sockets on the host when the measurement began: ${fmt.count(leftOver)} (the churn rounds before leave up to ~130,000 for 60 s, and netscope lists them as rows; waited up to ${TIME_WAIT_WAIT_S} s for them to go)`);
  options.log(`busy host: holding ${fmt.count(connections)} open loopback connections`);
  const held = await holdOpenConnections(connections);
  try {
    const json: OpenRun[] = [];
    const live: OpenRun[] = [];
    for (let run = 0; run < options.openRuns; run++) {
      options.log(`busy host: netscope --json --duration ${seconds} against them (${run + 1}/${options.openRuns})`);
      json.push(await jsonAgainstOpen(options, seconds, held.ports));
      options.log(`busy host: the live view against them, ${seconds} s (${run + 1}/${options.openRuns})`);
      live.push(await liveViewAgainstOpen(options, seconds));
    }
    for (const [label, command, runs] of [
      ['netscope --json', `netscope --json --duration ${seconds}`, json],
      ['netscope TUI', `netscope (live view, tmux 160×45, ${seconds} s)`, live],
    ] as const) {
      const summary = summarize(
        runs.map((run) => run.peakRssBytes),
        true,
      )!;
      const pass = summary.best <= BUSY_TARGETS.rssBytesAt20kConnections;
      rows.push({
        configuration: label,
        figure: `peak RSS at ${fmt.count(connections)} open connections (${fmt.count(2 * connections)} sockets)`,
        value: fmt.mib(summary.best),
        ratio: '',
        spread: spreadText(summary),
        target: withTarget(pass, '≤ 150 MiB'),
      });
      verdicts.push({ target: `${command}: peak RSS ≤ 150 MiB at ${fmt.count(connections)} open connections`, measured: `${fmt.mib(summary.best)} (worst ${fmt.mib(summary.worst)})`, pass });
    }
    const idle: Record<'netscope --json' | 'ss -tinp / 1 s', number[]> = { 'netscope --json': [], 'ss -tinp / 1 s': [] };
    const steadyRss: number[] = [];
    for (let run = 0; run < options.openRuns; run++) {
      options.log(`busy host: CPU while they sit idle, netscope --json and ss -tinp once a second, ${IDLE_CPU_SECONDS} s each (${run + 1}/${options.openRuns})`);
      const json = await jsonIdle(options);
      idle['netscope --json'].push(json.cpuPercent);
      steadyRss.push(json.steadyRssBytes);
      idle['ss -tinp / 1 s'].push(await ssIdleCpu());
    }
    const steady = summarize(steadyRss, true)!;
    rows.push({
      configuration: 'netscope --json',
      figure: `highest RSS at ${fmt.count(connections)} open idle connections, ${IDLE_CPU_AFTER_SECONDS + IDLE_CPU_SECONDS / 2}–${IDLE_CPU_AFTER_SECONDS + IDLE_CPU_SECONDS} s after the probes (the steady state)`,
      value: fmt.mib(steady.best),
      ratio: '',
      spread: spreadText(steady),
      target: '',
    });
    for (const [label, values] of Object.entries(idle)) {
      const summary = summarize(values, true)!;
      rows.push({
        configuration: label,
        figure: `CPU at ${fmt.count(connections)} open idle connections, ${IDLE_CPU_SECONDS} s`,
        value: `${fmt.percent(summary.best)} of a core`,
        ratio: '',
        spread: spreadText(summary),
        target: '',
      });
    }
    const wall = summarize(
      json.map((run) => run.wallMs!),
      true,
    )!;
    rows.push({ configuration: 'netscope --json', figure: `wall time of --duration ${seconds} (start, ticks, document)`, value: fmt.ms(wall.best), ratio: '', spread: spreadText(wall), target: '' });
    if ((options.openFlightSeconds ?? 0) > 0) await measureOpenFlightWindow(options, options.openFlightSeconds!, connections, rows, verdicts, notes);
    const last = json.at(-1)!;
    notes.push(
      `${fmt.count(connections)} open connections: 2 server and 4 client processes (bench/open-connections.ts; one process may hold at most its fd hard limit); ` +
        `the last --json document held ${fmt.count(last.documentConnections!)} connections, ${fmt.count(last.heldSeen!)} of them the held sockets (${fmt.count(2 * connections)} expected)`,
    );
  } finally {
    held.stop();
  }
}

/** The flight recorder's window with the open connections held: a dump after `seconds` of capture, and the RSS it took. */
async function measureOpenFlightWindow(options: BusyHostOptions, seconds: number, connections: number, rows: Row[], verdicts: Verdict[], notes: string[]): Promise<void> {
  options.log(`busy host: the flight recorder's window against them, ${seconds} s`);
  const capture = startFlightCapture(options);
  try {
    await waitForProbes(capture.run.child.pid!);
    const capturingSince = performance.now();
    const peak = watchPeakRss(capture.run.child.pid!);
    await sleep(seconds * 1000);
    const capturedMs = performance.now() - capturingSince;
    const { peakRssBeforeDumpBytes, flight } = await dumpThenStop(capture, peak);
    if (flight === null) throw new Error('no flight dump was written');
    const load = `${fmt.count(connections)} open connections`;
    pushFlightWindow(load, [{ flight, capturedMs }], rows, verdicts);
    rows.push({ configuration: 'netscope --json', figure: `peak RSS, ${load} for ${seconds} s, until the dump`, value: fmt.mib(peakRssBeforeDumpBytes), ratio: '', spread: '', target: '' });
    rows.push({ configuration: 'netscope --json', figure: `peak RSS, the same with its ${fmt.mib(flight.bytes)} dump written`, value: fmt.mib(peak.peakBytes() ?? Number.NaN), ratio: '', spread: '', target: '' });
    notes.push(`flight recorder, ${load}: SIGUSR1 after ${(capturedMs / 1000).toFixed(0)} s wrote ${fmt.mib(flight.bytes)} of NDJSON spanning ${(flight.spanMs / 1000).toFixed(1)} s (${flight.ticks} ticks)`);
  } finally {
    capture.end();
  }
}

/** netscope --json with the flight recorder at its default, dumping into a directory of its own. */
interface FlightCapture {
  run: ReturnType<typeof runNetscope>;
  directory: string;
  /** Kills netscope if it still runs and removes the directory. */
  end(): void;
}

function startFlightCapture(options: BusyHostOptions): FlightCapture {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'netscope-bench-flight-'));
  const run = runNetscope(['--json', '--duration', '0', '--output-dir', directory], { env: options.nodeOptions ? { NODE_OPTIONS: options.nodeOptions } : {} });
  return {
    run,
    directory,
    end() {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** SIGUSR1, then SIGINT: the RSS before the dump, what netscope said on exit, and the dump read back. */
async function dumpThenStop(
  capture: FlightCapture,
  peak: ReturnType<typeof watchPeakRss>,
  beforeStop: () => Promise<void> = async () => undefined,
): Promise<{ peakRssBeforeDumpBytes: number; exit: Awaited<FlightCapture['run']['done']>; flight: FlightFigures | null }> {
  const peakRssBeforeDumpBytes = peak.peakBytes() ?? Number.NaN;
  await requestFlightDump(capture.run.child);
  await beforeStop();
  capture.run.child.kill('SIGINT');
  const exit = await Promise.race([capture.run.done, sleep(60_000, null)]);
  await peak.stop();
  if (exit === null) throw new Error('netscope did not exit 60 s after SIGINT');
  if (exit.code !== 0) throw new Error(`netscope --json exited ${exit.code ?? exit.signal}: ${exit.stderr.trim().split('\n')[0]}`);
  const dump = readdirSync(capture.directory).find((name) => name.startsWith('netscope-flight-'));
  return { peakRssBeforeDumpBytes, exit, flight: dump === undefined ? null : await readFlightRecording(path.join(capture.directory, dump)) };
}

/**
 * The window's row and verdict: measured where the cap was reached (the recording starts later
 * than the capture). Otherwise a run shows only that the window is longer than the run: the
 * recorder holds it in a compact binary form, so the dump's NDJSON size says nothing of the cap.
 */
function pushFlightWindow(load: string, windows: readonly { flight: FlightFigures; capturedMs: number }[], rows: Row[], verdicts: Verdict[]): boolean {
  const window = summarize(windows.map(({ flight }) => flight.spanMs / 60_000))!;
  const capped = windows.some(({ flight, capturedMs }) => flight.spanMs < capturedMs - 5_000);
  const pass = window.best >= BUSY_TARGETS.flightWindowMinutes ? true : capped ? false : null;
  const measured = `${capped ? '' : '≥ '}${window.best.toFixed(2)} min`;
  rows.push({
    configuration: 'netscope --json',
    figure: `flight recorder window, ${load} (${capped ? 'measured: the 64 MiB cap was reached' : 'the cap was not reached: at least the run'})`,
    value: measured,
    ratio: '',
    spread: spreadText(window),
    target: pass === null ? '≥ 5 min: not shown by a run this short' : withTarget(pass, '≥ 5 min'),
  });
  verdicts.push({ target: `flight recorder window ≥ 5 min under ${load} (default 64 MiB cap)`, measured, pass });
  return capped;
}

/** What a flight recording holds: its size, span and connections. */
interface FlightFigures {
  bytes: number;
  spanMs: number;
  ticks: number;
  /** Connections born in the window (state records' distinct sockets, halved: two ends each). */
  connections: number;
}

/** Line by line: a window of minutes under churn is more NDJSON than one string may hold. */
async function readFlightRecording(file: string): Promise<FlightFigures> {
  let startedAtMs = Number.NaN;
  let lastTickMs = Number.NaN;
  let ticks = 0;
  const sockets = new Set<number>();
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    // Only the lines counted are parsed: a window of minutes over a big table is millions of samples.
    if (Number.isNaN(startedAtMs)) startedAtMs = Date.parse((JSON.parse(line) as { startedAt: string }).startedAt);
    else if (line.startsWith('{"kind":"tick"')) {
      lastTickMs = (JSON.parse(line) as { atMs: number }).atMs;
      ticks++;
    } else if (line.startsWith('{"kind":"state"')) {
      const { cookie } = JSON.parse(line) as { cookie?: number };
      if (cookie !== undefined) sockets.add(cookie);
    }
  }
  return { bytes: statSync(file).size, spanMs: lastTickMs - startedAtMs, ticks, connections: sockets.size / 2 };
}

interface ChurnRun {
  /** Over the whole run: the churn, the flight dump and the final document. */
  peakRssBytes: number;
  /** Until the flight dump was asked for. */
  peakRssBeforeDumpBytes: number;
  cpuPercent: number;
  rate: number;
  made: number;
  missed: number;
  lostEvents: number;
  wrongOwner: number;
  description: string;
  flight: FlightFigures | null;
  /** How long netscope had been capturing when the dump was asked for, ms. */
  capturedMs: number;
  generatorCpuUsPerConnection: number;
  /** Sockets in TIME_WAIT on the host when the run began (left by the load before it). */
  timeWaitAtStart: number;
}

async function pacedChurnRun(options: BusyHostOptions, rate: number, seconds: number): Promise<ChurnRun> {
  const timeWaitAtStart = await timeWaitDrained(options.log);
  const capture = startFlightCapture(options);
  try {
    const pid = capture.run.child.pid!;
    await waitForProbes(pid);
    const capturingSince = performance.now();
    await sleep(1_000);
    const peak = watchPeakRss(pid);
    let window: ReturnType<typeof startCpuWindow> | null = null;
    const churn = await runChurn(seconds, () => (window = startCpuWindow(pid)), rate);
    const cpu = (window as ReturnType<typeof startCpuWindow> | null)?.end() ?? null;
    const capturedMs = performance.now() - capturingSince;
    const { peakRssBeforeDumpBytes, exit, flight } = await dumpThenStop(capture, peak, async () => options.beforeStop?.(pid, 'json-churn'));
    const count = countChurn(JSON.parse(exit.stdout) as SnapshotDocument, churn);
    return {
      peakRssBytes: peak.peakBytes() ?? Number.NaN,
      peakRssBeforeDumpBytes,
      cpuPercent: cpu?.percentOfCore ?? Number.NaN,
      rate: churn.rate,
      made: churn.made,
      missed: count.missed,
      lostEvents: count.lostEvents,
      wrongOwner: count.wrongOwner,
      description: describeChurnCount(count),
      flight,
      capturedMs,
      generatorCpuUsPerConnection: ((churn.userCpuSeconds + churn.systemCpuSeconds) / churn.made) * 1e6,
      timeWaitAtStart,
    };
  } finally {
    capture.end();
  }
}

async function measurePacedChurn(options: BusyHostOptions, rows: Row[], verdicts: Verdict[], notes: string[]): Promise<void> {
  const rate = options.churnRate ?? 800;
  const seconds = options.churnSeconds ?? 40;
  const runs: ChurnRun[] = [];
  for (let run = 0; run < options.churnRuns; run++) {
    options.log(`busy host: netscope --json under paced churn, ${rate}/s for ${seconds} s (${run + 1}/${options.churnRuns})`);
    runs.push(await pacedChurnRun(options, rate, seconds));
  }
  const label = 'netscope --json';
  const load = `paced churn ${rate}/s`;
  const rss = summarize(
    runs.map((run) => run.peakRssBytes),
    true,
  )!;
  const cpu = summarize(
    runs.map((run) => run.cpuPercent),
    true,
  )!;
  const achieved = summarize(runs.map((run) => run.rate))!;
  const rssPass = rss.best <= BUSY_TARGETS.rssBytesUnderChurn;
  const cpuPass = cpu.best <= BUSY_TARGETS.cpuPercentUnderChurn;
  rows.push({ configuration: label, figure: `peak RSS, ${load}`, value: fmt.mib(rss.best), ratio: '', spread: spreadText(rss), target: withTarget(rssPass, '≤ 200 MiB') });
  rows.push({ configuration: label, figure: `CPU, ${load}`, value: `${fmt.percent(cpu.best)} of a core`, ratio: '', spread: spreadText(cpu), target: withTarget(cpuPass, '≤ 25%') });
  rows.push({ configuration: 'churn generator', figure: 'connections/s achieved', value: fmt.perSecond(achieved.best, 'conn'), ratio: '', spread: spreadText(achieved), target: '' });
  verdicts.push({ target: `peak RSS ≤ 200 MiB under ${load} for ${seconds} s, flight recorder on`, measured: `${fmt.mib(rss.best)} (worst ${fmt.mib(rss.worst)})`, pass: rssPass });
  verdicts.push({ target: `CPU ≤ 25% of a core under ${load}`, measured: `${fmt.percent(cpu.best)} (worst ${fmt.percent(cpu.worst)})`, pass: cpuPass });

  const worstMissed = Math.max(...runs.map((run) => run.missed));
  const lost = runs.reduce((sum, run) => sum + run.lostEvents, 0);
  const wrongOwners = runs.reduce((sum, run) => sum + run.wrongOwner, 0);
  for (const [index, run] of runs.entries()) {
    rows.push({
      configuration: `${label}, run ${index + 1}`,
      figure: `churned connections counted (both ends), ${load}`,
      value: `${fmt.count(2 * run.made - run.missed)} of ${fmt.count(2 * run.made)}`,
      ratio: '',
      spread: '',
      target: withTarget(run.missed === 0, 'all'),
    });
    rows.push({ configuration: `${label}, run ${index + 1}`, figure: 'source.lostEvents', value: fmt.count(run.lostEvents), ratio: '', spread: '', target: withTarget(run.lostEvents === 0, '0') });
    notes.push(
      `${load}, run ${index + 1}: ${run.description}; generator CPU ${run.generatorCpuUsPerConnection.toFixed(1)} µs per connection; peak RSS until the flight dump ${fmt.mib(run.peakRssBeforeDumpBytes)}; ` +
        `${fmt.count(run.timeWaitAtStart)} sockets in TIME_WAIT on the host at its start`,
    );
  }
  verdicts.push({ target: `every connection counted under ${load}, owner right`, measured: `worst run missed ${fmt.count(worstMissed)}; ${fmt.count(wrongOwners)} wrong owners`, pass: worstMissed === 0 && wrongOwners === 0 });
  verdicts.push({ target: `zero lost events under ${load}`, measured: `${fmt.count(lost)} over ${runs.length} runs`, pass: lost === 0 });

  // A long run (flightWindowSeconds) outlasts the target, so even an uncapped dump decides it.
  let windowRuns = runs;
  if ((options.flightWindowSeconds ?? 0) > 0) {
    const seconds = options.flightWindowSeconds!;
    options.log(`busy host: the flight recorder's window, paced churn ${rate}/s for ${seconds} s`);
    const long = await pacedChurnRun(options, rate, seconds);
    windowRuns = [long];
    rows.push({ configuration: label, figure: `peak RSS, ${load} for ${seconds} s (the window's run), until the dump`, value: fmt.mib(long.peakRssBeforeDumpBytes), ratio: '', spread: '', target: '' });
    rows.push({ configuration: label, figure: `peak RSS, the same with its ${fmt.mib(long.flight?.bytes ?? Number.NaN)} dump written`, value: fmt.mib(long.peakRssBytes), ratio: '', spread: '', target: '' });
    rows.push({ configuration: label, figure: `CPU, ${load} for ${seconds} s (the window's run)`, value: `${fmt.percent(long.cpuPercent)} of a core`, ratio: '', spread: '', target: '' });
    rows.push({ configuration: `${label}, the window's run`, figure: `connections counted, lost events`, value: `${fmt.count(2 * long.made - long.missed)} of ${fmt.count(2 * long.made)}, ${fmt.count(long.lostEvents)} lost`, ratio: '', spread: '', target: withTarget(long.missed === 0 && long.lostEvents === 0, 'all, 0') });
  }
  const windows = windowRuns.flatMap(({ flight, capturedMs }) => (flight ? [{ flight, capturedMs }] : []));
  if (windows.length === 0) {
    rows.push({ configuration: label, figure: 'flight recorder window', value: 'no dump', ratio: '', spread: '', target: 'see problems' });
    verdicts.push({ target: `flight recorder window ≥ 5 min under ${load}`, measured: 'no dump was written', pass: null });
    return;
  }
  const capped = pushFlightWindow(load, windows, rows, verdicts);
  const { flight } = windows[0]!;
  notes.push(
    `flight recorder, ${windowRuns === runs ? 'run 1' : "the window's run"}: SIGUSR1 after the churn wrote ${fmt.mib(flight.bytes)} of NDJSON spanning ${(flight.spanMs / 1000).toFixed(1)} s (${flight.ticks} ticks, ` +
      `${fmt.count(flight.connections)} connections born in it); ${capped ? 'the cap was reached, so the window is the span itself' : 'the cap was not reached, so the window is at least the run; bin/node-runtime --expose-gc dist/bench/flight-recorder.js on a dump measures the bytes the recorder holds per connection'}`,
  );
}

export async function measureBusyHost(options: BusyHostOptions): Promise<BusyHostResult> {
  const sections: Section[] = [];
  const verdicts: Verdict[] = [];
  const problems: string[] = [];
  const attempt = async (title: string, measure: (rows: Row[], verdicts: Verdict[], notes: string[]) => Promise<void>) => {
    const rows: Row[] = [];
    const notes: string[] = [];
    try {
      await measure(rows, verdicts, notes);
    } catch (error) {
      problems.push(`${title}: ${(error as Error).message}`);
      rows.push({ configuration: 'netscope', figure: title, value: 'not measured', ratio: '', spread: '', target: (error as Error).message.slice(0, 80) });
    }
    sections.push({ title, rows, notes });
  };
  if (!existsSync(path.join(packageRoot, 'dist/src/cli.js')) || process.getuid?.() !== 0) {
    problems.push('busy host: needs root and a built netscope');
    return { sections, verdicts, problems };
  }
  if (options.openRuns > 0) {
    await attempt(`Busy host: ${fmt.count(options.openConnections ?? 20_000)} open loopback connections`, (rows, verdictsOut, notes) => measureOpen(options, rows, verdictsOut, notes));
  }
  await attempt(
    `Busy host: paced churn, ${options.churnRate ?? 800} connections/s for ${options.churnSeconds ?? 40} s, flight recorder at its default`,
    (rows, verdictsOut, notes) => measurePacedChurn(options, rows, verdictsOut, notes),
  );
  return { sections, verdicts, problems };
}
