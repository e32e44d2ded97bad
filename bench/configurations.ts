/**
 * The monitors the host-overhead benchmark compares, each started and stopped by the benchmark
 * itself through the ChildProcess (or tmux session) it created — never found or killed by name.
 *
 *   none           nothing running
 *   netscope       `netscope --json --duration 0`, headless, for the whole session
 *   netscope TUI   `netscope` in a detached 160×45 tmux session (test/support/tmux.ts)
 *   nethogs        `nethogs -t -a lo` (loopback is skipped unless named, and then needs -a)
 *   iftop          `iftop -t -n -N -P -i lo` (text mode, no DNS/service lookups, per-port rows)
 *   bpftrace       per-connection send/receive byte counting the tcptop way, printed every second;
 *                  on the sock:sock_send_length / sock:sock_recv_length tracepoints (every send
 *                  and receive, as tcptop's kprobes on tcp_sendmsg / tcp_cleanup_rbuf) because
 *                  kprobes do not attach on this kernel
 *   bpftrace floor the least any eBPF monitor of netscope's events can cost: bpftrace counting
 *                  hits (one per-CPU count each) on the very tracepoints netscope attaches —
 *                  sock:inet_sock_set_state, tcp:tcp_retransmit_skb, tcp:tcp_send_reset,
 *                  tcp:tcp_receive_reset, skb:kfree_skb (bpf/tcp_events.bpf.c) — and nothing else
 *   ss             `ss -tinp` run once a second by a small poller (its CPU is the poller's plus
 *                  every ss run's; its peak RSS is the largest ss run's)
 *
 * A monitor that is not installed or cannot run here says why (`unavailable`), and the report
 * lists it as "not measured" with that reason.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SnapshotDocument } from '../src/model/snapshot-document.js';
import { packageRoot } from '../src/probes/package-paths.js';
import { runNetscope, waitForProbes } from '../test/support/processes.js';
import { TmuxSession } from '../test/support/tmux.js';
import { isLive, readComm, watchPeakRss } from './process-usage.js';

/** A monitor running for one session (one round of every workload). */
export interface RunningMonitor {
  /** The process whose CPU and memory are measured; null for "none". */
  pid: number | null;
  /** Is it still running (a monitor that died mid-session invalidates its figures)? */
  alive(): boolean;
  stop(): Promise<StopOutcome>;
}

export interface StopOutcome {
  /** Peak resident memory over the session, bytes (null for "none" or when unreadable). */
  peakRssBytes: number | null;
  /** netscope --json's document, printed on SIGINT. */
  document?: SnapshotDocument;
  /** Something that went wrong while stopping (the figures are still reported). */
  problem?: string;
}

export interface Configuration {
  id: string;
  /** The configuration's name in the table. */
  label: string;
  /** The command line, for the report. */
  command: string;
  /** Null when it can run here; otherwise why not. */
  unavailable(): string | null;
  start(): Promise<RunningMonitor>;
}

/** Everything started and not yet stopped, so a crash or Ctrl-C still cleans up. */
const cleanups = new Set<() => void>();

export function stopEverything(): void {
  for (const cleanup of [...cleanups]) {
    try {
      cleanup();
    } catch {
      // best effort on the way out
    }
  }
  cleanups.clear();
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Waits for a child to exit, sending `signal` first and SIGKILL after `timeoutMs`. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<string | undefined> {
  if (!isRunning(child)) return undefined;
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.kill(signal);
  const outcome = await Promise.race([closed.then(() => 'closed' as const), sleep(timeoutMs, 'timeout' as const, { ref: false })]);
  if (outcome === 'closed') return undefined;
  child.kill('SIGKILL');
  await closed;
  return `did not exit ${timeoutMs / 1000} s after ${signal}; killed`;
}

/**
 * Spawns a monitor and waits until `ready` holds for what it printed so far (or the process
 * dies, or `timeoutMs` passes), then `settleMs` more for it to reach its steady state.
 */
async function spawnMonitor(
  command: string,
  args: string[],
  ready: (output: { stdout: string; stderr: string }) => boolean,
  { timeoutMs = 20_000, settleMs = 1_000 } = {},
): Promise<{ child: ChildProcess; output: { stdout: string; stderr: string } }> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const cleanup = () => {
    if (isRunning(child)) child.kill('SIGKILL');
  };
  cleanups.add(cleanup);
  child.once('close', () => cleanups.delete(cleanup));
  const output = { stdout: '', stderr: '' };
  // Keep only the beginning (for readiness and errors) and drain the rest.
  const keep = (text: string, chunk: Buffer) => (text.length < 64 * 1024 ? text + chunk.toString() : text);
  child.stdout!.on('data', (chunk: Buffer) => (output.stdout = keep(output.stdout, chunk)));
  child.stderr!.on('data', (chunk: Buffer) => (output.stderr = keep(output.stderr, chunk)));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const deadline = Date.now() + timeoutMs;
  let failure: Error | null = null;
  void spawnError.then((error) => (failure = error));
  while (!ready(output)) {
    if (failure !== null) throw new Error(`${command} could not start: ${(failure as Error).message}`);
    if (!isRunning(child)) throw new Error(`${command} exited ${child.exitCode ?? child.signalCode} at start: ${firstLine(output.stderr || output.stdout)}`);
    if (Date.now() > deadline) {
      cleanup();
      throw new Error(`${command} was not ready within ${timeoutMs / 1000} s: ${firstLine(output.stderr || output.stdout)}`);
    }
    await sleep(50);
  }
  await sleep(settleMs);
  if (!isRunning(child)) throw new Error(`${command} exited ${child.exitCode ?? child.signalCode} at start: ${firstLine(output.stderr || output.stdout)}`);
  return { child, output };
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line !== '' && !line.startsWith('WARNING')) ?? '(no output)'
  ).slice(0, 200);
}

