/**
 * What the UDP packet program (bpf/udp_flows.bpf.c) costs the host's traffic: loopback
 * throughput under each configuration, as a ratio to none measured in the same round.
 *
 *   bin/node-runtime dist/bench/udp-flows.js [--rounds N] [--seconds S] [--seed N] [--no-pin] [--no-run-time]
 *                                            [--only ID,…]   (ids: udp-program netscope nethogs iftop; none always runs)
 *
 * Configurations: none, twice (the second is the noise floor: none against itself); the packet
 * program alone (bench/udp-program-holder.ts: attached to the root cgroup v2 both ways, its map
 * read once a second); netscope --json (everything, the packet program included); nethogs;
 * iftop — the last two count UDP too. Loads: iperf3 TCP at 1 KiB and 128 KiB writes (a TCP
 * packet leaves the program after one byte is read), and iperf3 UDP at full speed, 1400-byte
 * datagrams (each one counted), the receiver's goodput. Every round runs each configuration
 * once, 2 s after it started (the first moments of a monitor are its start-up, not its steady
 * cost), in an order shuffled anew each round (seeded: --seed repeats it), so no configuration
 * always follows the same one. With two CPUs or more the iperf3 server runs on CPU 0 and the
 * client on CPU 1 (taskset), which takes the scheduler's placement out of the spread. Each
 * figure is a median over the rounds with its quartiles; ratios are each round's own, to that
 * round's none.
 *
 * Then (unless --no-run-time) the packet program's own run time per packet as the kernel
 * measures it: BPF_ENABLE_STATS held for that part only (it adds two clock reads to every BPF
 * program run on the host, so the throughput rounds run without it), run_time_ns and run_cnt
 * of both programs read before and after each load.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/probes/package-paths.js';
import { configurations, stopEverything, type Configuration, type RunningMonitor } from './configurations.js';
import { runIperf, startIperfServer } from './host-load.js';
import { seededRandom } from '../test/support/seeded-random.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '3' },
    seed: { type: 'string' },
    pin: { type: 'boolean', default: true },
    'run-time': { type: 'boolean', default: true },
    only: { type: 'string' },
  },
  allowNegative: true,
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const SEED = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const PINNED = values.pin && os.availableParallelism() >= 2;
const SERVER_CPU = PINNED ? 0 : undefined;
const CLIENT_CPU = PINNED ? 1 : undefined;
const UDP_DATAGRAM_BYTES = 1400;
/** After a monitor starts (netscope's first pass reads every process), before the first load: steady state is measured. */
const SETTLE_MS = 2000;

const holderScript = path.join(packageRoot, 'dist/bench/udp-program-holder.js');

const packetProgramAlone: Configuration = {
  id: 'udp-program',
  label: 'packet program alone',
  command: `node ${path.relative(packageRoot, holderScript)}`,
  unavailable: () => null,
  async start(): Promise<RunningMonitor> {
    const child = spawn(process.execPath, [holderScript], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = readline.createInterface({ input: child.stdout! });
    await new Promise<void>((resolve, reject) => {
      lines.once('line', () => resolve());
      child.once('exit', (code) => reject(new Error(`the packet program holder exited ${code}`)));
    });
    return {
      pid: child.pid!,
      alive: () => child.exitCode === null && child.signalCode === null,
      async stop() {
        const closed = new Promise((resolve) => child.once('close', resolve));
        child.kill('SIGTERM');
        await closed;
        return { peakRssBytes: null };
      },
    };
  },
};

interface IperfJson {
  error?: string;
  end?: { sum_received?: { bits_per_second: number; lost_percent?: number } };
}

/** `iperf3 -u -b 0 -l 1400 -t SECONDS`: the receiver's goodput, bits/s, and the share lost. */
async function runIperfUdp(port: number, seconds: number): Promise<{ bitsPerSecond: number; lostPercent: number }> {
  const iperf = ['iperf3', '-c', '127.0.0.1', '-p', String(port), '-u', '-b', '0', '-l', String(UDP_DATAGRAM_BYTES), '-t', String(seconds), '-J'];
  const [program, args] = CLIENT_CPU === undefined ? [iperf[0]!, iperf.slice(1)] : ['taskset', ['-c', String(CLIENT_CPU), ...iperf]];
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const stdout = await new Promise<string>((resolve) =>
      execFile(program, args, { timeout: (seconds + 20) * 1000, maxBuffer: 16 * 1024 * 1024 }, (_error, out) => resolve(out)),
    );
    try {
      const result = JSON.parse(stdout) as IperfJson;
      const received = result.end?.sum_received;
      if (!result.error && received && received.bits_per_second > 0) {
        return { bitsPerSecond: received.bits_per_second, lostPercent: received.lost_percent ?? 0 };
      }
      lastError = result.error ?? 'no receiver summary';
    } catch {
      lastError = 'no JSON output';
    }
    await sleep(500);
  }
  throw new Error(`iperf3 -u: ${lastError}`);
}

