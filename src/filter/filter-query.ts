/**
 * The filter language: fuse.js extended search (`'exact`, `!not`, `^prefix`, `suffix$`,
 * `=whole`, space = AND, `|` = OR) plus field terms `pid:N`, `port:N`, `state:NAME`, `ctr:NAME`
 * and `pod:NAME`, parsed here before anything is matched. A field term is a term like any other:
 * it can be negated (`!port:22`) and sits in the same AND/OR structure as the fuzzy words.
 *
 * A word's shape says where it is looked for: a bare number is a port or a pid, exactly; an
 * `addr:port` or `[v6]:port` is that endpoint; something shaped like an address is matched in
 * addresses only; anything else — names — fuzzily everywhere (a number never fuzzily matches a
 * command line that happens to contain it).
 */
import type { TcpStateName } from '../model/snapshot-types.js';

/** How a word matches a value, from its fuse.js operator. */
export type TextMatch = 'fuzzy' | 'exact' | 'include' | 'prefix' | 'suffix';

/** Where a word is looked for (see the module comment). */
export type WordShape = 'number' | 'endpoint' | 'address' | 'name';

/** A word matched against a pane's searchable fields. */
export interface TextTerm {
  kind: 'text';
  match: TextMatch;
  shape: WordShape;
  /** The word without operators or quotes, as typed (case is ignored when matching). */
  text: string;
  /** The same word as a one-term fuse.js extended query, always positive. */
  fuseQuery: string;
  negated: boolean;
}

/**
 * `pid:N`, `port:N` (either side), `state:PREFIX` (every state the prefix names), `proto:tcp` or
 * `proto:udp`, `ctr:NAME` (a container's name or the start of its id), `pod:NAME` (a pod's name
 * or `namespace/name`), `workload:NAME` (a pod's controller) or `nat:WHAT` (a connection NAT sent
 * elsewhere: `*` any, else an address, `address:port` or port it was addressed to or really
 * reached). The container and pod references mean what `--container` and `--pod` mean, case
 * included.
 */
export type FieldTerm =
  | { kind: 'pid'; pid: number; negated: boolean }
  | { kind: 'port'; port: number; negated: boolean }
  | { kind: 'state'; states: ReadonlySet<TcpStateName>; negated: boolean }
  | { kind: 'protocol'; protocol: 'tcp' | 'udp'; negated: boolean }
  | { kind: 'container'; container: string; negated: boolean }
  | { kind: 'pod'; pod: string; negated: boolean }
  /** `workload:NAME`: the pod's Deployment, StatefulSet, DaemonSet, Job or CronJob (model/workload.ts), by name. */
  | { kind: 'workload'; workload: string; negated: boolean }
  /** Null address and port: any translated connection. */
  | { kind: 'nat'; address: string | null; port: number | null; negated: boolean }
  /** `host:NAME`: the remote peer by name (the name itself, or a domain it is in) or by address; lower case. */
  | { kind: 'host'; host: string; negated: boolean };

export type FilterTerm = TextTerm | FieldTerm;

export interface ParsedFilter {
  /** Alternatives (`|`), each a list of terms that must all match; empty when the filter keeps every row. */
  groups: FilterTerm[][];
  /** Why the text cannot be used (`pid:abc`); the filter then matches nothing. Null when it parsed. */
  error: string | null;
}

