/**
 * Command-line flags → validated options. Every mistake becomes a UsageError whose one line
 * names the flag and the fix; nothing here touches the kernel.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import meow from 'meow';
import { UsageError } from '../errors.js';
import { FLIGHT_MINUTES, helpText, JSON_DURATION_SECONDS, knownFlagSpellings, meowFlags, TRIAGE_DURATION_SECONDS } from './flag-table.js';
import { columnIds, findSort } from '../ui/view-model/columns.js';
import type { SortState } from '../ui/view-model/ui-state.js';
import { parseFilter } from '../filter/filter-query.js';
import { resolveOption, type ResolveOption } from './resolver-flag.js';

export interface CliOptions {
  mode: 'tui' | 'json' | 'events' | 'headless' | 'doctor' | 'triage';
  /** `triage`: the report for a person, or (--json) the findings document. */
  triageOutput: 'report' | 'json';
  /** --json, --events and triage capture length in ms; 0 means until a signal. */
  durationMs: number;
  intervalMs: number;
  outputPath: string | null;
  ringBufferBytes: number;
  /** Live view: initial filter text. */
  filter: string | null;
  /** Live view: the Connections sort. */
  sort: SortState | null;
  /** Only this process's connections. */
  pid: number | null;
  /** Only connections with this port on either side. */
  port: number | null;
  /** Only this container's connections: its name, or a prefix of its id. */
  container: string | null;
  /** Only this Kubernetes pod's connections: `NAME` or `NAMESPACE/NAME`. */
  pod: string | null;
  /** Where the host's / is mounted ('' on the host itself). */
  hostRoot: string;
  noColor: boolean;
  /** Keep secrets in command lines (--show-secrets). */
  showSecrets: boolean;
  /** How long closed connections stay in the table, ms. */
  closedRetentionMs: number;
  /** Most closed connections kept. */
  maxClosedConnections: number;
  /** Events kept for the Events pane. */
  eventLogLength: number;
  /** Live view: where snapshots are saved. */
  outputDirectory: string;
  /** --record: the recording's path. */
  recordPath: string | null;
  recordMaxBytes: number;
  /** Flight recorder window, ms (0 = off). */
  flightWindowMs: number;
  flightMaxBytes: number;
  /** Flight dumps a run writes by itself at most, one when critical findings open (0, the default: none — root's files do not appear unasked). */
  flightDumps: number;
  /** Disk the automatic flight dumps of a run may take, bytes. */
  flightDumpsMaxBytes: number;
  /** --replay: the recording to replay instead of capturing. */
  replayPath: string | null;
  /** --replay-max-mb: the most a replay reads once decompressed, bytes; null: defaultReplayMaxBytes(). */
  replayMaxBytes: number | null;
  /** `--baseline FILE`: a snapshot or recording to say what changed since; null for none. */
  baselinePath: string | null;
  /** --at: replay up to this time (ms since the epoch, or ms into the recording when relative). */
  replayAt: { kind: 'absolute' | 'relative'; ms: number } | null;
  replaySpeed: number;
  /** --prometheus: where to serve /metrics. */
  prometheus: { host: string; port: number } | null;
  /** Peer address/port labels on the Prometheus and OTLP series, at most this many (0 = none). */
  peerLabelLimit: number;
  /** --otlp: the OTLP/HTTP metrics endpoint. */
  otlpUrl: string | null;
  otlpIntervalMs: number;
  /** --resolve (with --resolver): PTR lookups for unnamed peers; null when off (the default). */
  resolve: ResolveOption | null;
}

const MIN_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 60_000;

/** meow reports unknown flags over several lines; netscope says it in one, naming the flag. */
function rejectUnknownFlags(argv: readonly string[]): void {
  const known = knownFlagSpellings();
  for (const argument of argv) {
    if (argument === '--') break;
    if (!argument.startsWith('-') || /^-\d/.test(argument)) continue;
    const flag = argument.split('=')[0] ?? argument;
    const isShortCluster = !flag.startsWith('--') && flag.length > 2;
    if (isShortCluster ? ![...flag.slice(1)].every((letter) => known.has(`-${letter}`)) : !known.has(flag)) {
      throw new UsageError(`unknown flag ${flag} — see netscope --help`);
    }
  }
}

function requireFinite(value: number, flag: string, unit: string): number {
  if (!Number.isFinite(value)) throw new UsageError(`${flag} needs a number of ${unit} — e.g. ${flag} 5`);
  return value;
}

function nonEmpty(value: string | undefined, flag: string, what: string): string | null {
  if (value === undefined) return null;
  if (value.trim() === '') throw new UsageError(`${flag} needs ${what}`);
  return value.trim();
}

