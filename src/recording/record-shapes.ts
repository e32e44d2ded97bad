/**
 * What a recorded line must look like to be handed to the model: one validator per ModelRecord
 * kind, field by field. The shapes are typed against records.ts, so a field added to a record
 * does not compile until its check is added here — a replay never feeds the model a record it
 * would misread.
 */
import type { ContainerIdentity, ContainerRecord, Endpoints, ModelRecord, TaskOwner, TcpCounters } from '../model/records.js';
import type { HostInfo, ProbeStatus } from '../model/snapshot-types.js';

/** Why `value` (found at `path`, e.g. `endpoints.sport`) is not what it should be; null when it is. */
export type Validator = (value: unknown, path: string) => string | null;

/** One validator for every field of T: missing one is a compile error. */
type Shape<T> = { readonly [Field in keyof T]-?: Validator };

type RecordOfKind<Kind extends ModelRecord['kind']> = Extract<ModelRecord, { kind: Kind }>;

/** A check with the words for what it wants (`a port`); a missing field says so. */
function expect(wanted: string, test: (value: unknown) => boolean): Validator {
  return (value, path) => {
    if (value === undefined) return `${path} is missing`;
    return test(value) ? null : `${path} is not ${wanted} (${JSON.stringify(value)?.slice(0, 40)})`;
  };
}

function isWhole(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}

export const finiteNumber = expect('a number', (value) => typeof value === 'number' && Number.isFinite(value));
const wholeNumber = expect('a whole number', isWhole);
const port = expect('a port', (value) => isWhole(value) && value <= 65535);
export const text = expect('a string', (value) => typeof value === 'string');
/** Kernel TCP states are 1 (ESTABLISHED) to 12 (NEW_SYN_RECV), as in tcp_states.h. */
const tcpState = expect('a TCP state number', (value) => isWhole(value) && value >= 1 && value <= 12);

export function oneOf(...allowed: readonly string[]): Validator {
  return expect(`one of ${allowed.join(', ')}`, (value) => typeof value === 'string' && allowed.includes(value));
}

function nullable(check: Validator): Validator {
  return (value, path) => (value === null ? null : check(value, path));
}

function arrayOf(check: Validator): Validator {
  return (value, path) => {
    if (value === undefined) return `${path} is missing`;
    if (!Array.isArray(value)) return `${path} is not a list`;
    for (const [index, item] of value.entries()) {
      const problem = check(item, `${path}[${index}]`);
      if (problem !== null) return problem;
    }
    return null;
  };
}

export function object<T>(shape: Shape<T>): Validator {
  return (value, path) => {
    if (value === undefined) return `${path} is missing`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return `${path || 'the line'} is not an object`;
    for (const [field, check] of Object.entries<Validator>(shape)) {
      const problem = check((value as Record<string, unknown>)[field], path === '' ? field : `${path}.${field}`);
      if (problem !== null) return problem;
    }
    return null;
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

const taskOwner = object<TaskOwner>({ pid: wholeNumber, comm: text, uid: wholeNumber, cgroupId: wholeNumber });

const containerIdentity = object<ContainerIdentity>({
  id: text,
  name: text,
  runtime: oneOf('docker', 'containerd', 'cri-o', 'podman', 'unknown'),
  image: nullable(text),
  pod: nullable(text),
  namespace: nullable(text),
  podUid: nullable(text),
});

const containerStateProblem = oneOf('notFound', 'symlink', 'notAFile', 'tooLarge', 'unreadable', 'malformed');

/** Every record kind and its fields (`kind` itself is how the validator was chosen). */
const recordShapes: { readonly [Kind in ModelRecord['kind']]: Validator } = {
  state: object<Omit<RecordOfKind<'state'>, 'kind'>>({
    atMs: finiteNumber,
    cookie: wholeNumber,
    endpoints,
    oldState: tcpState,
    newState: tcpState,
    owner: nullable(taskOwner),
    counters,
  }),
  retransmit: object<Omit<RecordOfKind<'retransmit'>, 'kind'>>({ atMs: finiteNumber, cookie: wholeNumber, endpoints, state: tcpState, counters }),
  reset: object<Omit<RecordOfKind<'reset'>, 'kind'>>({
    atMs: finiteNumber,
    cookie: wholeNumber,
    direction: oneOf('sent', 'received'),
    endpoints,
    reason: text,
    counters: nullable(counters),
  }),
  drop: object<Omit<RecordOfKind<'drop'>, 'kind'>>({ atMs: finiteNumber, cookie: wholeNumber, packet: endpoints, reason: text }),
  sample: object<Omit<RecordOfKind<'sample'>, 'kind'>>({
    atMs: finiteNumber,
    cookie: wholeNumber,
    endpoints,
    state: tcpState,
    inode: wholeNumber,
    uid: wholeNumber,
    counters: nullable(counters),
    receiveQueue: wholeNumber,
    sendQueue: wholeNumber,
  }),
  owner: object<Omit<RecordOfKind<'owner'>, 'kind'>>({
    atMs: finiteNumber,
    cookie: wholeNumber,
    pid: wholeNumber,
    comm: text,
    cmdline: text,
    uid: wholeNumber,
    user: text,
    cgroupId: wholeNumber,
  }),
  container: object<Omit<ContainerRecord, 'kind'>>({
    atMs: finiteNumber,
    cgroupId: wholeNumber,
    pid: nullable(wholeNumber),
    container: nullable(containerIdentity),
    problem: nullable(containerStateProblem),
  }),
  sweep: object<Omit<RecordOfKind<'sweep'>, 'kind'>>({ atMs: finiteNumber, sinceMs: finiteNumber, netns: arrayOf(wholeNumber) }),
  lost: object<Omit<RecordOfKind<'lost'>, 'kind'>>({ atMs: finiteNumber, total: wholeNumber }),
};

export function isRecordKind(kind: string): kind is ModelRecord['kind'] {
  return Object.hasOwn(recordShapes, kind);
}

/** Why `value` is not a valid record of `kind`; null when the model can take it as one. */
export function recordProblem(kind: ModelRecord['kind'], value: unknown): string | null {
  return recordShapes[kind](value, '');
}

/** Probe statuses as the header carries them (the source's, at the start of the recording). */
export const probeStatuses = arrayOf(
  object<ProbeStatus>({ name: text, status: oneOf('attached', 'unsupported', 'failed', 'off'), reason: nullable(text) }),
);

export const hostInfo = object<HostInfo>({ hostname: text, kernel: text });
