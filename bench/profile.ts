/**
 * Profiles netscope on a busy host (bench/busy-host.ts, one run of each case): a V8 CPU profile
 * of each netscope (--cpu-prof, written when it exits) and a heap snapshot taken just before it
 * is stopped (--heapsnapshot-signal), then bench/profile-summary.ts's tables of each. As root:
 *
 *   bin/node-runtime dist/bench/profile.js [--dir DIR] [--rate 800] [--seconds 40] [--top 25]
 *
 * Files in DIR (default a new temporary directory): json-open / tui-open (20,000 open
 * connections, --json and the live view) and json-churn (paced churn) as .cpuprofile and
 * .heapsnapshot; the figures measured here are disturbed by the profiling and are not results.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/probes/package-paths.js';
import { measureBusyHost } from './busy-host.js';
import { formatTerminal, machineDescription } from './report.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    rate: { type: 'string', default: '800' },
    seconds: { type: 'string', default: '40' },
    top: { type: 'string', default: '25' },
  },
});
const directory = values.dir ?? mkdtempSync(path.join(os.tmpdir(), 'netscope-profile-'));
mkdirSync(directory, { recursive: true });
const log = (line: string) => process.stderr.write(`profile: ${line}\n`);

/** Which case each profiled netscope pid ran. */
const caseOfPid = new Map<number, string>();

/** Waits for V8 to finish writing a file whose name holds `.PID.` (it writes heap snapshots in pieces). */
async function finishedFileOf(pid: number, suffix: string, timeoutMs = 180_000): Promise<string | null> {
  const deadline = Date.now() + timeoutMs;
  let lastSize = -1;
  while (Date.now() < deadline) {
    const name = readdirSync(directory).find((entry) => entry.includes(`.${pid}.`) && entry.endsWith(suffix));
    if (name !== undefined) {
      const size = statSync(path.join(directory, name)).size;
      if (size > 0 && size === lastSize) return path.join(directory, name);
      lastSize = size;
    }
    await sleep(1_000);
  }
  return null;
}

const result = await measureBusyHost({
  openRuns: 1,
  churnRuns: 1,
  churnRate: Number(values.rate),
  churnSeconds: Number(values.seconds),
  log,
  nodeOptions: `--cpu-prof --cpu-prof-dir=${directory} --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${directory}`,
  async beforeStop(pid, what) {
    caseOfPid.set(pid, what);
    log(`${what}: heap snapshot of pid ${pid}`);
    process.kill(pid, 'SIGUSR2');
    const file = await finishedFileOf(pid, '.heapsnapshot');
    if (file === null) log(`${what}: no heap snapshot within 3 minutes`);
    else renameSync(file, path.join(directory, `${what}.heapsnapshot`));
  },
});
process.stdout.write(
  formatTerminal({ mode: 'profiled', machine: machineDescription(), startedAt: new Date(), durationSeconds: 0, notMeasured: [], notes: result.problems, ...result }),
);

// CPU profiles are written as each netscope exits.
for (const [pid, what] of caseOfPid) {
  const file = await finishedFileOf(pid, '.cpuprofile', 10_000);
  if (file !== null) renameSync(file, path.join(directory, `${what}.cpuprofile`));
}
for (const what of ['json-open', 'tui-open', 'json-churn']) {
  for (const extension of ['.cpuprofile', '.heapsnapshot']) {
    const file = path.join(directory, `${what}${extension}`);
    process.stdout.write(`\n== ${what}${extension}\n`);
    const summary = spawnSync(process.execPath, ['--max-old-space-size=8192', path.join(packageRoot, 'dist/bench/profile-summary.js'), file, '--top', values.top], {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    });
    process.stdout.write(summary.stdout || summary.stderr);
  }
}
log(`files in ${directory}`);