/** A plain process monitor: its pid is the ChildProcess's, stopped with `signal`. */
function childMonitor(child: ChildProcess, signal: NodeJS.Signals, stopTimeoutMs = 10_000): RunningMonitor {
  const peak = watchPeakRss(child.pid!, 200);
  return {
    pid: child.pid!,
    alive: () => isRunning(child),
    async stop() {
      const problem = await stopChild(child, signal, stopTimeoutMs);
      await peak.stop();
      return { peakRssBytes: peak.peakBytes(), ...(problem ? { problem } : {}) };
    },
  };
}

const none: Configuration = {
  id: 'none',
  label: 'none',
  command: '(no monitor)',
  unavailable: () => null,
  start: async () => ({ pid: null, alive: () => true, stop: async () => ({ peakRssBytes: null }) }),
};

const netscopeBin = path.join(packageRoot, 'bin/netscope');

function netscopeUnavailable(): string | null {
  if (!existsSync(path.join(packageRoot, 'dist/src/cli.js'))) return 'not built (run scripts/setup)';
  if (process.getuid?.() !== 0) return 'needs root for its eBPF probes';
  return null;
}

const netscopeJson: Configuration = {
  id: 'netscope',
  label: 'netscope --json',
  command: 'netscope --json --duration 0',
  unavailable: netscopeUnavailable,
  async start() {
    const run = runNetscope(['--json', '--duration', '0']);
    const child = run.child;
    const cleanup = () => {
      if (isRunning(child)) child.kill('SIGKILL');
    };
    cleanups.add(cleanup);
    void run.done.then(() => cleanups.delete(cleanup));
    const exited = run.done.then((exit) => {
      throw new Error(`netscope exited ${exit.code ?? exit.signal} at start: ${firstLine(exit.stderr)}`);
    });
    void exited.catch(() => undefined);
    try {
      await Promise.race([waitForProbes(child.pid!), exited]);
    } catch (error) {
      cleanup();
      throw error;
    }
    await sleep(1_000); // its first ticks (and the initial sock_diag pass) before measuring
    const peak = watchPeakRss(child.pid!);
    return {
      pid: child.pid!,
      alive: () => isRunning(child),
      async stop() {
        const problem = await stopChild(child, 'SIGINT', 60_000);
        const exit = await run.done;
        await peak.stop();
        const outcome: StopOutcome = { peakRssBytes: peak.peakBytes() };
        if (problem) outcome.problem = problem;
        else if (exit.code !== 0) outcome.problem = `exited ${exit.code ?? exit.signal}: ${firstLine(exit.stderr)}`;
        else {
          try {
            outcome.document = JSON.parse(exit.stdout) as SnapshotDocument;
          } catch (error) {
            outcome.problem = `its document did not parse: ${(error as Error).message}`;
          }
        }
        return outcome;
      },
    };
  },
};

const netscopeTui: Configuration = {
  id: 'netscope-tui',
  label: 'netscope TUI',
  command: 'netscope (live view, tmux 160×45)',
  unavailable: () => netscopeUnavailable() ?? (commandExists('tmux') ? null : 'tmux is not installed'),
  async start() {
    // `exec`: the pane's process becomes netscope itself (bin/netscope execs node too).
    const session = new TmuxSession(`exec ${netscopeBin}`, { width: 160, height: 45 });
    const cleanup = () => session.kill();
    cleanups.add(cleanup);
    try {
      const pid = session.panePid();
      if (!(pid > 0)) throw new Error('tmux did not report the pane pid');
      await waitForProbes(pid);
      await session.waitFor((screen) => screen.includes('netscope ·') && screen.includes('conns'), 'the live view');
      await sleep(1_000);
      const peak = watchPeakRss(pid, 200);
      const alive = () => isLive(pid) && readComm(pid) === 'netscope';
      return {
        pid,
        alive,
        async stop() {
          session.press('q');
          const deadline = Date.now() + 5_000;
          while (alive() && Date.now() < deadline) await sleep(50);
          const problem = alive() ? 'did not quit 5 s after q; its tmux session was killed' : undefined;
          await peak.stop();
          session.kill();
          cleanups.delete(cleanup);
          return { peakRssBytes: peak.peakBytes(), ...(problem ? { problem } : {}) };
        },
      };
    } catch (error) {
      session.kill();
      cleanups.delete(cleanup);
      throw error;
    }
  },
};

