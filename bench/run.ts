/**
 * netscope's benchmark suite: host overhead against peer monitors, netscope's own engine, and
 * its correctness under load — one table on the terminal and in bench/RESULTS.md.
 *
 *   bin/node-runtime dist/bench/run.js [--quick] [--output FILE] [--skip-host] [--skip-busy]
 *                                      [--skip-engine] [--only none,netscope,nethogs,…]
 *
 * Host overhead: every configuration (none, netscope --json, netscope TUI, nethogs, iftop,
 * bpftrace tcptop-style, the bpftrace floor on netscope's own tracepoints, ss -tinp every
 * second) runs one session per round, in an order that rotates each round so none always goes
 * first; a session starts the monitor, runs the churn (connect → request → reply → close, as
 * fast as 32 in flight allow), the same with two generators at once (both cores busy), iperf3
 * at 1 KiB and at 128 KiB writes, and stops it. Each figure is the best of the rounds, with its
 * spread; the ratios are to "none" measured in the same run. The monitor's CPU (utime + stime
 * over each load) and peak RSS (VmHWM over the session) come from /proc; the generators report
 * their own CPU (where the eBPF programs' cost lands).
 *
 * Busy host (bench/busy-host.ts): 20,000 open connections and paced churn with the flight
 * recorder on, and the recorder's window under each (5.5-minute runs). Engine
 * (bench/engine.ts): synthetic ingest, tick, frame, RSS, first snapshot.
 *
 * Full: 4 rounds, 3 s per load, then the busy host and the engine (about 25 minutes on 2
 * cores). --quick: 1 round, 1 s loads, 15 s of paced churn, fewer repetitions, written to
 * bench/RESULTS-quick.md.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { packageRoot } from '../src/probes/package-paths.js';
import { programsLeftAfter } from '../test/support/processes.js';
import { countChurn, describeChurnCount, type ChurnCount } from './churn-accounting.js';
import { configurations, ensurePackages, stopEverything, type Configuration } from './configurations.js';
import { measureBusyHost } from './busy-host.js';
import { measureEngine } from './engine.js';
import { runChurn, runIperf, startIperfServer, CHURN_CONCURRENCY, type ChurnOutcome, type IperfServer } from './host-load.js';
import { startCpuWindow, type CpuWindow } from './process-usage.js';
import { fmt, formatTerminal, machineDescription, writeMarkdown, spreadText, summarize, type NotMeasured, type Report, type Row, type Section, type Summary, type Verdict } from './report.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    output: { type: 'string' },
    'skip-host': { type: 'boolean', default: false },
    'skip-engine': { type: 'boolean', default: false },
    'skip-busy': { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});

const quick = values.quick;
const plan = quick
  ? { rounds: 1, iperfSeconds: 1, churnSeconds: 1.5, tickRounds: 3, rssRuns: 1, firstSnapshotRuns: 2, openRuns: 1, pacedChurnSeconds: 15, pacedChurnRuns: 1, flightWindowSeconds: 0, openFlightSeconds: 0 }
  : { rounds: 4, iperfSeconds: 3, churnSeconds: 3, tickRounds: 7, rssRuns: 3, firstSnapshotRuns: 5, openRuns: 3, pacedChurnSeconds: 40, pacedChurnRuns: 2, flightWindowSeconds: 330, openFlightSeconds: 330 };
const outputPath = values.output ?? path.join(packageRoot, quick ? 'bench/RESULTS-quick.md' : 'bench/RESULTS.md');
const startedAt = new Date();
const startedAtMs = performance.now();

const log = (line: string) => process.stderr.write(`[${((performance.now() - startedAtMs) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);

type Workload = 'churn' | 'churn-busy' | 'iperf-1K' | 'iperf-128K';
/** Churn first: the netscope document's kept closed connections are then mostly the churns'. */
const WORKLOADS: readonly Workload[] = ['churn', 'churn-busy', 'iperf-1K', 'iperf-128K'];
const CHURN_WORKLOADS: readonly Workload[] = ['churn', 'churn-busy'];
/** Generators running at once in the busy-host churn: one per core on the 2-core bench host. */
const BUSY_GENERATORS = 2;
const WORKLOAD_NAMES: Record<Workload, string> = {
  churn: `churn (connect → 5 B each way → close, ${CHURN_CONCURRENCY} in flight, no rate limit, ${plan.churnSeconds} s)`,
  'churn-busy': `churn on a busy host (${BUSY_GENERATORS} generators at once, each as above; connections/s summed)`,
  'iperf-1K': `loopback throughput, iperf3 -c 127.0.0.1 -l 1K -t ${plan.iperfSeconds}`,
  'iperf-128K': `loopback throughput, iperf3 -c 127.0.0.1 -l 128K -t ${plan.iperfSeconds}`,
};
const SHORT_NAMES: Record<Workload, string> = { churn: 'churn', 'churn-busy': `churn ×${BUSY_GENERATORS}`, 'iperf-1K': 'iperf3 -l 1K', 'iperf-128K': 'iperf3 -l 128K' };
const PEERS = ['nethogs', 'iftop', 'bpftrace', 'ss'];
/** Not a peer: the least an eBPF monitor of netscope's five tracepoints can cost, for reference. */
const FLOOR = 'bpftrace-floor';
/** The issue's targets: throughput and churn as a ratio to no monitor. */
const THRESHOLDS: Record<Workload, number> = { churn: 0.95, 'churn-busy': 0.95, 'iperf-1K': 0.97, 'iperf-128K': 0.97 };
const NETSCOPES = ['netscope', 'netscope-tui'];