const LOADS = ['tcp-1K', 'tcp-128K', 'udp'] as const;
type Load = (typeof LOADS)[number];
const LOAD_TITLES: Record<Load, string> = {
  'tcp-1K': `TCP, iperf3 -c 127.0.0.1 -l 1K -t ${SECONDS}`,
  'tcp-128K': `TCP, iperf3 -c 127.0.0.1 -l 128K -t ${SECONDS}`,
  udp: `UDP, iperf3 -c 127.0.0.1 -u -b 0 -l ${UDP_DATAGRAM_BYTES} -t ${SECONDS} (receiver's goodput)`,
};

/** The value at fraction `at` (0–1) of the sorted values, interpolated between neighbours. */
function quantile(values: readonly number[], at: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * at;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return (sorted[below] as number) + ((sorted[above] as number) - (sorted[below] as number)) * (position - below);
}


function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const result = [...items];
  for (let index = result.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [result[index], result[other]] = [result[other]!, result[index]!];
  }
  return result;
}

async function runLoad(load: Load, port: number): Promise<{ bitsPerSecond: number; lostPercent: number }> {
  if (load === 'udp') return runIperfUdp(port, SECONDS);
  return { bitsPerSecond: await runIperf(port, load === 'tcp-1K' ? '1K' : '128K', SECONDS, CLIENT_CPU), lostPercent: 0 };
}

interface ProgramRunStats {
  name: string;
  runs: number;
  runTimeNs: number;
}

