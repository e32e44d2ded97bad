/**
 * Connection churn for the load tests. Run as a script, it is its own process with its own
 * name (process.title sets comm) so netscope attributes the connections to it: it listens on
 * loopback itself, so both ends of every connection belong to this process, then opens short
 * connections — connect, send a request, read the reply, close — with bounded concurrency until
 * the count or the time runs out, whichever comes first.
 *
 *   churn --title NAME --connections N --seconds S [--concurrency C] [--rate PER_SECOND]
 *         [--progress-ms MS]
 *
 * The server writes its reply and closes first, so TIME_WAIT stays on the server side (no
 * ephemeral ports held) and each end has a state change in process context that names its owner.
 *
 * Prints JSON lines: `{"event":"listening","port":…}` once, `{"event":"progress",…}` every MS if
 * asked, and last `{"event":"done","made":…,"completed":…,"failed":…,"seconds":…}`.
 *
 * Imported, it gives the launcher (`startChurn`) and the RSS probe the load tests share.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** Where the churn process's server listens. */
export interface ChurnListening {
  event: 'listening';
  port: number;
  pid: number;
}

/** A running tally, printed every `--progress-ms`. */
export interface ChurnProgress {
  event: 'progress';
  made: number;
  /** Since the first connect, s. */
  seconds: number;
}

/** What the churn process reports when it is done (its last line). */
export interface ChurnResult {
  event: 'done';
  /**
   * Connections whose connect succeeded: both ends then existed in the kernel, whatever
   * happened to them after.
   */
  made: number;
  /** Of those, the ones that exchanged request and reply and closed without error. */
  completed: number;
  /** Connects that failed (never counted in `made`). */
  failed: number;
  /** From the first connect to the last close, s. */
  seconds: number;
  /**
   * The generator's own CPU over the whole run, s (process.cpuUsage): system time includes the
   * eBPF programs that run in its context on connect, close and every state change.
   */
  userCpuSeconds: number;
  systemCpuSeconds: number;
}

type ChurnMessage = ChurnListening | ChurnProgress | ChurnResult;

export interface ChurnOptions {
  /** Process name (comm, at most 15 bytes). Default `ns-churn`. */
  title?: string;
  /** Most connections to make. */
  connections: number;
  /** Most time to spend starting connections, s. */
  seconds: number;
  /** Connections in flight at once. Default 32. */
  concurrency?: number;
  /** Connections started per second at most; 0 (the default) = as fast as the concurrency allows. */
  rate?: number;
  /** Print a progress line this often, ms; 0 (the default) = never. */
  progressMs?: number;
}

export interface ChurnRun {
  child: ChildProcess;
  pid: number;
  /** Resolves once the server listens. */
  listening: Promise<ChurnListening>;
  /** The latest progress line (null before the first). */
  latestProgress(): ChurnProgress | null;
  /** Resolves with the final tally; rejects if the process ends without one. */
  done: Promise<ChurnResult>;
  /** Kills it (for clean-up after a failure; a normal run exits by itself). */
  stop(): void;
}

const REQUEST = Buffer.from('ping\n');
const REPLY = Buffer.from('pong\n');
const HOST = '127.0.0.1';
/** A connection that has not closed by then is destroyed (counted as made, not completed). */
const CONNECTION_TIMEOUT_MS = 5_000;
/** Past the time limit, in-flight connections get this long before the process exits anyway. */
const DRAIN_GRACE_MS = 10_000;

const scriptPath = fileURLToPath(import.meta.url);

/** Starts the churn process under this Node. */
export function startChurn(options: ChurnOptions): ChurnRun {
  const args = [
    scriptPath,
    '--title', options.title ?? 'ns-churn',
    '--connections', String(options.connections),
    '--seconds', String(options.seconds),
    '--concurrency', String(options.concurrency ?? 32),
    '--rate', String(options.rate ?? 0),
    '--progress-ms', String(options.progressMs ?? 0),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let progress: ChurnProgress | null = null;
  let result: ChurnResult | null = null;
  let onListening: (message: ChurnListening) => void = () => undefined;
  const listening = new Promise<ChurnListening>((resolve) => (onListening = resolve));
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as ChurnMessage;
    if (message.event === 'listening') onListening(message);
    else if (message.event === 'progress') progress = message;
    else result = message;
  });
  const done = new Promise<ChurnResult>((resolve, reject) =>
    child.once('close', (code, signal) => {
      if (code === 0 && result !== null) resolve(result);
      else reject(new Error(`churn exited ${code ?? signal} without a result: ${stderr.trim()}`));
    }),
  );
  // A process that dies before listening must not leave `listening` pending forever.
  const listeningOrDied = Promise.race([listening, done.then(() => Promise.reject(new Error('churn ended before listening')))]);
  return {
    child,
    pid: child.pid!,
    listening: listeningOrDied,
    latestProgress: () => progress,
    done,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** A process's memory as /proc/PID/status shows it, bytes. */
export interface ProcessMemory {
  /** VmRSS: resident now. */
  rssBytes: number;
  /** VmHWM: the most it has ever been resident (catches peaks between samples). */
  peakRssBytes: number;
}

/** Reads a process's resident memory; null once it is gone. */
export function readProcessMemory(pid: number): ProcessMemory | null {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const kibOf = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? Number.NaN);
  const rssKib = kibOf('VmRSS');
  const peakKib = kibOf('VmHWM');
  if (Number.isNaN(rssKib) || Number.isNaN(peakKib)) return null;
  return { rssBytes: rssKib * 1024, peakRssBytes: peakKib * 1024 };
}