const nethogs: Configuration = {
  id: 'nethogs',
  label: 'nethogs',
  command: 'nethogs -t -a lo',
  unavailable: () => (commandExists('nethogs') ? null : 'nethogs is not installed'),
  async start() {
    const { child } = await spawnMonitor('nethogs', ['-t', '-a', 'lo'], ({ stdout }) => stdout.includes('Refreshing:'));
    return childMonitor(child, 'SIGTERM');
  },
};

const iftop: Configuration = {
  id: 'iftop',
  label: 'iftop',
  command: 'iftop -t -n -N -P -i lo',
  unavailable: () => (commandExists('iftop') ? null : 'iftop is not installed'),
  async start() {
    // Text mode prints a table every 2 s to a block-buffered pipe; stderr says it has opened lo.
    const { child } = await spawnMonitor('iftop', ['-t', '-n', '-N', '-P', '-i', 'lo'], ({ stderr }) => stderr.includes('MAC address'), {
      settleMs: 1_500,
    });
    return childMonitor(child, 'SIGTERM');
  },
};

/**
 * tcptop's per-connection byte counting: a map keyed by process and 4-tuple, summed on every
 * send and receive, printed (top 10 each way) and cleared every second.
 */
const BPFTRACE_SCRIPT = `
tracepoint:sock:sock_send_length /args->protocol == 6 && args->ret > 0/
{
  $sk = (struct sock *)args->sk;
  @send[pid, comm, ntop($sk->__sk_common.skc_rcv_saddr), $sk->__sk_common.skc_num,
        ntop($sk->__sk_common.skc_daddr), $sk->__sk_common.skc_dport] = sum(args->ret);
}
tracepoint:sock:sock_recv_length /args->protocol == 6 && args->ret > 0/
{
  $sk = (struct sock *)args->sk;
  @recv[pid, comm, ntop($sk->__sk_common.skc_rcv_saddr), $sk->__sk_common.skc_num,
        ntop($sk->__sk_common.skc_daddr), $sk->__sk_common.skc_dport] = sum(args->ret);
}
interval:s:1
{
  time("%H:%M:%S\\n");
  print(@send, 10);
  print(@recv, 10);
  clear(@send);
  clear(@recv);
}
END
{
  clear(@send);
  clear(@recv);
}
`;

function tracefsMounted(): boolean {
  try {
    return readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .some((line) => line.split(' ')[2] === 'tracefs');
  } catch {
    return false;
  }
}

function bpftraceUnavailable(): string | null {
  if (!commandExists('bpftrace')) return 'bpftrace is not installed';
  if (!tracefsMounted() && !commandExists('unshare')) return 'tracefs is not mounted and unshare is missing to mount it privately';
  return null;
}

async function startBpftrace(scriptText: string): Promise<RunningMonitor> {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'netscope-bench-'));
  const script = path.join(directory, 'monitor.bt');
  writeFileSync(script, scriptText);
  // bpftrace 0.17 finds tracepoints through tracefs; where the host has not mounted it, mount
  // it in a private mount namespace (nothing changes on the host). unshare and sh exec, so the
  // child's pid is bpftrace's.
  const [command, args] = tracefsMounted()
    ? ['bpftrace', [script]]
    : ['unshare', ['--mount', '--propagation', 'private', 'sh', '-c', `mount -t tracefs nodev /sys/kernel/tracing && exec bpftrace ${script}`]];
  try {
    const { child } = await spawnMonitor(command as string, args as string[], ({ stdout }) => stdout.includes('Attaching'), {
      timeoutMs: 60_000,
      settleMs: 1_500,
    });
    if (readComm(child.pid!) !== 'bpftrace') throw new Error(`expected bpftrace at pid ${child.pid}, found ${readComm(child.pid!)}`);
    const monitor = childMonitor(child, 'SIGINT');
    return {
      ...monitor,
      async stop() {
        const outcome = await monitor.stop();
        rmSync(directory, { recursive: true, force: true });
        return outcome;
      },
    };
  } catch (error) {
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
}