/** Words shorter than this are still being typed: they constrain nothing (fuse's minMatchCharLength). */
const MIN_WORD_LENGTH = 2;
/** Linux's PID_MAX_LIMIT (2^22): no pid is larger. */
const MAX_PID = 4_194_304;
const TCP_STATE_NAMES: readonly TcpStateName[] = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
];
const FIELD_TERM = /^(!?)(pid|port|state|proto|ctr|pod|workload|nat|host):(.*)$/is;
/** Spaces outside double quotes separate words (as in fuse.js). */
const WORD_SEPARATOR = / +(?=(?:[^"]*"[^"]*")*[^"]*$)/;

const parsedCache = new Map<string, ParsedFilter>();
const PARSED_CACHE_LIMIT = 64;

/** Parses filter text; the same text returns the same object (selectors memoize on it). */
export function parseFilter(text: string): ParsedFilter {
  const cached = parsedCache.get(text);
  if (cached !== undefined) return cached;
  const parsed = parseUncached(text);
  if (parsedCache.size >= PARSED_CACHE_LIMIT) parsedCache.clear();
  parsedCache.set(text, parsed);
  return parsed;
}

function parseUncached(text: string): ParsedFilter {
  const groups: FilterTerm[][] = [];
  for (const alternative of text.split('|')) {
    const terms: FilterTerm[] = [];
    for (const word of alternative.trim().split(WORD_SEPARATOR)) {
      const parsed = parseWord(word);
      if (typeof parsed === 'string') return { groups: [], error: parsed };
      if (parsed !== null) terms.push(parsed);
    }
    if (terms.length > 0) groups.push(terms);
  }
  return { groups, error: null };
}

/** A term, null for a word that constrains nothing yet, or the error text. */
function parseWord(word: string): FilterTerm | null | string {
  const field = FIELD_TERM.exec(word);
  if (field !== null) {
    const [, bang = '', name = '', value = ''] = field;
    return parseFieldTerm(name.toLowerCase(), value, bang === '!');
  }
  const negated = word.startsWith('!');
  const operand = negated ? word.slice(1) : word;
  let match: TextMatch;
  let body: string;
  if (operand.startsWith('=')) [match, body] = ['exact', operand.slice(1)];
  else if (operand.startsWith("'")) [match, body] = ['include', operand.slice(1)];
  else if (operand.startsWith('^')) [match, body] = ['prefix', operand.slice(1)];
  else if (operand.endsWith('$')) [match, body] = ['suffix', operand.slice(0, -1)];
  // fuse.js reads a bare `!word` as "does not include word", not as a negated fuzzy match.
  else [match, body] = [negated ? 'include' : 'fuzzy', operand];
  const unquoted = /^"(.*)"$/s.exec(body)?.[1] ?? body;
  if (unquoted.length < MIN_WORD_LENGTH) return null;
  return { kind: 'text', match, shape: wordShape(unquoted), text: unquoted, fuseQuery: fuseQuery(match, unquoted), negated };
}

const ENDPOINT_WORD = /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]):\d{1,5}$/i;
/** Dotted digits (`10.3`, `127.0.0.1`), or hex groups around colons (`::1`, `fe80::`): addresses typed whole or in part. */
const ADDRESS_WORD = /^(?:\d{1,3}(?:\.\d{0,3}){1,3}|\[?[0-9a-f]*:[0-9a-f:.]*\]?)$/i;

function wordShape(word: string): WordShape {
  if (/^\d+$/.test(word)) return 'number';
  if (ENDPOINT_WORD.test(word)) return 'endpoint';
  return ADDRESS_WORD.test(word) ? 'address' : 'name';
}

function fuseQuery(match: TextMatch, text: string): string {
  const quoted = /\s/.test(text) ? `"${text}"` : text;
  switch (match) {
    case 'fuzzy':
      return quoted;
    case 'exact':
      return `=${quoted}`;
    case 'include':
      return `'${quoted}`;
    case 'prefix':
      return `^${quoted}`;
    case 'suffix':
      return `${quoted}$`;
  }
}

function parseFieldTerm(name: string, value: string, negated: boolean): FieldTerm | null | string {
  if (value === '') return null;
  switch (name) {
    case 'pid': {
      const pid = wholeNumber(value);
      if (pid === null || pid < 1 || pid > MAX_PID) return `pid:${value} — a pid is a number from 1 to ${MAX_PID}`;
      return { kind: 'pid', pid, negated };
    }
    case 'port': {
      const port = wholeNumber(value);
      if (port === null || port > 65_535) return `port:${value} — a port is a number from 0 to 65535`;
      return { kind: 'port', port, negated };
    }
    case 'proto': {
      const protocol = value.toLowerCase();
      if (protocol !== 'tcp' && protocol !== 'udp') return `proto:${value} — the protocol is tcp or udp`;
      return { kind: 'protocol', protocol, negated };
    }
    case 'ctr':
      if (value.includes('/')) return `ctr:${value} — a container is its name or the start of its id; for a pod use pod:${value}`;
      return { kind: 'container', container: value, negated };
    case 'nat':
      return natTerm(value, negated);
    case 'pod': {
      const [namespace, name, ...rest] = value.split('/');
      if (namespace === '' || rest.length > 0) return `pod:${value} — a pod is NAME or NAMESPACE/NAME, e.g. pod:db-0 or pod:prod/db-0`;
      // `pod:prod/` is a namespace whose pod name is still being typed.
      return name === '' ? null : { kind: 'pod', pod: value, negated };
    }
    case 'workload':
      return { kind: 'workload', workload: value, negated };
    case 'host':
      // A trailing dot is the root: `host:db.prod.` is `host:db.prod`.
      return value === '' ? null : { kind: 'host', host: value.toLowerCase().replace(/\.$/, ''), negated };
    default: {
      const prefix = value.toUpperCase().replaceAll('-', '_');
      const states = new Set(TCP_STATE_NAMES.filter((state) => state.startsWith(prefix)));
      if (states.size === 0) return `state:${value} — no TCP state starts with that (try state:estab, state:time, state:syn)`;
      return { kind: 'state', states, negated };
    }
  }
}

/** `nat:*`, `nat:PORT`, `nat:ADDRESS` or `nat:ADDRESS:PORT` (`[v6]:port`). */
function natTerm(value: string, negated: boolean): FieldTerm | string {
  if (value === '*') return { kind: 'nat', address: null, port: null, negated };
  const port = wholeNumber(value);
  if (port !== null) return port > 65_535 ? `nat:${value} — a port is a number from 0 to 65535` : { kind: 'nat', address: null, port, negated };
  if (ENDPOINT_WORD.test(value)) {
    const split = value.lastIndexOf(':');
    return { kind: 'nat', address: value.slice(0, split).replace(/^\[|\]$/g, '').toLowerCase(), port: Number(value.slice(split + 1)), negated };
  }
  if (ADDRESS_WORD.test(value)) return { kind: 'nat', address: value.replace(/^\[|\]$/g, '').toLowerCase(), port: null, negated };
  return `nat:${value} — give an address, address:port or port the connection was sent to or reached, or * for any NAT`;
}

function wholeNumber(text: string): number | null {
  return /^\d{1,7}$/.test(text) ? Number(text) : null;
}
