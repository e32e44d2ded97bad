/**
 * The loads the host-overhead benchmark measures under each monitor, all on loopback and all
 * bounded in time: iperf3 throughput (server started and stopped here) and connection churn
 * (test/support/churn.ts, no rate limit).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startChurn, type ChurnResult } from '../test/support/churn.js';

export const CHURN_TITLE = 'ns-bench-churn';
/** Connections in flight at once for the churn (the generator's default). */
export const CHURN_CONCURRENCY = 32;

/** A free loopback TCP port (bound and released at once). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface IperfServer {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `taskset -c CPU COMMAND…` when a CPU is given (the iperf3 ends each on their own core), else the command. */
function onCpu(cpu: number | undefined, command: string[]): [string, string[]] {
  return cpu === undefined ? [command[0]!, command.slice(1)] : ['taskset', ['-c', String(cpu), ...command]];
}

/** `iperf3 -s` on 127.0.0.1, for the whole benchmark; pinned to `cpu` when given. */
export async function startIperfServer(cpu?: number): Promise<IperfServer> {
  const port = await freePort();
  const [program, args] = onCpu(cpu, ['iperf3', '-s', '-B', '127.0.0.1', '-p', String(port), '--forceflush']);
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output.length < 4096 ? (output += chunk.toString()) : undefined));
  child.stderr!.on('data', (chunk: Buffer) => (output.length < 4096 ? (output += chunk.toString()) : undefined));
  const deadline = Date.now() + 10_000;
  while (!output.includes('Server listening')) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`iperf3 -s exited at start: ${output.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`iperf3 -s did not listen within 10 s: ${output.trim()}`);
    }
    await sleep(20);
  }
  return {
    port,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const closed = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGTERM');
      const outcome = await Promise.race([closed, sleep(5_000, 'timeout', { ref: false })]);
      if (outcome === 'timeout') {
        child.kill('SIGKILL');
        await closed;
      }
    },
  };
}

interface IperfJson {
  error?: string;
  end?: { sum_received?: { bits_per_second: number; seconds: number } };
}

/**
 * `iperf3 -c 127.0.0.1 -l LENGTH -t SECONDS` against the bench's server (pinned to `cpu` when
 * given); the receiver's rate, bits/s. Retried once if the server is still busy with the previous test.
 */
export async function runIperf(port: number, length: '1K' | '128K', seconds: number, cpu?: number): Promise<number> {
  const [program, args] = onCpu(cpu, ['iperf3', '-c', '127.0.0.1', '-p', String(port), '-l', length, '-t', String(seconds), '-J']);
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const { stdout, error } = await new Promise<{ stdout: string; error: Error | null }>((resolve) =>
      execFile(program, args, { timeout: (seconds + 20) * 1000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout) => resolve({ stdout, error })),
    );
    try {
      const result = JSON.parse(stdout) as IperfJson;
      const received = result.end?.sum_received;
      if (!result.error && received && received.bits_per_second > 0) return received.bits_per_second;
      lastError = result.error ?? 'no receiver summary';
    } catch {
      lastError = error?.message ?? 'no JSON output';
    }
    await sleep(500);
  }
  throw new Error(`iperf3 -l ${length}: ${lastError}`);
}

export interface ChurnOutcome extends ChurnResult {
  /** The generator's server port (both ends of each of its connections carry it) and pid. */
  port: number;
  pid: number;
  /** Connections made per second. */
  rate: number;
}

/**
 * Churn for `seconds`: connect → one small request/reply → close, 32 in flight, with no rate
 * limit unless `ratePerSecond` is given. `onStart` runs once the generator listens (right before
 * its first connect), so the caller's measurement window matches the churn's.
 */
export async function runChurn(seconds: number, onStart: () => void = () => undefined, ratePerSecond = 0): Promise<ChurnOutcome> {
  const run = startChurn({
    title: CHURN_TITLE,
    connections: 100_000_000,
    seconds,
    concurrency: CHURN_CONCURRENCY,
    rate: ratePerSecond,
  });
  try {
    const listening = await run.listening;
    onStart();
    const result = await run.done;
    return { ...result, port: listening.port, pid: listening.pid, rate: result.made / result.seconds };
  } finally {
    run.stop();
  }
}
