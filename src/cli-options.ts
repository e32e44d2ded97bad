/**
 * Command-line flags → validated options. Every mistake becomes a UsageError whose one line
 * names the flag and the fix; nothing here touches the kernel.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import meow from 'meow';
import { columnIds } from './ui/view-model/columns.js';
import { parseFilter } from './ui/view-model/filter-query.js';

export const helpText = `
  Usage
    $ netscope [options]          live view of every TCP connection (needs a terminal)
    $ netscope --json [options]   capture for a while, then print one JSON snapshot
    $ netscope doctor             check everything netscope needs, with the fix for each

  Options
    -F, --filter TEXT      Start the live view filtered (fuzzy; pid:N port:N state:NAME ctr:NAME pod:NAME prefixes)
    --sort COLUMN          Sort the Connections pane by COLUMN (e.g. rate, sent, rtt, remote)
    -p, --pid PID          Only that process's connections (a scope in the live view)
    --port PORT            Only connections with PORT on either side
    -c, --container NAME   Only that container's connections (its name, or a prefix of its id)
    --pod NAME             Only that Kubernetes pod's connections (NAME or NAMESPACE/NAME)
    --host-root DIR        The host's / is mounted at DIR (running in a container; also NETSCOPE_HOST_ROOT)
    --no-color             No colours (NO_COLOR in the environment does the same)
    --show-secrets         Show command lines unredacted (passwords, tokens, keys are hidden by default)
    --keep-closed SECONDS  How long closed connections stay listed (default 60)
    --max-closed N         At most this many closed connections kept (default 10000)
    --event-log N          Events kept for the Events pane (default 1000)
    --output-dir DIR       Where the live view's s key saves snapshots (default: the current directory)
    --json                 Headless: capture, print a JSON snapshot, exit
    --duration SECONDS     How long --json captures (default 5; until Ctrl-C with 0)
    -d, --interval MS      Tick: how often counters are sampled and rates folded (default 1000)
    -o, --output FILE      Write the JSON snapshot to FILE (atomically, mode 0600) instead of stdout
    --ring-buffer-mb MB    Kernel ring buffer for events, a power of two (default 4)
    -h, --help             Show this help
    --version              Show the version

  Examples
    $ sudo netscope
    $ sudo netscope -F nginx --sort rtt
    $ sudo netscope --port 5432
    $ sudo netscope -c web --json | jq '.containers'
    $ sudo netscope --json --duration 10 | jq '.connections[] | {comm, daddr, dport, bytesSent}'
    $ sudo "$(command -v netscope)" --json -o /root/incident.json
`;

const flagDefinitions = {
  filter: { type: 'string', shortFlag: 'F' },
  sort: { type: 'string' },
  pid: { type: 'number', shortFlag: 'p' },
  port: { type: 'number' },
  container: { type: 'string', shortFlag: 'c' },
  pod: { type: 'string' },
  hostRoot: { type: 'string' },
  color: { type: 'boolean', default: true },
  showSecrets: { type: 'boolean', default: false },
  keepClosed: { type: 'number', default: 60 },
  maxClosed: { type: 'number', default: 10_000 },
  eventLog: { type: 'number', default: 1000 },
  outputDir: { type: 'string' },
  json: { type: 'boolean', default: false },
  duration: { type: 'number', default: 5 },
  interval: { type: 'number', shortFlag: 'd', default: 1000 },
  output: { type: 'string', shortFlag: 'o' },
  ringBufferMb: { type: 'number', default: 4 },
  help: { type: 'boolean', shortFlag: 'h', default: false },
  version: { type: 'boolean', default: false },
} as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface CliOptions {
  mode: 'tui' | 'json' | 'doctor' | 'help' | 'version';
  /** --json capture length in ms; 0 means until a signal. */
  durationMs: number;
  intervalMs: number;
  outputPath: string | null;
  ringBufferBytes: number;
  /** Live view: initial filter text. */
  filter: string | null;
  /** Live view: Connections sort column id. */
  sort: string | null;
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
}

const MIN_INTERVAL_MS = 100;
const MAX_INTERVAL_MS = 60_000;

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** meow reports unknown flags over several lines; netscope says it in one, naming the flag. */
function rejectUnknownFlags(argv: readonly string[]): void {
  const known = new Set<string>();
  for (const [name, definition] of Object.entries(flagDefinitions)) {
    known.add(`--${kebab(name)}`);
    if (definition.type === 'boolean') known.add(`--no-${kebab(name)}`);
    if ('shortFlag' in definition) known.add(`-${definition.shortFlag}`);
  }
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

export function parseCliOptions(argv: readonly string[], importMeta: ImportMeta): CliOptions {
  rejectUnknownFlags(argv);
  const cli = meow(helpText, {
    importMeta,
    argv: [...argv],
    flags: flagDefinitions,
    autoHelp: false,
    autoVersion: false,
    allowUnknownFlags: true,
  });
  const { flags } = cli;
  const [command, ...extra] = cli.input;
  if (command !== undefined && (command !== 'doctor' || extra.length > 0)) {
    throw new UsageError(`unexpected argument ${command === 'doctor' ? extra[0] : command} — see netscope --help`);
  }
  if (flags.help) return { ...defaults(), mode: 'help' };
  if (flags.version) return { ...defaults(), mode: 'version' };

  const durationSeconds = requireFinite(flags.duration, '--duration', 'seconds');
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
  if (flags.output !== undefined && !flags.json) throw new UsageError('--output writes the --json snapshot — add --json (the live view saves with s into --output-dir)');
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
  if (flags.sort !== undefined && !columnIds('connections').includes(flags.sort)) {
    throw new UsageError(`--sort ${flags.sort} is not a column — use one of ${columnIds('connections').join(', ')}`);
  }
  const filterError = flags.filter === undefined ? null : parseFilter(flags.filter).error;
  if (filterError !== null) throw new UsageError(`--filter: ${filterError} — see the filter syntax in netscope --help or the ? screen`);
  if (flags.json && (flags.filter !== undefined || flags.sort !== undefined)) {
    throw new UsageError('--filter and --sort shape the live view — with --json, select with --pid/--port or jq');
  }
  return {
    mode: command === 'doctor' ? 'doctor' : flags.json ? 'json' : 'tui',
    durationMs: durationSeconds * 1000,
    intervalMs,
    outputPath: flags.output ?? null,
    ringBufferBytes: ringBufferMb * 1024 * 1024,
    filter: flags.filter ?? null,
    sort: flags.sort ?? null,
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
  };
}

function defaults(): CliOptions {
  return {
    mode: 'tui',
    durationMs: 5000,
    intervalMs: 1000,
    outputPath: null,
    ringBufferBytes: 4 * 1024 * 1024,
    filter: null,
    sort: null,
    pid: null,
    port: null,
    container: null,
    pod: null,
    hostRoot: '',
    noColor: false,
    showSecrets: false,
    closedRetentionMs: 60_000,
    maxClosedConnections: 10_000,
    eventLogLength: 1000,
    outputDirectory: process.cwd(),
  };
}