const bpftrace: Configuration = {
  id: 'bpftrace',
  label: 'bpftrace tcptop',
  command: 'bpftrace: per-connection bytes on tracepoint:sock:sock_{send,recv}_length',
  unavailable: bpftraceUnavailable,
  start: () => startBpftrace(BPFTRACE_SCRIPT),
};

/**
 * The floor: a count per tracepoint, on the five netscope attaches. Classic tracepoints (bpftrace
 * 0.17 cannot attach raw ones here), where netscope uses tp_btf or raw_tp: the same hits, a
 * little more work per hit, so the floor is if anything a little high.
 */
const FLOOR_SCRIPT = `
tracepoint:sock:inet_sock_set_state { @[probe] = count(); }
tracepoint:tcp:tcp_retransmit_skb { @[probe] = count(); }
tracepoint:tcp:tcp_send_reset { @[probe] = count(); }
tracepoint:tcp:tcp_receive_reset { @[probe] = count(); }
tracepoint:skb:kfree_skb { @[probe] = count(); }
`;

const bpftraceFloor: Configuration = {
  id: 'bpftrace-floor',
  label: 'bpftrace floor',
  command: "bpftrace: count() on netscope's five tracepoints (inet_sock_set_state, tcp_retransmit_skb, tcp_send_reset, tcp_receive_reset, kfree_skb)",
  unavailable: bpftraceUnavailable,
  start: () => startBpftrace(FLOOR_SCRIPT),
};

/**
 * Runs `ss -tinp` once a second (output discarded, as a terminal would show it) until SIGTERM,
 * then reports the largest ss run's peak RSS (getrusage of its reaped children).
 */
const SS_POLLER = `
import json, resource, signal, subprocess, sys, time
polls = 0
def done(*_):
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    sys.stdout.write(json.dumps({"polls": polls, "maxRssKiB": usage.ru_maxrss}) + "\\n")
    sys.stdout.flush()
    sys.exit(0)
signal.signal(signal.SIGTERM, done)
sys.stdout.write("polling\\n")
sys.stdout.flush()
while True:
    started = time.monotonic()
    subprocess.run(["ss", "-tinp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    polls += 1
    time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
`;

const ssPoller: Configuration = {
  id: 'ss',
  label: 'ss -tinp / 1 s',
  command: 'ss -tinp, once a second',
  unavailable: () => (!commandExists('ss') ? 'ss (iproute2) is not installed' : !commandExists('python3') ? 'python3 (the poller) is not installed' : null),
  async start() {
    const { child, output } = await spawnMonitor('python3', ['-c', SS_POLLER], ({ stdout }) => stdout.includes('polling'), { settleMs: 1_000 });
    return {
      pid: child.pid!,
      alive: () => isRunning(child),
      async stop() {
        const problem = await stopChild(child, 'SIGTERM', 10_000);
        const report = /\{"polls".*\}/.exec(output.stdout)?.[0];
        const parsed = report ? (JSON.parse(report) as { polls: number; maxRssKiB: number }) : null;
        return {
          peakRssBytes: parsed ? parsed.maxRssKiB * 1024 : null,
          ...(problem ? { problem } : parsed ? {} : { problem: 'the poller did not report its children' }),
        };
      },
    };
  },
};

export const configurations: readonly Configuration[] = [none, netscopeJson, netscopeTui, nethogs, iftop, bpftrace, bpftraceFloor, ssPoller];

/** Debian packages the benchmark drives, by the command each provides. */
const PACKAGES: Record<string, string> = { iperf3: 'iperf3', nethogs: 'nethogs', iftop: 'iftop', bpftrace: 'bpftrace', tmux: 'tmux', ss: 'iproute2', python3: 'python3' };

function installed(pkg: string): boolean {
  const result = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('ok installed');
}

/**
 * Installs the missing packages with apt-get (checked with dpkg first); returns what could not
 * be installed and why, by package. Never fatal: a peer that is missing is "not measured".
 */
export function ensurePackages(log: (line: string) => void): Map<string, string> {
  const failures = new Map<string, string>();
  const missing = [...new Set(Object.values(PACKAGES))].filter((pkg) => !installed(pkg));
  if (missing.length === 0) return failures;
  if (process.getuid?.() !== 0) {
    for (const pkg of missing) failures.set(pkg, `${pkg} is not installed and installing it needs root`);
    return failures;
  }
  log(`installing ${missing.join(', ')} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () =>
    spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { encoding: 'utf8', env, timeout: 300_000 });
  let result = install();
  if (result.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { encoding: 'utf8', env, timeout: 120_000 });
    result = install();
  }
  for (const pkg of missing) {
    if (!installed(pkg)) failures.set(pkg, `apt-get install ${pkg} failed: ${firstLine(result.stderr || result.stdout || String(result.error))}`);
  }
  return failures;
}
