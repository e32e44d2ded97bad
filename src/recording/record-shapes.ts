/**
 * What a recorded line must look like to be handed to the model: one parser per ModelRecord
 * kind, field by field. The shapes are typed against records.ts, so a field added to a record
 * does not compile until its parser is added here — a replay never feeds the model a record it
 * would misread.
 *
 * Parsing builds a new value from the fields the shape names (anything else on the line is left
 * behind), and every string in it passes escapeRecordedText: a recording is a file anyone may
 * have edited, and no text leaves here that a terminal would act on.
 */
import type {
  AddressPort,
  ContainerIdentity,
  ContainerRecord,
  DestinationPorts,
  Endpoints,
  FlowLimitCounters,
  GaugesRecord,
  HostTcpGauges,
  KernelPressureCounters,
  ModelRecord,
  NamespaceGauges,
  ProcessDescriptors,
  TaskOwner,
  TcpCounters,
  UdpFlowCounters,
} from '../model/records.js';
import type { HostInfo, ProbeStatus } from '../model/snapshot-types.js';
import type { Workload } from '../model/workload.js';
import { escapeRecordedText } from '../enrich/untrusted-text.js';

/** A value read from a recording, checked and its text cleaned; or why it cannot be used. */
export type Parsed<T> = { value: T } | { problem: string };

/** Reads `value`, found at `path` (e.g. `endpoints.sport`), as a T. */
export type Parser<T> = (value: unknown, path: string) => Parsed<T>;

/** One parser for every field of T, giving that field's type: missing one is a compile error. */
type Shape<T> = { readonly [Field in keyof T]-?: Parser<T[Field]> };

type RecordOfKind<Kind extends ModelRecord['kind']> = Extract<ModelRecord, { kind: Kind }>;

/** The earliest time a recording may hold: 2000-01-01T00:00:00Z, ms since the epoch. */
export const EARLIEST_TIME_MS = Date.UTC(2000, 0, 1);
/** Past the latest time a recording may hold: 2200-01-01T00:00:00Z, ms since the epoch. */
export const TIME_LIMIT_MS = Date.UTC(2200, 0, 1);

/** A short excerpt of recorded content for a message, with nothing in it a terminal would act on. */
export function excerpt(value: unknown): string {
  const shown = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  return escapeRecordedText(shown.length > 40 ? `${shown.slice(0, 40)}…` : shown);
}

function missingOr(value: unknown, path: string, wanted: string): { problem: string } {
  return { problem: value === undefined ? `${path} is missing` : `${path} is not ${wanted} (${excerpt(value)})` };
}

/** A check with the words for what it wants (`a port`); a missing field says so. */
function expect<T>(wanted: string, test: (value: unknown) => value is T): Parser<T> {
  return (value, path) => (test(value) ? { value } : missingOr(value, path, wanted));
}

function isWhole(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

const wholeNumber = expect('a whole number', isWhole);
const port = expect('a port', (value): value is number => isWhole(value) && value <= 65535);
/** Kernel TCP states are 1 (ESTABLISHED) to 12 (NEW_SYN_RECV), as in tcp_states.h. */
const tcpState = expect('a TCP state number', (value): value is RecordOfKind<'sample'>['state'] => isWhole(value) && value >= 1 && value <= 12);

/**
 * A time, ms since the epoch, within 2000–2199: a date can be made of it, and durations between
 * two of them are finite. Fractions are kept (kernel event times are nanoseconds made ms).
 */
export const epochMs = expect(
  'a time from 2000 to 2199 in ms since the epoch',
  (value): value is number => typeof value === 'number' && value >= EARLIEST_TIME_MS && value < TIME_LIMIT_MS,
);

/** Any string, cleaned. */
export const text: Parser<string> = (value, path) => (typeof value === 'string' ? { value: escapeRecordedText(value) } : missingOr(value, path, 'a string'));

/** An RFC 3339 time within the years `epochMs` allows, as its text. */
export const rfc3339Time: Parser<string> = (value, path) => {
  const parsed = text(value, path);
  if ('problem' in parsed) return parsed;
  const ms = Date.parse(parsed.value);
  const valid = /^\d{4}-\d\d-\d\dT/.test(parsed.value) && ms >= EARLIEST_TIME_MS && ms < TIME_LIMIT_MS;
  return valid ? parsed : { problem: `${path} is not an RFC 3339 time from 2000 to 2199` };
};

export function oneOf<const Allowed extends string>(...allowed: readonly Allowed[]): Parser<Allowed> {
  return expect(`one of ${allowed.join(', ')}`, (value): value is Allowed => typeof value === 'string' && (allowed as readonly string[]).includes(value));
}

function nullable<T>(parse: Parser<T>): Parser<T | null> {
  return (value, path) => (value === null ? { value: null } : parse(value, path));
}

/** A field later versions added: absent from an older recording, so absent from what it replays. */
function optional<T>(parse: Parser<T>): Parser<T | undefined> {
  return (value, path) => (value === undefined ? { value: undefined } : parse(value, path));
}

function arrayOf<T>(parse: Parser<T>): Parser<T[]> {
  return (value, path) => {
    if (!Array.isArray(value)) return { problem: value === undefined ? `${path} is missing` : `${path} is not a list` };
    const items: T[] = [];
    for (const [index, item] of value.entries()) {
      const parsed = parse(item, `${path}[${index}]`);
      if ('problem' in parsed) return parsed;
      items.push(parsed.value);
    }
    return { value: items };
  };
}

export function object<T>(shape: Shape<T>): Parser<T> {
  const fields = Object.entries<Parser<unknown>>(shape);
  return (value, path) => {
    if (value === undefined) return { problem: `${path} is missing` };
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: `${path || 'the line'} is not an object` };
    const built: Record<string, unknown> = {};
    for (const [field, parse] of fields) {
      const parsed = parse((value as Record<string, unknown>)[field], path === '' ? field : `${path}.${field}`);
      if ('problem' in parsed) return parsed;
      if (parsed.value !== undefined) built[field] = parsed.value;
    }
    return { value: built as T };
  };
}

