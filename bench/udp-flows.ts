/**
 * What the UDP packet program (bpf/udp_flows.bpf.c) costs the host's traffic: loopback
 * throughput under each configuration, as a ratio to none measured in the same run.
 *
 *   bin/node-runtime dist/bench/udp-flows.js [--rounds N] [--seconds S]
 *
 * Configurations: none; the packet program alone (bench/udp-program-holder.ts: attached to the
 * root cgroup v2 both ways, its map read once a second); netscope --json (everything, the
 * packet program included); nethogs; iftop — the last two count UDP too. Loads: iperf3 TCP at
 * 1 KiB and 128 KiB writes (a TCP packet leaves the program after one byte is read), and iperf3
 * UDP at full speed, 1400-byte datagrams (each one counted), the receiver's goodput. Every round
 * runs each configuration once, in an order that rotates each round; each figure is the median
 * of the rounds, with its spread (worst to best, over the median).
 */
import { spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/probes/package-paths.js';
import { configurations, stopEverything, type Configuration, type RunningMonitor } from './configurations.js';
import { runIperf, startIperfServer } from './host-load.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '3' },
  },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const UDP_DATAGRAM_BYTES = 1400;

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
  const args = ['-c', '127.0.0.1', '-p', String(port), '-u', '-b', '0', '-l', String(UDP_DATAGRAM_BYTES), '-t', String(seconds), '-J'];
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const stdout = await new Promise<string>((resolve) =>
      execFile('iperf3', args, { timeout: (seconds + 20) * 1000, maxBuffer: 16 * 1024 * 1024 }, (_error, out) => resolve(out)),
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function main(): Promise<void> {
  const peers = configurations.filter((configuration) => ['none', 'netscope', 'nethogs', 'iftop'].includes(configuration.id));
  const chosen = [peers[0]!, packetProgramAlone, ...peers.slice(1)].filter((configuration) => {
    const why = configuration.unavailable();
    if (why !== null) console.log(`not measured: ${configuration.label} — ${why}`);
    return why === null;
  });
  // Per configuration and load, one value per round (null: that session could not run).
  const results = new Map<string, Map<Load, (number | null)[]>>(chosen.map((configuration) => [configuration.id, new Map(LOADS.map((load) => [load, []]))]));
  const udpLoss = new Map<string, number[]>(chosen.map((configuration) => [configuration.id, []]));
  const server = await startIperfServer();
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const order = chosen.map((_, index) => chosen[(index + round) % chosen.length]!);
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
          for (const load of LOADS) {
            const value =
              load === 'udp' ? await runIperfUdp(server.port, SECONDS) : { bitsPerSecond: await runIperf(server.port, load === 'tcp-1K' ? '1K' : '128K', SECONDS), lostPercent: 0 };
            results.get(configuration.id)!.get(load)![round] = value.bitsPerSecond;
            if (load === 'udp') udpLoss.get(configuration.id)!.push(value.lostPercent);
          }
          if (!monitor.alive()) throw new Error(`${configuration.label} died during the round`);
        } finally {
          await monitor.stop();
        }
        console.log(`round ${round + 1}/${ROUNDS}: ${configuration.label} done`);
      }
    }
  } finally {
    await server.stop();
    stopEverything();
  }
  for (const load of LOADS) {
    console.log(`\n${LOAD_TITLES[load]} — ratio to none (median of the rounds; spread = (max − min) / median)`);
    console.log('| configuration | throughput (median) | ratio | per-round ratios (min–max) | spread | rounds |');
    console.log('|---|---:|---:|---|---:|---:|');
    const baseline = results.get('none')!.get(load)!;
    const baselineMedian = median(baseline.filter((value): value is number => value !== null));
    for (const configuration of chosen) {
      const byRound = results.get(configuration.id)!.get(load)!;
      const runs = byRound.filter((value): value is number => value !== null);
      if (runs.length === 0) {
        console.log(`| ${configuration.label} | not measured | | | | 0 |`);
        continue;
      }
      const middle = median(runs);
      // Each round's own ratio to that round's none: rounds differ more than configurations do.
      const ratios = byRound.flatMap((value, round) => (value === null || baseline[round] == null ? [] : [value / (baseline[round] as number)]));
      const spread = (Math.max(...runs) - Math.min(...runs)) / middle;
      const loss = load === 'udp' ? ` (lost ${median(udpLoss.get(configuration.id)!).toFixed(1)}%)` : '';
      const range = ratios.length === 0 ? '-' : `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
      console.log(
        `| ${configuration.label} | ${(middle / 1e9).toFixed(2)} Gbit/s${loss} | ${(middle / baselineMedian).toFixed(3)} | ${range} | ${(spread * 100).toFixed(0)}% | ${runs.length} |`,
      );
    }
  }
}

process.once('SIGINT', () => {
  stopEverything();
  process.exit(130);
});
await main();