/** The host root must hold the host's /proc; '' is the host itself. */
function validHostRoot(hostRoot: string, source: string): string {
  if (hostRoot === '' || hostRoot === '/') return '';
  if (!path.isAbsolute(hostRoot)) throw new UsageError(`${source} ${hostRoot} is not an absolute path — e.g. --host-root /host`);
  let hasProc = false;
  try {
    hasProc = statSync(path.join(hostRoot, 'proc', '1')).isDirectory();
  } catch {
    // reported below
  }
  if (!hasProc) {
    throw new UsageError(`${source} ${hostRoot} has no host /proc at ${path.join(hostRoot, 'proc')} — mount it there (e.g. -v /proc:${path.join(hostRoot, 'proc')}:ro) or drop ${source}`);
  }
  return hostRoot;
}

/** `--at`: an RFC 3339 time, or seconds into the recording (`90`, `+90`, `90s`). */
function parseReplayAt(text: string): { kind: 'absolute' | 'relative'; ms: number } {
  const seconds = /^\+?(\d+(?:\.\d+)?)s?$/.exec(text.trim());
  if (seconds) return { kind: 'relative', ms: Number(seconds[1]) * 1000 };
  const ms = Date.parse(text);
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && Number.isFinite(ms)) return { kind: 'absolute', ms };
  throw new UsageError(`--at ${text} is not a time — use RFC 3339 (2026-11-25T10:00:00Z) or seconds into the recording (90)`);
}

/** `--prometheus [ADDR:]PORT`: loopback unless an address is given (metrics name processes and containers). */
function parseListenAddress(text: string): { host: string; port: number } {
  const match = /^(?:(\[[0-9a-fA-F:]+\]|[^:\s]+):)?(\d+)$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (match === null || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`--prometheus ${text} is not [ADDR:]PORT — e.g. --prometheus 9464 or --prometheus 0.0.0.0:9464`);
  }
  return { host: (match[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port };
}

function parseOtlpUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--otlp ${text} is not a URL — e.g. --otlp http://127.0.0.1:4318/v1/metrics`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--otlp ${text} must be http:// or https:// (OTLP/HTTP)`);
  return url.toString();
}

/** `triage` captures, reports and exits: the flags of the other modes, and the live view's, do not apply. */
function rejectOutsideTriage(flags: { events: boolean; headless: boolean; filter?: string; sort?: string }): void {
  const otherMode = flags.events ? '--events' : flags.headless ? '--headless' : null;
  if (otherMode !== null) throw new UsageError(`triage prints its report and exits — drop ${otherMode}, a mode of its own`);
  if (flags.filter !== undefined || flags.sort !== undefined) {
    throw new UsageError('--filter and --sort shape the live view — scope triage with --pid, --port, --container or --pod');
  }
}

/** What the command line asks for: help, the version, or a mode with its validated options. */
export type Command = { mode: 'help' } | { mode: 'version' } | CliOptions;