const endpoints = object<Endpoints>({ family: oneOf('ipv4', 'ipv6'), saddr: text, sport: port, daddr: text, dport: port, netns: wholeNumber });

const counters = object<TcpCounters>({
  bytesAcked: wholeNumber,
  bytesReceived: wholeNumber,
  segsOut: wholeNumber,
  segsIn: wholeNumber,
  totalRetrans: wholeNumber,
  srttUs: wholeNumber,
});

const addressPort = object<AddressPort>({ address: text, port });
const udpFlowCounters = object<UdpFlowCounters>({
  bytesSent: wholeNumber,
  bytesReceived: wholeNumber,
  packetsSent: wholeNumber,
  packetsReceived: wholeNumber,
  firstPacketAtMs: epochMs,
  lastPacketAtMs: epochMs,
});

const yesNo = expect('true or false', (value): value is boolean => typeof value === 'boolean');


const flowLimitCounters = object<FlowLimitCounters>({
  busyUs: wholeNumber,
  rwndLimitedUs: wholeNumber,
  sndbufLimitedUs: wholeNumber,
  deliveryRate: wholeNumber,
  appLimited: yesNo,
  notsentBytes: wholeNumber,
  sndCwnd: wholeNumber,
  sndSsthresh: wholeNumber,
  sndWnd: nullable(wholeNumber),
  rcvWnd: nullable(wholeNumber),
  probes: wholeNumber,
  probeTimerArmed: yesNo,
});

const taskOwner = object<TaskOwner>({ pid: wholeNumber, comm: text, uid: wholeNumber, cgroupId: wholeNumber });

const containerIdentity = object<ContainerIdentity>({
  id: text,
  name: text,
  runtime: oneOf('docker', 'containerd', 'cri-o', 'podman', 'unknown'),
  image: nullable(text),
  pod: nullable(text),
  namespace: nullable(text),
  podUid: nullable(text),
  workload: optional(
    nullable(
      object<Workload>({
        kind: nullable(oneOf('Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob')),
        name: text,
        source: oneOf('labels', 'podName'),
      }),
    ),
  ),
});

const containerStateProblem = oneOf('notFound', 'symlink', 'notAFile', 'tooLarge', 'unreadable', 'malformed');

/**
 * The namespaces a sampling pass swept, each once as the pass lists them. Repeats are refused:
 * a list of `0,0,0…` would hold four times its size in memory, where records hold about theirs.
 */
const sweptNamespaces: Parser<number[]> = (value, path) => {
  const parsed = arrayOf(wholeNumber)(value, path);
  if ('problem' in parsed) return parsed;
  return new Set(parsed.value).size === parsed.value.length ? parsed : { problem: `${path} names a namespace twice` };
};

const kernelPressureCounters = object<KernelPressureCounters>({
  listenOverflows: wholeNumber,
  listenDrops: wholeNumber,
  tcpAbortOnMemory: wholeNumber,
  tcpMemoryPressures: wholeNumber,
  tcpBacklogDrop: wholeNumber,
  tcpTimeWaitOverflow: wholeNumber,
});

const namespaceGauges = object<NamespaceGauges>({
  netns: wholeNumber,
  ephemeralPortRange: nullable(object<{ low: number; high: number }>({ low: port, high: port })),
  ephemeralPortsByDestination: arrayOf(object<DestinationPorts>({ daddr: text, dport: port, ports: wholeNumber })),
  timeWait: wholeNumber,
  timeWaitLimit: nullable(wholeNumber),
  closeWait: wholeNumber,
  conntrack: nullable(object<{ entries: number; max: number }>({ entries: wholeNumber, max: wholeNumber })),
  somaxconn: nullable(wholeNumber),
  kernelCounters: nullable(kernelPressureCounters),
});

const hostTcpGauges = object<HostTcpGauges>({
  memoryPages: nullable(wholeNumber),
  memoryLimitPages: nullable(object<{ low: number; pressure: number; high: number }>({ low: wholeNumber, pressure: wholeNumber, high: wholeNumber })),
  orphans: nullable(wholeNumber),
  maxOrphans: nullable(wholeNumber),
});

