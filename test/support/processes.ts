/** Child processes for the kernel tests: loopback peers with their own names, and netscope itself. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { packageRoot } from '../../src/probes/package-paths.js';
import { statFields } from './proc-stat.js';

export interface PeerMessage {
  pid: number;
  event: string;
  [field: string]: unknown;
}

export interface Peer {
  child: ChildProcess;
  pid: number;
  /** Resolves with the first message of this event (messages already seen count). */
  next(event: string, timeoutMs?: number): Promise<PeerMessage>;
  /** Every message of this event so far. */
  all(event: string): PeerMessage[];
  send(line: string): void;
  stop(): void;
}

const peerScript = path.join(packageRoot, 'dist/test/support/peer.js');
const udpPeerScript = path.join(packageRoot, 'dist/test/support/udp-peer.js');

/** Starts `peer MODE TITLE ARGS…` (see peer.ts) under this Node. */
export function startPeer(mode: string, title: string, ...args: (string | number)[]): Peer {
  return startPeerVia([], mode, title, ...args);
}

/**
 * Starts the peer through a wrapper that ends by exec'ing it, so the pid stays the peer's:
 * `['ip', 'netns', 'exec', NAME]` runs it in a network namespace.
 */
export function startPeerVia(wrapper: string[], mode: string, title: string, ...args: (string | number)[]): Peer {
  return startProgram([...wrapper, process.execPath, peerScript], mode, title, ...args);
}

/** Starts `udp-peer MODE TITLE ARGS…` (see udp-peer.ts) under this Node. */
export function startUdpPeer(mode: string, title: string, ...args: (string | number)[]): Peer {
  return startProgram([process.execPath, udpPeerScript], mode, title, ...args);
}

/** Starts `COMMAND… MODE TITLE ARGS…`, a program that speaks as peer.ts does (one JSON line per milestone). */
export function startProgram(program: string[], mode: string, title: string, ...args: (string | number)[]): Peer {
  const command = [...program, mode, title, ...args.map(String)];
  const child = spawn(command[0] as string, command.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
  const seen: PeerMessage[] = [];
  const waiters: { event: string; resolve: (message: PeerMessage) => void }[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as PeerMessage;
    seen.push(message);
    for (const waiter of waiters.filter((candidate) => candidate.event === message.event)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    }
  });
  return {
    child,
    pid: child.pid!,
    next(event, timeoutMs = 20_000) {
      const already = seen.find((message) => message.event === event);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`peer ${title} never said ${event}`)), timeoutMs);
        waiters.push({ event, resolve: (message) => (clearTimeout(timer), resolve(message)) });
      });
    },
    all(event) {
      return seen.filter((message) => message.event === event);
    },
    send(line) {
      child.stdin!.write(`${line}\n`);
    },
    stop() {
      child.kill('SIGKILL');
    },
  };
}

export interface NetscopeExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface NetscopeRun {
  child: ChildProcess;
  /** Resolves when it exits, with everything it printed. */
  done: Promise<NetscopeExit>;
  /**
   * Sends `signal` and resolves as `done` does; a netscope still running 30 s later is killed and
   * the test fails saying so, with what it printed on stderr.
   */
  stop(signal?: NodeJS.Signals): Promise<NetscopeExit>;
}

/** Long enough for a last tick, the observers' close and the probes' release on a loaded host. */
const STOP_DEADLINE_MS = 30_000;

export function runNetscope(args: string[], options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number } = {}): NetscopeRun {
  const child = spawn(path.join(packageRoot, 'bin/netscope'), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
    // As another user, libuv also drops the supplementary groups; leaving root drops every capability.
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<NetscopeExit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  const stop = async (signal: NodeJS.Signals = 'SIGINT') => {
    child.kill(signal);
    let deadline: NodeJS.Timeout | undefined;
    const overdue = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`netscope (pid ${child.pid}) did not exit within ${STOP_DEADLINE_MS / 1000} s of ${signal}; its stderr: ${stderr}`));
      }, STOP_DEADLINE_MS);
    });
    try {
      return await Promise.race([done, overdue]);
    } finally {
      clearTimeout(deadline);
    }
  };
  return { child, done, stop };
}

/** Sends SIGUSR1 (write the flight recorder) and waits up to 10 s for the line netscope says about it. */
export async function requestFlightDump(child: ChildProcess): Promise<void> {
  let said = '';
  const listen = (chunk: Buffer) => (said += chunk.toString());
  child.stderr!.on('data', listen);
  child.kill('SIGUSR1');
  const deadline = Date.now() + 10_000;
  while (!said.includes('\n') && Date.now() < deadline) await sleep(50);
  child.stderr!.off('data', listen);
}

interface BpftoolProgram {
  id: number;
  name?: string;
}

