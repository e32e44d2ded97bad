/**
 * Every flag once: its type, short form, default and help line. meow's flag definitions, the
 * unknown-flag check and `--help` are all made from this table, so a default is written in one
 * place only.
 */

interface FlagBase {
  shortFlag?: string;
  /** The value's name in the help (`FILE`, `MS`); none for a boolean. */
  value?: string;
  /** The help line; `{default}` stands for the default. */
  help: string;
}

type FlagDefinition =
  | (FlagBase & { type: 'string'; default?: string })
  | (FlagBase & { type: 'number'; default?: number })
  | (FlagBase & { type: 'boolean'; default: boolean; negated?: boolean });

/** `--duration` with `--json` when not given; `--events` and `--headless` run until stopped. */
export const JSON_DURATION_SECONDS = 5;
/**
 * `--duration` of `triage` when not given: the issue's own figure, long enough for a blackholed
 * peer's second SYN retransmit (1 s, then 3 s after the connect) and for five ticks of evidence
 * at the default interval; short enough to run from an alert. Faults that need longer (a
 * CLOSE_WAIT leak's growth) are also seen from the sockets already there when it starts.
 */
export const TRIAGE_DURATION_SECONDS = 5;
/** The flight recorder's window where the capture runs until a signal. */
export const FLIGHT_MINUTES = 10;

export const flagTable = {
  filter: { type: 'string', shortFlag: 'F', value: 'TEXT', help: 'Start the live view filtered, or select --events lines (fuzzy; pid:N port:N state:NAME ctr:NAME pod:NAME prefixes)' },
  sort: { type: 'string', value: 'COLUMN', help: 'Sort the Connections pane by COLUMN (e.g. rate, sent, rtt, remote)' },
  pid: { type: 'number', shortFlag: 'p', value: 'PID', help: "Only that process's connections (a scope in the live view)" },
  port: { type: 'number', value: 'PORT', help: 'Only connections with PORT on either side' },
  container: { type: 'string', shortFlag: 'c', value: 'NAME', help: "Only that container's connections (its name, or a prefix of its id)" },
  pod: { type: 'string', value: 'NAME', help: "Only that Kubernetes pod's connections (NAME or NAMESPACE/NAME)" },
  hostRoot: { type: 'string', value: 'DIR', help: "The host's / is mounted at DIR (running in a container; also NETSCOPE_HOST_ROOT)" },
  color: { type: 'boolean', default: true, negated: true, help: 'No colours (NO_COLOR in the environment does the same)' },
  showSecrets: { type: 'boolean', default: false, help: 'Show command lines unredacted (passwords, tokens, keys are hidden by default)' },
  keepClosed: { type: 'number', default: 60, value: 'SECONDS', help: 'How long closed connections stay listed (default {default})' },
  maxClosed: { type: 'number', default: 10_000, value: 'N', help: 'At most this many closed connections kept (default {default})' },
  eventLog: { type: 'number', default: 1000, value: 'N', help: 'Events kept for the Events pane (default {default})' },
  outputDir: { type: 'string', value: 'DIR', help: "Where the live view's s key saves snapshots, and flight dumps go (default: the current directory)" },
  json: { type: 'boolean', default: false, help: 'Headless: capture, print a JSON snapshot, exit' },
  duration: { type: 'number', value: 'SECONDS', help: `How long --json (default ${JSON_DURATION_SECONDS}), triage (default ${TRIAGE_DURATION_SECONDS}), --events or --headless (default: until Ctrl-C) capture; 0: until Ctrl-C` },
  interval: { type: 'number', shortFlag: 'd', default: 1000, value: 'MS', help: 'Tick: how often counters are sampled and rates folded (default {default})' },
  output: { type: 'string', shortFlag: 'o', value: 'FILE', help: 'Write the JSON snapshot to FILE (atomically, mode 0600) instead of stdout' },
  ringBufferMb: { type: 'number', default: 8, value: 'MB', help: 'Kernel ring buffer for events, a power of two (default {default})' },
  record: { type: 'string', value: 'FILE', help: 'Record what the model ingests as NDJSON (gzip when FILE ends in .gz; 0600)' },
  recordMaxMb: { type: 'number', default: 256, value: 'MB', help: 'Stop recording at this size (default {default})' },
  flightMinutes: { type: 'number', value: 'N', help: `Keep the last N minutes in memory for w / SIGUSR1 (default ${FLIGHT_MINUTES}; 0 = off; none for a --json capture with a duration, or triage, unless --flight-dumps)` },
  flightMaxMb: { type: 'number', default: 64, value: 'MB', help: 'Memory cap of the flight recorder (default {default})' },
  flightDumps: { type: 'number', default: 0, value: 'N', help: 'When a critical finding opens, write the flight recorder into --output-dir, at most N times a run (default {default}: never)' },
  flightDumpsMaxMb: { type: 'number', default: 1024, value: 'MB', help: 'Disk those dumps may take in a run, all together (default {default})' },
  replay: { type: 'string', value: 'FILE', help: 'Replay a recording instead of capturing' },
  replayMaxMb: { type: 'number', value: 'MB', help: 'Refuse a recording larger than this once decompressed (default 1024, less where memory is short)' },
  at: { type: 'string', value: 'TIME', help: 'With --replay --json: the snapshot at TIME (RFC 3339, or seconds into the recording)' },
  speed: { type: 'number', default: 1, value: 'X', help: 'Replay speed in the live view (default {default})' },
  baseline: { type: 'string', value: 'FILE', help: 'What changed since FILE, a snapshot or recording taken when all was fine (--json "changes"; B in the live view; b marks now)' },
  events: { type: 'boolean', default: false, help: 'Stream events as NDJSON on stdout (filters apply)' },
  headless: { type: 'boolean', default: false, help: 'Run without a UI until SIGINT/SIGTERM (for --record, --prometheus, --otlp)' },
  prometheus: { type: 'string', value: '[ADDR:]PORT', help: 'Serve Prometheus metrics on /metrics (default address 127.0.0.1)' },
  prometheusPeers: { type: 'number', default: 0, value: 'N', help: 'Add peer address/port labels, at most N series (default {default}: none)' },
  otlp: { type: 'string', value: 'URL', help: 'Export the same metrics over OTLP/HTTP (e.g. http://127.0.0.1:4318/v1/metrics)' },
  otlpInterval: { type: 'number', default: 10_000, value: 'MS', help: 'OTLP export interval (default {default})' },
  resolve: { type: 'boolean', default: false, help: 'Name peers no DNS answer or hosts file named by reverse (PTR) lookups: traffic of its own, so off by default' },
  resolver: { type: 'string', value: 'ADDR[:PORT]', help: "The DNS server --resolve asks (default: the host's /etc/resolv.conf servers)" },
  help: { type: 'boolean', shortFlag: 'h', default: false, help: 'Show this help' },
  version: { type: 'boolean', default: false, help: 'Show the version' },
} as const satisfies Record<string, FlagDefinition>;