export function parseCommandLine(argv: readonly string[], importMeta: ImportMeta): Command {
  rejectUnknownFlags(argv);
  const cli = meow(helpText, {
    importMeta,
    argv: [...argv],
    flags: meowFlags(),
    autoHelp: false,
    autoVersion: false,
    allowUnknownFlags: true,
  });
  const { flags } = cli;
  const [command, ...extra] = cli.input;
  const isSubcommand = command === 'doctor' || command === 'triage';
  if (command !== undefined && (!isSubcommand || extra.length > 0)) {
    throw new UsageError(`unexpected argument ${isSubcommand ? extra[0] : command} — see netscope --help`);
  }
  if (flags.help) return { mode: 'help' };
  if (flags.version) return { mode: 'version' };
  const triage = command === 'triage';
  if (triage) rejectOutsideTriage(flags);

  const defaultDuration = triage ? TRIAGE_DURATION_SECONDS : flags.events || flags.headless ? 0 : JSON_DURATION_SECONDS;
  const durationSeconds = requireFinite(flags.duration ?? defaultDuration, '--duration', 'seconds');
  if (durationSeconds < 0) throw new UsageError('--duration cannot be negative — use 0 to capture until Ctrl-C');
  const intervalMs = requireFinite(flags.interval, '--interval', 'milliseconds');
  if (intervalMs < MIN_INTERVAL_MS || intervalMs > MAX_INTERVAL_MS) {
    throw new UsageError(`--interval ${intervalMs} is out of range — use ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS} ms`);
  }
  const ringBufferMb = requireFinite(flags.ringBufferMb, '--ring-buffer-mb', 'MiB');
  if (ringBufferMb < 1 || ringBufferMb > 1024 || !Number.isInteger(Math.log2(ringBufferMb))) {
    throw new UsageError(`--ring-buffer-mb ${ringBufferMb} must be a power of two from 1 to 1024`);
  }
  if (flags.output !== undefined && flags.output.trim() === '') throw new UsageError('--output needs a file name');
  if (flags.output !== undefined && !flags.json) {
    throw new UsageError(
      triage ? '--output writes the findings as JSON — add --json (the report goes to stdout)' : '--output writes the --json snapshot — add --json (the live view saves with s into --output-dir)',
    );
  }
  const pid = flags.pid === undefined ? null : requireFinite(flags.pid, '--pid', 'a process id');
  if (pid !== null && (!Number.isInteger(pid) || pid < 1)) throw new UsageError(`--pid ${pid} is not a process id — use a positive whole number`);
  const port = flags.port === undefined ? null : requireFinite(flags.port, '--port', 'a port');
  if (port !== null && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    throw new UsageError(`--port ${port} is out of range — use 1 to 65535`);
  }
  const container = nonEmpty(flags.container, '--container', 'a container name or id prefix');
  const pod = nonEmpty(flags.pod, '--pod', 'a pod name (or NAMESPACE/NAME)');
  const hostRoot = validHostRoot(flags.hostRoot ?? process.env.NETSCOPE_HOST_ROOT ?? '', flags.hostRoot === undefined ? 'NETSCOPE_HOST_ROOT' : '--host-root');
  const keepClosedSeconds = requireFinite(flags.keepClosed, '--keep-closed', 'seconds');
  if (keepClosedSeconds < 0 || keepClosedSeconds > 86_400) throw new UsageError(`--keep-closed ${keepClosedSeconds} is out of range — use 0 to 86400 seconds`);
  const maxClosedConnections = requireFinite(flags.maxClosed, '--max-closed', 'connections');
  if (!Number.isInteger(maxClosedConnections) || maxClosedConnections < 0 || maxClosedConnections > 1_000_000) {
    throw new UsageError(`--max-closed ${maxClosedConnections} is out of range — use a whole number from 0 to 1000000`);
  }
  const eventLogLength = requireFinite(flags.eventLog, '--event-log', 'events');
  if (!Number.isInteger(eventLogLength) || eventLogLength < 0 || eventLogLength > 100_000) {
    throw new UsageError(`--event-log ${eventLogLength} is out of range — use a whole number from 0 to 100000`);
  }
  const sort = flags.sort === undefined ? null : findSort('connections', flags.sort);
  if (flags.sort !== undefined && sort === null) {
    throw new UsageError(`--sort ${flags.sort} is not a column — use one of ${columnIds('connections').join(', ')}`);
  }
  const filterError = flags.filter === undefined ? null : parseFilter(flags.filter).error;
  if (filterError !== null) throw new UsageError(`--filter: ${filterError} — see the filter syntax in netscope --help or the ? screen`);
  if (flags.json && (flags.filter !== undefined || flags.sort !== undefined)) {
    throw new UsageError('--filter and --sort shape the live view — with --json, select with --pid/--port or jq');
  }
  const modeFlags = [flags.json && '--json', flags.events && '--events', flags.headless && '--headless'].filter(Boolean);
  if (modeFlags.length > 1) throw new UsageError(`${modeFlags.join(' and ')} are different modes — choose one`);
  const recordMaxMb = requireFinite(flags.recordMaxMb, '--record-max-mb', 'MiB');
  if (recordMaxMb < 1 || recordMaxMb > 65_536) throw new UsageError(`--record-max-mb ${recordMaxMb} is out of range — use 1 to 65536`);
  const flightMaxMb = requireFinite(flags.flightMaxMb, '--flight-max-mb', 'MiB');
  if (flightMaxMb < 1 || flightMaxMb > 4096) throw new UsageError(`--flight-max-mb ${flightMaxMb} is out of range — use 1 to 4096`);
  const flightDumps = requireFinite(flags.flightDumps, '--flight-dumps', 'dumps');
  if (!Number.isInteger(flightDumps) || flightDumps < 0 || flightDumps > 100) throw new UsageError(`--flight-dumps ${flightDumps} is out of range — use a whole number from 0 (none) to 100`);
  // A capture that prints one document and exits is over before its minutes would matter, and
  // on a host with 40,000 sockets the recorder was 15-20 MiB of a --json run's peak.
  const printsAndExits = (flags.json && durationSeconds > 0) || triage;
  const flightMinutes = requireFinite(flags.flightMinutes ?? (printsAndExits && flightDumps === 0 ? 0 : FLIGHT_MINUTES), '--flight-minutes', 'minutes');
  if (flightMinutes < 0 || flightMinutes > 1440) throw new UsageError(`--flight-minutes ${flightMinutes} is out of range — use 0 (off) to 1440`);
  const flightDumpsMaxMb = requireFinite(flags.flightDumpsMaxMb, '--flight-dumps-max-mb', 'MiB');
  if (flightDumpsMaxMb < 1 || flightDumpsMaxMb > 1_048_576) throw new UsageError(`--flight-dumps-max-mb ${flightDumpsMaxMb} is out of range — use 1 to 1048576`);
  const recordPath = nonEmpty(flags.record, '--record', 'a file name');
  const replayPath = nonEmpty(flags.replay, '--replay', 'a recording file');
  if (recordPath !== null && replayPath !== null) throw new UsageError('--record and --replay together would record a replay — drop one');
  const replayMaxMb = flags.replayMaxMb === undefined ? null : requireFinite(flags.replayMaxMb, '--replay-max-mb', 'MiB');
  if (replayMaxMb !== null && (replayMaxMb < 1 || replayMaxMb > 65_536)) throw new UsageError(`--replay-max-mb ${replayMaxMb} is out of range — use 1 to 65536`);
  if (replayMaxMb !== null && replayPath === null) throw new UsageError('--replay-max-mb caps what --replay reads — use it with --replay FILE');
  if (replayPath !== null && flags.headless) throw new UsageError('--replay plays into the live view or --json — drop --headless');
  if (flightDumps > 0) {
    const recorderOff = flightMinutes === 0 ? '--flight-minutes 0 turns the flight recorder off' : recordPath !== null ? '--record writes everything already' : replayPath !== null ? 'a replay records nothing' : null;
    if (recorderOff !== null) throw new UsageError(`--flight-dumps writes the flight recorder out, but ${recorderOff} — drop --flight-dumps`);
  }
  const replayAt = flags.at === undefined ? null : parseReplayAt(flags.at);
  if (replayAt !== null && (replayPath === null || !(flags.json || triage))) throw new UsageError('--at picks the moment of a replay snapshot — use it with --replay FILE --json');
  const baselinePath = nonEmpty(flags.baseline, '--baseline', 'a snapshot or recording file');
  if (baselinePath !== null && (flags.events || flags.headless || triage)) {
    throw new UsageError('--baseline says what changed in --json or the live view — drop it with --events, --headless and triage');
  }
  const replaySpeed = requireFinite(flags.speed, '--speed', 'a factor');
  if (replaySpeed <= 0 || replaySpeed > 1000) throw new UsageError(`--speed ${replaySpeed} is out of range — use more than 0, up to 1000`);
  const prometheus = flags.prometheus === undefined ? null : parseListenAddress(flags.prometheus);
  const peerLabelLimit = requireFinite(flags.prometheusPeers, '--prometheus-peers', 'series');
  if (!Number.isInteger(peerLabelLimit) || peerLabelLimit < 0 || peerLabelLimit > 100_000) {
    throw new UsageError(`--prometheus-peers ${peerLabelLimit} is out of range — use a whole number from 0 to 100000`);
  }
  const otlpUrl = flags.otlp === undefined ? null : parseOtlpUrl(flags.otlp);
  const resolve = resolveOption(flags.resolve, flags.resolver, replayPath !== null);
  const otlpIntervalMs = requireFinite(flags.otlpInterval, '--otlp-interval', 'milliseconds');
  if (otlpIntervalMs < 100 || otlpIntervalMs > 3_600_000) throw new UsageError(`--otlp-interval ${otlpIntervalMs} is out of range — use 100 to 3600000 ms`);
  return {
    mode: triage ? 'triage' : command === 'doctor' ? 'doctor' : flags.json ? 'json' : flags.events ? 'events' : flags.headless ? 'headless' : 'tui',
    triageOutput: flags.json ? 'json' : 'report',
    durationMs: durationSeconds * 1000,
    intervalMs,
    outputPath: flags.output ?? null,
    ringBufferBytes: ringBufferMb * 1024 * 1024,
    filter: flags.filter ?? null,
    sort,
    pid,
    port,
    container,
    pod,
    hostRoot,
    noColor: !flags.color || (process.env.NO_COLOR ?? '') !== '',
    showSecrets: flags.showSecrets,
    closedRetentionMs: keepClosedSeconds * 1000,
    maxClosedConnections,
    eventLogLength,
    outputDirectory: flags.outputDir ?? process.cwd(),
    recordPath,
    recordMaxBytes: recordMaxMb * 1024 * 1024,
    flightWindowMs: flightMinutes * 60_000,
    flightMaxBytes: flightMaxMb * 1024 * 1024,
    flightDumps,
    flightDumpsMaxBytes: flightDumpsMaxMb * 1024 * 1024,
    replayPath,
    replayMaxBytes: replayMaxMb === null ? null : replayMaxMb * 1024 * 1024,
    replayAt,
    replaySpeed,
    baselinePath,
    prometheus,
    peerLabelLimit,
    otlpUrl,
    otlpIntervalMs,
    resolve,
  };
}