/** Every BPF program loaded in the kernel, as bpftool lists them (independent of netscope). */
export function loadedBpfPrograms(): BpftoolProgram[] {
  return JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' })) as BpftoolProgram[];
}

/** Names of the BPF programs `pid` holds through a program or link fd (read from /proc/PID/fdinfo). */
export function bpfProgramsOf(pid: number): string[] {
  const heldIds = new Set<number>();
  const fdinfo = `/proc/${pid}/fdinfo`;
  for (const fd of readdirSync(fdinfo)) {
    let text: string;
    try {
      text = readFileSync(path.join(fdinfo, fd), 'utf8');
    } catch {
      continue;
    }
    const match = /^prog_id:\s*(\d+)$/m.exec(text);
    if (match) heldIds.add(Number(match[1]));
  }
  return loadedBpfPrograms()
    .filter((program) => heldIds.has(program.id))
    .map((program) => program.name ?? String(program.id));
}

/** The tracepoint programs (`handle_*`) and the UDP packet programs (`netscope_udp_rx`, `netscope_udp_tx`). */
function isNetscopeProgram(program: BpftoolProgram): boolean {
  const name = program.name ?? '';
  return name.startsWith('handle_') || name.startsWith('netscope_udp_');
}

/**
 * Netscope programs already loaded when this test file started (each file runs in its own
 * process): another netscope on the machine is not this file's leftover.
 */
const programsBeforeThisFile = new Set(loadedBpfPrograms().filter(isNetscopeProgram).map((program) => program.id));

/** Programs named like netscope's loaded since this test file started, whoever holds them. */
export function leftoverNetscopePrograms(): string[] {
  return loadedBpfPrograms()
    .filter((program) => isNetscopeProgram(program) && !programsBeforeThisFile.has(program.id))
    .map((program) => program.name ?? String(program.id));
}

/**
 * Netscope's programs still loaded after the kernel had `timeoutMs` to free them: a program
 * is freed asynchronously (after an RCU grace period) once its last fd closes.
 */
export async function programsLeftAfter(timeoutMs = 3000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let leftover = leftoverNetscopePrograms();
  while (leftover.length > 0 && Date.now() < deadline) {
    await sleep(50);
    leftover = leftoverNetscopePrograms();
  }
  return leftover;
}

/** Waits until the process has its probes loaded (the launcher execs node, so the pid is netscope's). */
export async function waitForProbes(pid: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (bpfProgramsOf(pid).length >= 5) return;
    } catch {
      // not started yet, or already gone: the deadline decides
    }
    await sleep(100);
  }
  throw new Error(`netscope (pid ${pid}) did not load its probes within ${timeoutMs} ms`);
}

/** Inodes of the sock_diag netlink sockets `pid` holds (NETLINK_SOCK_DIAG is protocol 4). */
function sockDiagSocketsOf(pid: number): number[] {
  const diagInodes = new Set(
    readFileSync(`/proc/${pid}/net/netlink`, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[1] === '4')
      .map((fields) => Number(fields[9])),
  );
  const held: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const inode = Number(/^socket:\[(\d+)\]$/.exec(target)?.[1]);
    if (diagInodes.has(inode)) held.push(inode);
  }
  return held;
}

/** CPU time `pid` has used, in clock ticks (utime + stime of /proc/PID/stat). */
function cpuTicksOf(pid: number): number {
  const fields = statFields(pid);
  return Number(fields[11]) + Number(fields[12]);
}

const SETTLE_WINDOW_MS = 400;

/**
 * Waits until netscope is capturing: probes loaded, its sock_diag socket open, and its first
 * pass (namespaces, the counters' baseline, owners) over — seen as its CPU settling. Traffic a
 * test wants counted as "moved during the capture" must start only after this.
 */
export async function waitUntilCapturing(pid: number, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await waitForProbes(pid, timeoutMs);
  // What the last look saw, for the failure to say why it waited.
  let lastSeen = 'no sock_diag socket yet';
  while (Date.now() < deadline) {
    try {
      if (sockDiagSocketsOf(pid).length > 0) {
        const before = cpuTicksOf(pid);
        await sleep(SETTLE_WINDOW_MS);
        // Clock ticks are 10 ms: an idle capture (20 ms drains of an empty ring) uses well under
        // a quarter of the window; a first pass in progress uses all of it.
        const ticks = cpuTicksOf(pid) - before;
        if (ticks <= SETTLE_WINDOW_MS / 10 / 4) return;
        lastSeen = `still busy: ${ticks * 10} ms of CPU in the last ${SETTLE_WINDOW_MS} ms`;
        continue;
      }
    } catch (error) {
      // not started yet, or already gone: the deadline decides
      lastSeen = `its /proc entries unreadable (${(error as Error).message})`;
    }
    await sleep(100);
  }
  throw new Error(`netscope (pid ${pid}) did not settle into capturing within ${timeoutMs} ms: ${lastSeen}`);
}