/** One reading of a process's memory, `atMs` from the sampler's start. */
export interface MemorySample extends ProcessMemory {
  atMs: number;
}

/**
 * Reads `pid`'s memory now and every `intervalMs` until stopped or the process is gone;
 * `onSample` sees each reading as it is taken.
 */
export function sampleMemory(
  pid: number,
  intervalMs: number,
  onSample: (sample: MemorySample) => void = () => undefined,
): { samples: MemorySample[]; stop: () => void } {
  const startedAtMs = performance.now();
  const samples: MemorySample[] = [];
  const take = () => {
    const memory = readProcessMemory(pid);
    if (memory === null) return clearInterval(timer);
    const sample = { atMs: Math.round(performance.now() - startedAtMs), ...memory };
    samples.push(sample);
    onSample(sample);
  };
  const timer = setInterval(take, intervalMs);
  take();
  return { samples, stop: () => clearInterval(timer) };
}

function say(message: ChurnMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function startServer(): Promise<net.Server> {
  const server = net.createServer((socket) => {
    let received = 0;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received >= REQUEST.length) socket.end(REPLY);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: HOST, port: 0, backlog: 1024 }, () => resolve(server));
  });
}

interface Tally {
  made: number;
  completed: number;
  failed: number;
}

/** One short connection; settles once it has closed, however it ended. */
function oneConnection(port: number, tally: Tally): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    let connected = false;
    let received = 0;
    let errored = false;
    socket.setTimeout(CONNECTION_TIMEOUT_MS, () => socket.destroy(new Error('churn connection timed out')));
    socket.once('connect', () => {
      connected = true;
      tally.made++;
      socket.write(REQUEST);
    });
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.on('error', () => (errored = true));
    socket.once('close', () => {
      if (!connected) tally.failed++;
      else if (!errored && received === REPLY.length) tally.completed++;
      resolve();
    });
  });
}

function numberArgument(name: string, text: string | undefined, minimum: number): number {
  const value = Number(text);
  if (text === undefined || !Number.isFinite(value) || value < minimum) {
    throw new Error(`churn: --${name} needs a number of at least ${minimum} (got ${String(text)})`);
  }
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      title: { type: 'string', default: 'ns-churn' },
      connections: { type: 'string' },
      seconds: { type: 'string' },
      concurrency: { type: 'string', default: '32' },
      rate: { type: 'string', default: '0' },
      'progress-ms': { type: 'string', default: '0' },
    },
  });
  process.title = values.title;
  const maxConnections = numberArgument('connections', values.connections, 1);
  const maxSeconds = numberArgument('seconds', values.seconds, 0.001);
  const concurrency = numberArgument('concurrency', values.concurrency, 1);
  const rate = numberArgument('rate', values.rate, 0);
  const progressMs = numberArgument('progress-ms', values['progress-ms'], 0);

  // Whatever happens, the process ends: the time limit plus a grace for the last connections.
  const hardStop = setTimeout(() => {
    process.stderr.write(`churn: connections still open ${DRAIN_GRACE_MS} ms past the time limit; exiting\n`);
    process.exit(1);
  }, maxSeconds * 1000 + DRAIN_GRACE_MS);

  const server = await startServer();
  const port = (server.address() as net.AddressInfo).port;
  say({ event: 'listening', port, pid: process.pid });

  const tally: Tally = { made: 0, completed: 0, failed: 0 };
  const startedAtMs = performance.now();
  const deadlineMs = startedAtMs + maxSeconds * 1000;
  const elapsedSeconds = () => Math.round(performance.now() - startedAtMs) / 1000;
  let started = 0;
  const mayStart = () => started < maxConnections && performance.now() < deadlineMs;

  async function worker(): Promise<void> {
    while (mayStart()) {
      if (rate > 0) {
        const waitMs = startedAtMs + (started / rate) * 1000 - performance.now();
        if (waitMs > 0) await sleep(waitMs);
        if (!mayStart()) return;
      }
      started++;
      await oneConnection(port, tally);
    }
  }

  const progress = progressMs > 0 ? setInterval(() => say({ event: 'progress', made: tally.made, seconds: elapsedSeconds() }), progressMs) : null;
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  const seconds = elapsedSeconds();
  if (progress) clearInterval(progress);
  await new Promise((resolve) => server.close(resolve));
  clearTimeout(hardStop);
  const cpu = process.cpuUsage();
  say({ event: 'done', ...tally, seconds, userCpuSeconds: cpu.user / 1e6, systemCpuSeconds: cpu.system / 1e6 });
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === scriptPath) await main();