interface Measurement {
  /** bits/s for iperf3, connections/s for churn. */
  value: number;
  cpu: CpuWindow | null;
  /** The churn generators' own CPU (user + system) per connection they made, µs. */
  generatorCpuUsPerConnection?: number;
}

interface Session {
  round: number;
  measurements: Partial<Record<Workload, Measurement>>;
  peakRssBytes: number | null;
  churnCount?: ChurnCount;
  problems: string[];
}

// ————————————————————————————————————————— clean-up on every way out
let iperfServer: IperfServer | null = null;
process.once('exit', () => {
  stopEverything();
  if (iperfServer && iperfServer.child.exitCode === null) iperfServer.child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal} — stopping everything it started\n`);
    process.exit(130);
  });
}

// ————————————————————————————————————————— host overhead
async function runSession(configuration: Configuration, round: number, port: number): Promise<Session> {
  const session: Session = { round, measurements: {}, peakRssBytes: null, problems: [] };
  const monitor = await configuration.start();
  const churnOutcomes: ChurnOutcome[] = [];
  try {
    for (const workload of WORKLOADS) {
      let window: ReturnType<typeof startCpuWindow> | null = null;
      const openWindow = () => (window = monitor.pid === null ? null : startCpuWindow(monitor.pid));
      let value: number;
      let generatorCpuUsPerConnection: number | undefined;
      if (CHURN_WORKLOADS.includes(workload)) {
        // The window opens when the first generator starts; the others start alongside.
        let opened = false;
        const openOnce = () => (opened ? undefined : ((opened = true), openWindow()));
        const generators = workload === 'churn' ? 1 : BUSY_GENERATORS;
        const outcomes = await Promise.all(Array.from({ length: generators }, () => runChurn(plan.churnSeconds, openOnce)));
        churnOutcomes.push(...outcomes);
        value = outcomes.reduce((sum, outcome) => sum + outcome.rate, 0);
        const made = outcomes.reduce((sum, outcome) => sum + outcome.made, 0);
        const cpuSeconds = outcomes.reduce((sum, outcome) => sum + outcome.userCpuSeconds + outcome.systemCpuSeconds, 0);
        if (made > 0) generatorCpuUsPerConnection = (cpuSeconds / made) * 1e6;
        const failed = outcomes.reduce((sum, outcome) => sum + outcome.failed, 0);
        if (failed > 0) session.problems.push(`${failed} churn connects failed (${SHORT_NAMES[workload]})`);
      } else {
        openWindow();
        value = await runIperf(port, workload === 'iperf-1K' ? '1K' : '128K', plan.iperfSeconds);
      }
      const cpu = (window as ReturnType<typeof startCpuWindow> | null)?.end() ?? null;
      if (!monitor.alive()) throw new Error(`${configuration.label} died during ${SHORT_NAMES[workload]}`);
      session.measurements[workload] = { value, cpu, ...(generatorCpuUsPerConnection === undefined ? {} : { generatorCpuUsPerConnection }) };
      await sleep(300);
    }
  } catch (error) {
    session.problems.push((error as Error).message);
  } finally {
    const stopped = await monitor.stop();
    session.peakRssBytes = stopped.peakRssBytes;
    if (stopped.problem) session.problems.push(`stopping: ${stopped.problem}`);
    if (stopped.document && churnOutcomes.length > 0) session.churnCount = countChurn(stopped.document, churnOutcomes);
  }
  return session;
}

interface HostResults {
  sessions: Map<string, Session[]>;
  /** Why a configuration has no figures. */
  notMeasured: Map<string, string>;
  /** Problems in individual sessions (the rest of the rounds still count). */
  problems: string[];
}

async function measureHost(candidates: Configuration[], unavailable: Map<string, string>): Promise<HostResults> {
  const results: HostResults = { sessions: new Map(), notMeasured: new Map(unavailable), problems: [] };
  const runnable = candidates.filter((configuration) => !unavailable.has(configuration.id));
  iperfServer = await startIperfServer();
  try {
    log(`host: warm-up (iperf3 1 s, churn 1 s, unmeasured)`);
    await runIperf(iperfServer.port, '128K', 1);
    await runChurn(1);
    for (let round = 0; round < plan.rounds; round++) {
      // Rotate the order each round: no configuration always runs first or last.
      const shift = (round * Math.max(1, Math.floor(runnable.length / plan.rounds))) % runnable.length;
      const order = [...runnable.slice(shift), ...runnable.slice(0, shift)];
      for (const configuration of order) {
        log(`host: round ${round + 1}/${plan.rounds}, ${configuration.label}`);
        let session: Session;
        try {
          session = await runSession(configuration, round, iperfServer.port);
        } catch (error) {
          const reason = `could not start: ${(error as Error).message}`;
          results.problems.push(`${configuration.label}, round ${round + 1}: ${reason}`);
          if (!results.sessions.has(configuration.id)) results.notMeasured.set(configuration.id, reason);
          continue;
        }
        results.notMeasured.delete(configuration.id);
        for (const problem of session.problems) results.problems.push(`${configuration.label}, round ${round + 1}: ${problem}`);
        results.sessions.set(configuration.id, [...(results.sessions.get(configuration.id) ?? []), session]);
      }
    }
  } finally {
    await iperfServer.stop();
    iperfServer = null;
  }
  return results;
}

function valuesOf(sessions: Session[] | undefined, pick: (session: Session) => number | null | undefined): number[] {
  return (sessions ?? []).map(pick).filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
}

function hostSections(host: HostResults): { sections: Section[]; verdicts: Verdict[] } {
  const label = (id: string) => configurations.find((configuration) => configuration.id === id)?.label ?? id;
  const measured = configurations.filter((configuration) => host.sessions.has(configuration.id));
  const sections: Section[] = [];
  const verdicts: Verdict[] = [];

  /** Best value per configuration for a figure, for the peer comparisons. */
  const bestOf = new Map<string, Map<string, Summary>>();
  const keep = (figure: string, id: string, summary: Summary | null) => {
    if (summary === null) return;
    if (!bestOf.has(figure)) bestOf.set(figure, new Map());
    bestOf.get(figure)!.set(id, summary);
  };

  // Throughput and churn, ratio to none.
  for (const workload of ['iperf-1K', 'iperf-128K', 'churn', 'churn-busy'] as const) {
    const rows: Row[] = [];
    const none = summarize(valuesOf(host.sessions.get('none'), (session) => session.measurements[workload]?.value));
    const threshold = THRESHOLDS[workload];
    const isChurn = CHURN_WORKLOADS.includes(workload);
    for (const configuration of measured) {
      const summary = summarize(valuesOf(host.sessions.get(configuration.id), (session) => session.measurements[workload]?.value));
      if (summary === null) {
        rows.push({ configuration: configuration.label, figure: isChurn ? 'connections/s' : 'throughput', value: 'no figure', ratio: '', spread: '', target: 'see problems' });
        continue;
      }
      const ratio = none ? summary.best / none.best : null;
      if (ratio !== null) keep(workload, configuration.id, { ...summary, best: ratio });
      const isNetscope = NETSCOPES.includes(configuration.id);
      rows.push({
        configuration: configuration.label,
        figure: isChurn ? 'connections/s' : 'throughput',
        value: isChurn ? fmt.perSecond(summary.best, 'conn') : fmt.gbits(summary.best),
        ratio: ratio === null ? '' : fmt.ratio(ratio),
        spread: spreadText(summary),
        target: isNetscope && ratio !== null ? `≥ ${threshold.toFixed(2)} ${ratio >= threshold ? 'PASS' : 'SHORT'}` : '',
      });
    }
    sections.push({ title: `Host overhead: ${WORKLOAD_NAMES[workload]} — ratio to none`, rows });
    for (const id of NETSCOPES) {
      const ratio = bestOf.get(workload)?.get(id)?.best;
      verdicts.push({
        target: `${SHORT_NAMES[workload]} with ${label(id)} ≥ ${threshold.toFixed(2)} of none`,
        measured: ratio === undefined ? 'not measured' : fmt.ratio(ratio),
        pass: ratio === undefined ? null : ratio >= threshold,
      });
    }
  }

  // The kernel-side cost: eBPF programs run in the traced processes, so the churn generators'
  // own CPU per connection (system time above all) grows with every probe attached.
  const generatorRows: Row[] = [];
  const generatorNotes: string[] = [];
  for (const workload of CHURN_WORKLOADS) {
    const perConnection = (id: string) => summarize(valuesOf(host.sessions.get(id), (session) => session.measurements[workload]?.generatorCpuUsPerConnection), true);
    const none = perConnection('none');
    const floor = perConnection(FLOOR);
    for (const configuration of measured) {
      const summary = perConnection(configuration.id);
      if (summary === null) continue;
      generatorRows.push({
        configuration: configuration.label,
        figure: `generator CPU per connection, ${SHORT_NAMES[workload]}`,
        value: `${summary.best.toFixed(1)} µs`,
        ratio: none ? fmt.ratio(summary.best / none.best) : '',
        spread: spreadText(summary),
        target: '',
      });
    }
    const ratioOf = (id: string) => bestOf.get(workload)?.get(id)?.best;
    const floorRatio = ratioOf(FLOOR);
    if (none && floor) {
      for (const id of NETSCOPES) {
        const ours = perConnection(id);
        const ratio = ratioOf(id);
        if (ours === null) continue;
        generatorNotes.push(
          `${SHORT_NAMES[workload]}: ${label(id)} adds ${(ours.best - none.best).toFixed(1)} µs of generator CPU per connection, the floor ${(floor.best - none.best).toFixed(1)} µs; ` +
            `churn ratio ${ratio === undefined ? '?' : fmt.ratio(ratio)} vs the floor's ${floorRatio === undefined ? '?' : fmt.ratio(floorRatio)}`,
        );
      }
    }
  }
  if (generatorRows.length > 0) {
    sections.push({
      title: "Kernel-side cost: the churn generators' own CPU (user + system) per connection — ratio to none",
      rows: generatorRows,
      notes: [
        "the eBPF programs run in the context of the process that connects, closes or is interrupted, so their cost lands in the generators' system time",
        'bpftrace floor: count() on the same five tracepoints netscope attaches, nothing else — the least any monitor of those events costs',
        ...generatorNotes,
      ],
    });
  }

  // The monitor's own CPU over each load, and its peak RSS over the session: ratio to nethogs.
  const cpuRows: Row[] = [];
  for (const workload of WORKLOADS) {
    const nethogsCpu = summarize(valuesOf(host.sessions.get('nethogs'), (session) => session.measurements[workload]?.cpu?.percentOfCore), true);
    for (const configuration of measured) {
      if (configuration.id === 'none') continue;
      const summary = summarize(valuesOf(host.sessions.get(configuration.id), (session) => session.measurements[workload]?.cpu?.percentOfCore), true);
      if (summary === null) continue;
      keep(`cpu-${workload}`, configuration.id, summary);
      const isNetscope = NETSCOPES.includes(configuration.id);
      const below = nethogsCpu ? summary.best < nethogsCpu.best : null;
      cpuRows.push({
        configuration: configuration.label,
        figure: `CPU during ${SHORT_NAMES[workload]}`,
        value: `${fmt.percent(summary.best)} of a core`,
        ratio: nethogsCpu && nethogsCpu.best > 0 ? fmt.ratio(summary.best / nethogsCpu.best) : '',
        spread: spreadText(summary),
        target: isNetscope && below !== null ? `< nethogs ${below ? 'PASS' : 'SHORT'}` : '',
      });
    }
  }
  sections.push({
    title: "The monitor's own CPU (utime + stime from /proc/PID/stat over each load) — ratio to nethogs",
    rows: cpuRows,
    notes: [
      'CPU of the monitor process only: eBPF programs (netscope, bpftrace) run in the context of the traced processes, so their cost shows in the throughput and churn ratios instead',
      'ss: the poller plus every `ss -tinp` it ran (reaped children: cutime + cstime); netscope TUI: netscope itself, not the tmux server drawing its screen',
    ],
  });

  const rssRows: Row[] = [];
  const nethogsRss = summarize(valuesOf(host.sessions.get('nethogs'), (session) => session.peakRssBytes), true);
  for (const configuration of measured) {
    if (configuration.id === 'none') continue;
    const summary = summarize(valuesOf(host.sessions.get(configuration.id), (session) => session.peakRssBytes), true);
    if (summary === null) continue;
    keep('rss', configuration.id, summary);
    rssRows.push({
      configuration: configuration.label,
      figure: 'peak RSS (VmHWM over the session)',
      value: fmt.mib(summary.best),
      ratio: nethogsRss ? fmt.ratio(summary.best / nethogsRss.best) : '',
      spread: spreadText(summary),
      target: '',
    });
  }
  sections.push({
    title: "The monitor's peak RSS (VmHWM) — ratio to nethogs",
    rows: rssRows,
    notes: ['ss: the largest single `ss -tinp` run (getrusage of the poller\'s children), not the poller'],
  });

  // Ahead of every peer, on each figure (both netscope configurations).
  const figures: { key: string; name: string; higherIsBetter: boolean; show: (value: number) => string }[] = [
    { key: 'iperf-1K', name: 'iperf3 -l 1K ratio', higherIsBetter: true, show: fmt.ratio },
    { key: 'iperf-128K', name: 'iperf3 -l 128K ratio', higherIsBetter: true, show: fmt.ratio },
    { key: 'churn', name: 'churn ratio', higherIsBetter: true, show: fmt.ratio },
    { key: 'churn-busy', name: `churn ×${BUSY_GENERATORS} ratio`, higherIsBetter: true, show: fmt.ratio },
    ...WORKLOADS.map((workload) => ({ key: `cpu-${workload}`, name: `CPU during ${SHORT_NAMES[workload]}`, higherIsBetter: false, show: fmt.percent })),
    { key: 'rss', name: 'peak RSS', higherIsBetter: false, show: fmt.mib },
  ];
  for (const figure of figures) {
    const byId = bestOf.get(figure.key) ?? new Map<string, Summary>();
    const peers = PEERS.filter((id) => byId.has(id));
    const ours = NETSCOPES.filter((id) => byId.has(id));
    const ahead = (id: string, peer: string) =>
      figure.higherIsBetter ? byId.get(id)!.best > byId.get(peer)!.best : byId.get(id)!.best < byId.get(peer)!.best;
    // A gap smaller than either side's spread over the rounds is said to be within the noise.
    const withinNoise = (id: string, peer: string) => {
      const a = byId.get(id)!;
      const b = byId.get(peer)!;
      return Math.abs(a.best - b.best) <= Math.max(a.spread, b.spread) * Math.max(Math.abs(a.best), Math.abs(b.best));
    };
    const behind = ours.flatMap((id) =>
      peers.filter((peer) => !ahead(id, peer)).map((peer) => `${label(id)} not ahead of ${label(peer)}${withinNoise(id, peer) ? ' (within the spread)' : ''}`),
    );
    const text = [...ours, ...peers].map((id) => `${label(id)} ${figure.show(byId.get(id)!.best)}`).join(', ');
    verdicts.push({
      target: `ahead of every peer: ${figure.name}`,
      measured: ours.length === 0 || peers.length === 0 ? 'not measured' : `${text}${behind.length > 0 ? ` — ${behind.join('; ')}` : ''}`,
      pass: ours.length === 0 || peers.length === 0 ? null : behind.length === 0,
    });
  }
  for (const workload of WORKLOADS) {
    const byId = bestOf.get(`cpu-${workload}`) ?? new Map<string, Summary>();
    const nethogsCpu = byId.get('nethogs');
    const ours = NETSCOPES.filter((id) => byId.has(id));
    verdicts.push({
      target: `CPU below nethogs' during ${SHORT_NAMES[workload]}`,
      measured:
        nethogsCpu === undefined || ours.length === 0
          ? 'not measured'
          : `${ours.map((id) => `${label(id)} ${fmt.percent(byId.get(id)!.best)}`).join(', ')} vs nethogs ${fmt.percent(nethogsCpu.best)}`,
      pass: nethogsCpu === undefined || ours.length === 0 ? null : ours.every((id) => byId.get(id)!.best < nethogsCpu.best),
    });
  }

  // Correctness under load: netscope --json's document after each session.
  const counts = (host.sessions.get('netscope') ?? []).flatMap((session) => (session.churnCount ? [{ round: session.round, count: session.churnCount }] : []));
  const correctnessRows: Row[] = [];
  if (counts.length > 0) {
    const worstMissed = Math.max(...counts.map(({ count }) => count.missed));
    const totalLost = counts.reduce((sum, { count }) => sum + count.lostEvents, 0);
    const wrongOwners = counts.reduce((sum, { count }) => sum + count.wrongOwner, 0);
    for (const { round, count } of counts) {
      correctnessRows.push({
        configuration: `netscope --json, round ${round + 1}`,
        figure: 'churned connections counted (both ends)',
        value: `${fmt.count(Math.min(count.attributed, count.expected))} of ${fmt.count(count.expected)}`,
        ratio: fmt.ratio(count.attributed / count.expected),
        spread: count.exact ? 'exact' : `${fmt.count(count.evicted)} evicted`,
        target: `all ${count.missed === 0 ? 'PASS' : 'SHORT'}`,
      });
      correctnessRows.push({
        configuration: `netscope --json, round ${round + 1}`,
        figure: 'source.lostEvents',
        value: fmt.count(count.lostEvents),
        ratio: '',
        spread: '',
        target: `0 ${count.lostEvents === 0 ? 'PASS' : 'SHORT'}`,
      });
    }
    sections.push({
      title: 'Correctness under load: netscope --json during the churn',
      rows: correctnessRows,
      notes: counts.map(({ round, count }) => `round ${round + 1}: ${describeChurnCount(count)}`),
    });
    verdicts.push({ target: 'zero lost events under churn', measured: `${fmt.count(totalLost)} lost over ${counts.length} churn runs`, pass: totalLost === 0 });
    verdicts.push({
      target: 'every churned connection counted (2 × made), owner right',
      measured: `worst run missed ${fmt.count(worstMissed)}; ${fmt.count(wrongOwners)} entries with a wrong owner`,
      pass: worstMissed === 0 && wrongOwners === 0,
    });
  } else {
    verdicts.push({ target: 'zero lost events under churn', measured: 'not measured (no netscope --json document)', pass: null });
    verdicts.push({ target: 'every churned connection counted (2 × made)', measured: 'not measured (no netscope --json document)', pass: null });
  }
  return { sections, verdicts };
}

