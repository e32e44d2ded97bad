/**
 * Matching a parsed filter against a pane's rows, fast enough to run on every keystroke at
 * 10,000 connections.
 *
 * fuse.js matches one word against one string; this module decides what a row is. Three
 * choices follow from measurements and from what the filter must mean:
 *
 * - A word matches a row when it matches any of the row's fields, and every word of an
 *   alternative must match: `nginx 443` is nginx's connections on port 443. (fuse.js's own
 *   extended search wants all the words inside one field, so it finds nothing for that.)
 *   `!word` inverts the whole row: no field may contain the word.
 * - fuse.js runs over each fuzzy field's distinct values, not over the rows: 10,000
 *   connections have a few hundred process names and command lines. A fuzzy search over every
 *   row took 150–300 ms a keystroke at 10,000 rows; over distinct values it takes a few.
 * - Addresses, ports and pids are matched literally (substring, or whole number), never
 *   fuzzily: a fuzzy `443` or `10.3` matches most ephemeral ports and addresses. A word shaped
 *   like a number, an endpoint or an address is looked for only there (filter-query.ts): `443`
 *   does not match a command line that contains it, `127.0.0.1:443` is that endpoint.
 *
 * The index (distinct values, their fuse indexes built with `Fuse.createIndex`, and the rows
 * each word matched) is kept per row array, so it is built once per snapshot and pane, only
 * while a filter is active, and every keystroke after the first only matches the word being
 * typed.
 */
import Fuse, { type IFuseOptions } from 'fuse.js';
import type { FieldTerm, FilterTerm, ParsedFilter, TextTerm } from './filter-query.js';

/**
 * A field a word is matched against. Fuzzy fields are matched by fuse.js over their distinct
 * values; literal and number fields are scanned row by row, which is cheaper than indexing
 * values that are nearly all distinct (addresses, ports).
 */
export type SearchField<Row> =
  /** fuse.js fuzzy and extended matching (names, command lines, states). */
  | { name: string; match: 'fuzzy'; text(row: Row): string | null }
  /** Substring, prefix, suffix or whole value by the word's operator; the text must be lower case (addresses are). */
  | { name: string; match: 'literal'; text(row: Row): string | null }
  /** The whole number, or its first or last digits with `^` and `$` (ports, pids: `443` is not `54431`). */
  | { name: string; match: 'number'; number(row: Row): number | null }
  /** An address and its port, matched whole by an `addr:port` or `[v6]:port` word; the address lower case. */
  | { name: string; match: 'endpoint'; endpoint(row: Row): { address: string; port: number } | null };

/** What the filter can see of a pane's rows. */
export interface Searchable<Row> {
  fields: readonly SearchField<Row>[];
  /** A predicate for a field term (`pid:`, `port:`, `ctr:`…, before negation); built once per term and row array. */
  fieldPredicate(term: FieldTerm): (row: Row) => boolean;
}

/** The fuse.js options of the issue; sorting by score is off because rows keep their column order. */
const FUSE_OPTIONS: IFuseOptions<string> = {
  ignoreLocation: true,
  threshold: 0.35,
  useExtendedSearch: true,
  minMatchCharLength: 2,
  isCaseSensitive: false,
  shouldSort: false,
};

/** A fuzzy field's distinct values and their fuse.js index. */
interface FuzzyIndex {
  values: string[];
  /** For each row, the index of its value in `values`; -1 when it has none. */
  valueOfRow: Int32Array;
  fuse: Fuse<string>;
}

interface SearchIndex<Row> {
  rows: readonly Row[];
  searchable: Searchable<Row>;
  /** Built on the first word, by field name. */
  fuzzy: Map<string, FuzzyIndex>;
  /** Rows each term matches (1) before negation, by term identity. */
  termRows: Map<string, Uint8Array>;
}

/** Word results kept per index; typing never comes close, this only bounds a pasted essay. */
const TERM_CACHE_LIMIT = 256;

const indexes = new WeakMap<readonly object[], SearchIndex<object>>();

/**
 * Which rows match `filter`: 1 at the index of every matching row. An empty filter (nothing
 * typed yet) matches every row; a filter with a parse error matches none.
 */
export function filterMask<Row extends object>(rows: readonly Row[], filter: ParsedFilter, searchable: Searchable<Row>): Uint8Array {
  const mask = new Uint8Array(rows.length);
  if (filter.error !== null) return mask;
  if (filter.groups.length === 0) return mask.fill(1);
  const index = indexFor(rows, searchable);
  for (const group of filter.groups) {
    const termMasks = group.map((term) => ({ rows: rowsMatching(index, term), negated: term.negated }));
    for (let row = 0; row < rows.length; row++) {
      if (mask[row] === 1) continue;
      let all = true;
      for (const term of termMasks) {
        if ((term.rows[row] === 1) === term.negated) {
          all = false;
          break;
        }
      }
      if (all) mask[row] = 1;
    }
  }
  return mask;
}

function indexFor<Row extends object>(rows: readonly Row[], searchable: Searchable<Row>): SearchIndex<Row> {
  const cached = indexes.get(rows) as SearchIndex<Row> | undefined;
  if (cached !== undefined && cached.searchable.fields === searchable.fields) return cached;
  const index: SearchIndex<Row> = { rows, searchable, fuzzy: new Map(), termRows: new Map() };
  indexes.set(rows, index as unknown as SearchIndex<object>);
  return index;
}