const processDescriptors = object<ProcessDescriptors>({ pid: wholeNumber, descriptors: wholeNumber, limit: nullable(wholeNumber) });

/** Every record kind and its fields (`kind` was checked to choose the parser, and is kept as it is). */
const recordShapes: { readonly [Kind in ModelRecord['kind']]: Parser<RecordOfKind<Kind>> } = {
  state: object<RecordOfKind<'state'>>({
    kind: oneOf('state'),
    atMs: epochMs,
    cookie: wholeNumber,
    endpoints,
    oldState: tcpState,
    newState: tcpState,
    owner: nullable(taskOwner),
    counters,
  }),
  retransmit: object<RecordOfKind<'retransmit'>>({ kind: oneOf('retransmit'), atMs: epochMs, cookie: wholeNumber, endpoints, state: tcpState, counters }),
  reset: object<RecordOfKind<'reset'>>({
    kind: oneOf('reset'),
    atMs: epochMs,
    cookie: wholeNumber,
    direction: oneOf('sent', 'received'),
    endpoints,
    reason: text,
    counters: nullable(counters),
  }),
  drop: object<RecordOfKind<'drop'>>({ kind: oneOf('drop'), atMs: epochMs, cookie: wholeNumber, packet: endpoints, reason: text }),
  sample: object<RecordOfKind<'sample'>>({
    kind: oneOf('sample'),
    atMs: epochMs,
    cookie: wholeNumber,
    endpoints,
    state: tcpState,
    inode: wholeNumber,
    uid: wholeNumber,
    counters: nullable(counters),
    receiveQueue: wholeNumber,
    sendQueue: wholeNumber,
    drops: optional(wholeNumber),
    limits: optional(nullable(flowLimitCounters)),
  }),
  owner: object<RecordOfKind<'owner'>>({
    kind: oneOf('owner'),
    atMs: epochMs,
    cookie: wholeNumber,
    pid: wholeNumber,
    comm: text,
    cmdline: text,
    uid: wholeNumber,
    user: text,
    cgroupId: wholeNumber,
  }),
  container: object<ContainerRecord>({
    kind: oneOf('container'),
    atMs: epochMs,
    cgroupId: wholeNumber,
    pid: nullable(wholeNumber),
    container: nullable(containerIdentity),
    problem: nullable(containerStateProblem),
  }),
  sweep: object<RecordOfKind<'sweep'>>({ kind: oneOf('sweep'), atMs: epochMs, sinceMs: epochMs, netns: sweptNamespaces }),
  lost: object<RecordOfKind<'lost'>>({ kind: oneOf('lost'), atMs: epochMs, total: wholeNumber }),
  gauges: object<GaugesRecord>({
    kind: oneOf('gauges'),
    atMs: epochMs,
    namespaces: arrayOf(namespaceGauges),
    host: hostTcpGauges,
    processDescriptors: nullable(arrayOf(processDescriptors)),
  }),
  nat: object<RecordOfKind<'nat'>>({
    kind: oneOf('nat'),
    atMs: epochMs,
    cookie: wholeNumber,
    destination: addressPort,
    originalDestination: addressPort,
    direction: oneOf('outgoing', 'incoming'),
    table: oneOf('socket', 'host'),
    udpPeer: optional(addressPort),
  }),
  udpFlow: object<RecordOfKind<'udpFlow'>>({
    kind: oneOf('udpFlow'),
    atMs: epochMs,
    cookie: wholeNumber,
    endpoints,
    connected: yesNo,
    owner: nullable(taskOwner),
    counters: udpFlowCounters,
    socketClosed: yesNo,
  }),
  udpSocket: object<RecordOfKind<'udpSocket'>>({
    kind: oneOf('udpSocket'),
    atMs: epochMs,
    cookie: wholeNumber,
    endpoints,
    connected: yesNo,
    listening: yesNo,
    inode: wholeNumber,
    uid: wholeNumber,
    receiveQueue: wholeNumber,
    drops: nullable(wholeNumber),
  }),
  udpRefused: object<RecordOfKind<'udpRefused'>>({ kind: oneOf('udpRefused'), atMs: epochMs, total: wholeNumber }),
  name: object<RecordOfKind<'name'>>({
    kind: oneOf('name'),
    atMs: epochMs,
    netns: wholeNumber,
    address: text,
    name: text,
    source: oneOf('dns', 'hosts', 'ptr'),
    ttlSeconds: nullable(wholeNumber),
    cgroupId: wholeNumber,
  }),
};

export function isRecordKind(kind: string): kind is ModelRecord['kind'] {
  return Object.hasOwn(recordShapes, kind);
}

/** `value` as a record of `kind` the model can take, or why it is not one. */
export function parseRecord(kind: ModelRecord['kind'], value: unknown): Parsed<ModelRecord> {
  return recordShapes[kind](value, '');
}

/** Probe statuses as the header carries them (the source's, at the start of the recording). */
export const probeStatuses = arrayOf(
  object<ProbeStatus>({ name: text, status: oneOf('attached', 'unsupported', 'failed', 'off'), reason: nullable(text) }),
);

export const hostInfo = object<HostInfo>({ hostname: text, kernel: text });