export type FlagName = keyof typeof flagTable;

/** `hostRoot` → `host-root`. */
export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** The flags as meow takes them: type, short flag, default. */
export function meowFlags(): { [Name in FlagName]: Omit<(typeof flagTable)[Name], 'help' | 'value' | 'negated'> } {
  return Object.fromEntries(
    Object.entries(flagTable).map(([name, { help: _help, value: _value, negated: _negated, ...definition }]: [string, FlagDefinition & { negated?: boolean }]) => [name, definition]),
  ) as ReturnType<typeof meowFlags>;
}

/** Every spelling the command line may use: `--name`, `--no-name` for booleans, `-x`. */
export function knownFlagSpellings(): Set<string> {
  const known = new Set<string>();
  for (const [name, definition] of Object.entries(flagTable) as [string, FlagDefinition][]) {
    known.add(`--${kebab(name)}`);
    if (definition.type === 'boolean') known.add(`--no-${kebab(name)}`);
    if (definition.shortFlag !== undefined) known.add(`-${definition.shortFlag}`);
  }
  return known;
}

const HELP_COLUMN = 23;

function optionLines(): string {
  return (Object.entries(flagTable) as [string, FlagDefinition & { negated?: boolean }][])
    .map(([name, definition]) => {
      const long = `--${definition.negated === true ? 'no-' : ''}${kebab(name)}`;
      const spelling = `${definition.shortFlag === undefined ? '' : `-${definition.shortFlag}, `}${long}${definition.value === undefined ? '' : ` ${definition.value}`}`;
      const help = definition.help.replace('{default}', String(definition.default));
      return `    ${spelling.padEnd(Math.max(HELP_COLUMN, spelling.length + 2))}${help}`;
    })
    .join('\n');
}

export const helpText = `
  Usage
    $ netscope [options]          live view of every TCP connection (needs a terminal)
    $ netscope --json [options]   capture for a while, then print one JSON snapshot
    $ netscope --events           stream connect/accept/state/retransmit/reset/drop/close/finding as NDJSON
    $ netscope --headless         no UI: record and export until signalled
    $ netscope --replay FILE      replay a recording (no privilege needed), live view or --json
    $ netscope triage [options]   capture a few seconds, then say what is wrong, worst first (or --json)
    $ netscope doctor             check everything netscope needs, with the fix for each

  Options
${optionLines()}

  Exit codes
    0 ok · 1 failure · 2 bad usage · 65 bad recording · 66 no recording · 69 kernel unsupported
    73 output refused · 74 output failed · 77 missing privilege
    triage: 0 nothing wrong (info at most) · 10 warnings only · 11 a critical finding

  Examples
    $ sudo netscope
    $ sudo netscope -F nginx --sort rtt
    $ sudo netscope --port 5432
    $ sudo netscope triage --duration 10 || page-oncall
    $ sudo netscope -c web --json | jq '.containers'
    $ sudo netscope --events --port 443 | jq -c 'select(.type == "close") | {comm, daddr, bytesSent, durationMs}'
    $ sudo netscope --json --duration 10 | jq '.connections[] | {comm, daddr, dport, bytesSent}'
    $ sudo "$(command -v netscope)" --json -o /root/incident.json
`;