function fuzzyIndex<Row>(index: SearchIndex<Row>, name: string, text: (row: Row) => string | null): FuzzyIndex {
  const cached = index.fuzzy.get(name);
  if (cached !== undefined) return cached;
  const values: string[] = [];
  const idOfValue = new Map<string, number>();
  const valueOfRow = new Int32Array(index.rows.length);
  index.rows.forEach((row, position) => {
    const value = text(row);
    if (value === null) {
      valueOfRow[position] = -1;
      return;
    }
    let id = idOfValue.get(value);
    if (id === undefined) {
      id = values.length;
      values.push(value);
      idOfValue.set(value, id);
    }
    valueOfRow[position] = id;
  });
  const built = { values, valueOfRow, fuse: new Fuse(values, FUSE_OPTIONS, Fuse.createIndex<string>([], values)) };
  index.fuzzy.set(name, built);
  return built;
}

function termIdentity(term: FilterTerm): string {
  switch (term.kind) {
    case 'text':
      return `text ${term.match} ${term.text}`;
    case 'pid':
      return `pid ${term.pid}`;
    case 'port':
      return `port ${term.port}`;
    case 'state':
      return `state ${[...term.states].join(',')}`;
    case 'protocol':
      return `protocol ${term.protocol}`;
    case 'container':
      return `container ${term.container}`;
    case 'pod':
      return `pod ${term.pod}`;
    case 'workload':
      return `workload ${term.workload}`;
    case 'nat':
      return `nat ${term.address ?? '*'} ${term.port ?? '*'}`;
    case 'host':
      return `host ${term.host}`;
  }
}

function rowsMatching<Row>(index: SearchIndex<Row>, term: FilterTerm): Uint8Array {
  const identity = termIdentity(term);
  const cached = index.termRows.get(identity);
  if (cached !== undefined) return cached;
  const matched = term.kind === 'text' ? rowsMatchingText(index, term) : rowsMatchingField(index, term);
  if (index.termRows.size >= TERM_CACHE_LIMIT) index.termRows.clear();
  index.termRows.set(identity, matched);
  return matched;
}

function rowsMatchingField<Row>(index: SearchIndex<Row>, term: FieldTerm): Uint8Array {
  const predicate = index.searchable.fieldPredicate(term);
  const matched = new Uint8Array(index.rows.length);
  index.rows.forEach((row, position) => {
    if (predicate(row)) matched[position] = 1;
  });
  return matched;
}

function rowsMatchingText<Row>(index: SearchIndex<Row>, term: TextTerm): Uint8Array {
  const matched = new Uint8Array(index.rows.length);
  for (const field of index.searchable.fields) {
    if (!SHAPE_FIELDS[term.shape].has(field.match)) continue;
    switch (field.match) {
      case 'endpoint': {
        const wanted = endpointOf(term.text);
        index.rows.forEach((row, position) => {
          const value = field.endpoint(row);
          if (value !== null && value.port === wanted.port && value.address === wanted.address) matched[position] = 1;
        });
        break;
      }
      case 'fuzzy': {
        const fuzzy = fuzzyIndex(index, field.name, field.text);
        const valueMatches = new Uint8Array(fuzzy.values.length);
        for (const result of fuzzy.fuse.search(term.fuseQuery)) valueMatches[result.refIndex] = 1;
        fuzzy.valueOfRow.forEach((value, position) => {
          if (value >= 0 && valueMatches[value] === 1) matched[position] = 1;
        });
        break;
      }
      case 'literal': {
        const text = term.text.toLowerCase();
        index.rows.forEach((row, position) => {
          const value = field.text(row);
          if (value !== null && literalMatch(value, text, term.match)) matched[position] = 1;
        });
        break;
      }
      case 'number': {
        const wanted = /^\d+$/.test(term.text) ? Number(term.text) : null;
        index.rows.forEach((row, position) => {
          const value = field.number(row);
          if (value !== null && numberMatch(value, wanted, term)) matched[position] = 1;
        });
        break;
      }
    }
  }
  return matched;
}

/** Which fields a word of each shape is looked for in. */
const SHAPE_FIELDS: Record<TextTerm['shape'], ReadonlySet<SearchField<unknown>['match']>> = {
  number: new Set(['number']),
  endpoint: new Set(['endpoint']),
  address: new Set(['literal']),
  name: new Set(['fuzzy', 'literal', 'number']),
};

/** `127.0.0.1:443` → 127.0.0.1 and 443; `[::1]:443` → ::1 and 443. */
function endpointOf(word: string): { address: string; port: number } {
  const colon = word.lastIndexOf(':');
  return { address: word.slice(0, colon).replace(/^\[|\]$/g, '').toLowerCase(), port: Number(word.slice(colon + 1)) };
}

function literalMatch(value: string, text: string, match: TextTerm['match']): boolean {
  switch (match) {
    case 'prefix':
      return value.startsWith(text);
    case 'suffix':
      return value.endsWith(text);
    case 'exact':
      return value === text;
    case 'fuzzy':
    case 'include':
      return value.includes(text);
  }
}

/** `wanted` is the word as a number, null when it is not one. */
function numberMatch(value: number, wanted: number | null, term: TextTerm): boolean {
  switch (term.match) {
    case 'prefix':
      return String(value).startsWith(term.text);
    case 'suffix':
      return String(value).endsWith(term.text);
    case 'exact':
    case 'fuzzy':
    case 'include':
      return value === wanted;
  }
}