// ————————————————————————————————————————— main
const requested = values.only ? new Set(values.only.split(',').map((id) => id.trim())) : null;
const candidates = configurations.filter((configuration) => requested === null || requested.has(configuration.id) || configuration.id === 'none');
if (process.getuid?.() !== 0) log('not root: netscope, nethogs, iftop and bpftrace need root and will be "not measured"');
log(`netscope benchmark, ${quick ? 'quick' : 'full'}: ${plan.rounds} round(s), ${plan.iperfSeconds} s per iperf3 run, ${plan.churnSeconds} s of churn`);

const report: Report = {
  mode: quick ? 'quick' : 'full',
  machine: machineDescription(),
  startedAt,
  durationSeconds: 0,
  sections: [],
  verdicts: [],
  notMeasured: [],
  notes: [],
};

if (!values['skip-host']) {
  const packageFailures = ensurePackages(log);
  const unavailable = new Map<string, string>();
  const packageOf: Record<string, string[]> = { nethogs: ['nethogs'], iftop: ['iftop'], bpftrace: ['bpftrace'], 'bpftrace-floor': ['bpftrace'], 'netscope-tui': ['tmux'], ss: ['iproute2', 'python3'] };
  for (const configuration of candidates) {
    const failure = (packageOf[configuration.id] ?? []).map((pkg) => packageFailures.get(pkg)).find((reason) => reason !== undefined);
    const reason = configuration.unavailable() ?? failure ?? null;
    if (reason !== null) unavailable.set(configuration.id, reason);
  }
  const iperfMissing = packageFailures.get('iperf3');
  if (iperfMissing) {
    report.notMeasured.push({ configuration: 'host overhead (all configurations)', reason: `iperf3 is missing: ${iperfMissing}` });
  } else {
    let host: HostResults;
    try {
      host = await measureHost(candidates, unavailable);
    } catch (error) {
      host = { sessions: new Map(), notMeasured: new Map(candidates.map((configuration) => [configuration.id, `host benchmark failed: ${(error as Error).message}`])), problems: [] };
    }
    const { sections, verdicts } = hostSections(host);
    report.sections.push(...sections);
    report.verdicts.push(...verdicts);
    for (const [id, reason] of host.notMeasured) {
      report.notMeasured.push({ configuration: configurations.find((configuration) => configuration.id === id)?.label ?? id, reason } satisfies NotMeasured);
    }
    report.notes.push(...host.problems.map((problem) => `problem: ${problem}`));
    try {
      const leftover = await programsLeftAfter();
      report.notes.push(
        leftover.length === 0
          ? 'after the host benchmark no BPF program named like netscope’s (handle_*) was left loaded'
          : `after the host benchmark BPF programs named like netscope’s were still loaded: ${leftover.join(', ')} (another netscope running, or one not released)`,
      );
    } catch (error) {
      report.notes.push(`could not list BPF programs (bpftool): ${(error as Error).message}`);
    }
  }
  report.notes.push(
    `rounds: ${plan.rounds}; each round runs every configuration once (order rotated per round): start the monitor, churn ${plan.churnSeconds} s, ${BUSY_GENERATORS} churns at once ${plan.churnSeconds} s, ` +
      `iperf3 -l 1K ${plan.iperfSeconds} s, iperf3 -l 128K ${plan.iperfSeconds} s, stop it; the iperf3 server runs for the whole benchmark. ` +
      'Best = highest throughput / churn rate, lowest CPU / RSS; spread = (worst − best) / best over the rounds',
    'bpftrace: tcptop counts bytes per connection with kprobes on tcp_sendmsg / tcp_cleanup_rbuf; this kernel has no kprobes (CONFIG_KPROBES is not set), ' +
      'so the script hooks the tracepoints sock:sock_send_length / sock:sock_recv_length instead — every send and every receive, as tcptop does — ' +
      'keyed by pid, comm and 4-tuple, printing the top 10 each way every second; tracefs is mounted for it in a private mount namespace when the host has none',
    'nethogs skips loopback unless told: it runs as `nethogs -t -a lo`; iftop as `iftop -t -n -N -P -i lo` (no DNS or service lookups, per-port rows)',
  );
}

if (!values['skip-busy']) {
  const busy = await measureBusyHost({ openRuns: plan.openRuns, openFlightSeconds: plan.openFlightSeconds, churnSeconds: plan.pacedChurnSeconds, churnRuns: plan.pacedChurnRuns, flightWindowSeconds: plan.flightWindowSeconds, log });
  report.sections.push(...busy.sections);
  report.verdicts.push(...busy.verdicts);
  report.notes.push(...busy.problems.map((problem) => `problem: ${problem}`));
}

if (!values['skip-engine']) {
  const engine = await measureEngine({ tickRounds: plan.tickRounds, rssRuns: plan.rssRuns, firstSnapshotRuns: plan.firstSnapshotRuns, log });
  report.sections.push(engine.section);
  report.verdicts.push(...engine.verdicts);
  report.notes.push(...engine.problems.map((problem) => `problem: ${problem}`));
}

report.durationSeconds = (performance.now() - startedAtMs) / 1000;
process.stdout.write(`\n${formatTerminal(report)}`);
writeMarkdown(report, outputPath);
log(`written to ${path.relative(process.cwd(), outputPath) || outputPath}`);