/** run_cnt and run_time_ns of the programs `pid` holds (through a program or link fd), from bpftool. */
function heldProgramStats(pid: number): ProgramRunStats[] {
  const heldIds = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    const match = /^prog_id:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
    if (match) heldIds.add(Number(match[1]));
  }
  const programs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' })) as {
    id: number;
    name?: string;
    run_cnt?: number;
    run_time_ns?: number;
  }[];
  return programs
    .filter((program) => heldIds.has(program.id))
    .map((program) => ({ name: program.name ?? String(program.id), runs: program.run_cnt ?? 0, runTimeNs: program.run_time_ns ?? 0 }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Holds BPF_ENABLE_STATS (bpf(2) command 32, BPF_STATS_RUN_TIME) open in a small python3 child:
 * the kernel times every BPF program while the fd is open, and stops when the child exits.
 */
async function holdRunTimeStats(): Promise<() => Promise<void>> {
  const script = [
    'import ctypes, os, sys',
    'libc = ctypes.CDLL(None, use_errno=True)',
    'attr = ctypes.create_string_buffer(8)',
    'fd = libc.syscall(321, 32, attr, 8)',
    'sys.exit(f"BPF_ENABLE_STATS: {os.strerror(ctypes.get_errno())}") if fd < 0 else None',
    'print("enabled", flush=True)',
    'sys.stdin.read()',
  ].join('\n');
  const child = spawn('python3', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    lines.once('line', () => resolve());
    child.once('exit', (code) => reject(new Error(`the BPF_ENABLE_STATS holder exited ${code}`)));
  });
  return async () => {
    const closed = new Promise((resolve) => child.once('close', resolve));
    child.stdin!.end();
    await closed;
  };
}

/** Each program's run time per run (per packet) under each load, the packet program alone attached. */
async function measureRunTime(port: number): Promise<void> {
  const monitor = await packetProgramAlone.start();
  let release: (() => Promise<void>) | null = null;
  try {
    release = await holdRunTimeStats();
    console.log('\nThe packet program\'s own run time, as the kernel measures it (BPF_ENABLE_STATS), alone attached');
    console.log('| load | program | runs | ns per run |');
    console.log('|---|---|---:|---:|');
    for (const load of LOADS) {
      const before = heldProgramStats(monitor.pid!);
      await runLoad(load, port);
      const after = heldProgramStats(monitor.pid!);
      for (const program of after) {
        const earlier = before.find((candidate) => candidate.name === program.name);
        const runs = program.runs - (earlier?.runs ?? 0);
        const nanoseconds = program.runTimeNs - (earlier?.runTimeNs ?? 0);
        console.log(`| ${load} | ${program.name} | ${runs} | ${runs === 0 ? '-' : (nanoseconds / runs).toFixed(0)} |`);
      }
    }
  } finally {
    await release?.();
    await monitor.stop();
  }
}

const gbit = (bitsPerSecond: number) => (bitsPerSecond / 1e9).toFixed(2);

async function main(): Promise<void> {
  const peers = configurations.filter((configuration) => ['none', 'netscope', 'nethogs', 'iftop'].includes(configuration.id));
  const none = peers[0]!;
  // None measured twice a round, apart: how far two identical configurations land from each other.
  const noneAgain: Configuration = { ...none, id: 'none-again', label: 'none, again (noise floor)' };
  const only = values.only === undefined ? null : new Set(['none', 'none-again', ...values.only.split(',')]);
  const chosen = [none, noneAgain, packetProgramAlone, ...peers.slice(1)].filter((configuration) => {
    if (only !== null && !only.has(configuration.id)) return false;
    const why = configuration.unavailable();
    if (why !== null) console.log(`not measured: ${configuration.label} — ${why}`);
    return why === null;
  });
  console.log(
    `rounds ${ROUNDS}, ${SECONDS} s a load, seed ${SEED}, ${PINNED ? `iperf3 server on CPU ${SERVER_CPU}, client on CPU ${CLIENT_CPU}` : 'iperf3 not pinned'}; load at start:${os.loadavg().map((load) => ` ${load.toFixed(2)}`).join('')}`,
  );
  const random = seededRandom(SEED);
  // Per configuration and load, one value per round (null: that session could not run).
  const results = new Map<string, Map<Load, (number | null)[]>>(chosen.map((configuration) => [configuration.id, new Map(LOADS.map((load) => [load, []]))]));
  const udpLoss = new Map<string, number[]>(chosen.map((configuration) => [configuration.id, []]));
  const server = await startIperfServer(SERVER_CPU);
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = shuffled(chosen, random);
      for (const configuration of order) {
        for (const load of LOADS) results.get(configuration.id)!.get(load)![round] = null;
        let monitor: RunningMonitor;
        try {
          monitor = await configuration.start();
        } catch (error) {
          console.log(`round ${round + 1}/${ROUNDS}: ${configuration.label} did not start: ${(error as Error).message}`);
          continue;
        }
        try {
          await sleep(SETTLE_MS);
          for (const load of LOADS) {
            const value = await runLoad(load, server.port);
            results.get(configuration.id)!.get(load)![round] = value.bitsPerSecond;
            if (load === 'udp') udpLoss.get(configuration.id)!.push(value.lostPercent);
          }
          if (!monitor.alive()) throw new Error(`${configuration.label} died during the round`);
        } finally {
          await monitor.stop();
        }
      }
      console.log(`round ${round + 1}/${ROUNDS} done (${order.map((configuration) => configuration.id).join(', ')}); load${os.loadavg().map((load) => ` ${load.toFixed(2)}`).join('')}`);
    }
    if (values['run-time']) await measureRunTime(server.port);
  } finally {
    await server.stop();
    stopEverything();
  }
  console.log(`\nload at the end:${os.loadavg().map((load) => ` ${load.toFixed(2)}`).join('')}`);
  for (const load of LOADS) {
    console.log(`\n${LOAD_TITLES[load]} — each round's ratio to that round's none: median, quartiles (Q1–Q3), range`);
    console.log('| configuration | throughput median (Q1–Q3) | ratio median | ratio Q1–Q3 | ratio min–max | rounds |');
    console.log('|---|---:|---:|---:|---:|---:|');
    const baseline = results.get('none')!.get(load)!;
    for (const configuration of chosen) {
      const byRound = results.get(configuration.id)!.get(load)!;
      const runs = byRound.filter((value): value is number => value !== null);
      if (runs.length === 0) {
        console.log(`| ${configuration.label} | not measured | | | | 0 |`);
        continue;
      }
      // Each round's own ratio to that round's none: rounds differ more than configurations do.
      const ratios = byRound.flatMap((value, round) => (value === null || baseline[round] == null ? [] : [value / (baseline[round] as number)]));
      const loss = load === 'udp' ? ` (lost ${quantile(udpLoss.get(configuration.id)!, 0.5).toFixed(1)}%)` : '';
      const throughput = `${gbit(quantile(runs, 0.5))} Gbit/s (${gbit(quantile(runs, 0.25))}–${gbit(quantile(runs, 0.75))})${loss}`;
      const ratioCells =
        ratios.length === 0
          ? '- | - | -'
          : `${quantile(ratios, 0.5).toFixed(3)} | ${quantile(ratios, 0.25).toFixed(3)}–${quantile(ratios, 0.75).toFixed(3)} | ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
      console.log(`| ${configuration.label} | ${throughput} | ${ratioCells} | ${runs.length} |`);
    }
  }
}

process.once('SIGINT', () => {
  stopEverything();
  process.exit(130);
});
await main();
