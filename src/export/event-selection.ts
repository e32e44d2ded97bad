/**
 * Which event lines `--events` writes: `--pid`, `--port`, `--container`/`--pod` as in the JSON
 * snapshot, and `-F/--filter` in the live view's language, parsed and matched by the view
 * model's own filter (so `nginx !port:22 | state:syn` means the same everywhere).
 *
 * The filter sees a line's own fields: `pid:` its owner, `port:` either side, `state:` the
 * states a line names (from and to, or a retransmit's state), `ctr:`/`pod:` its owner's
 * container; words match fuzzily the process name, container, pod, namespace, states, event
 * type and reason, and literally the addresses, ports and pid.
 */
import type { DocumentScope } from '../model/document-scope.js';
import { containerInScope } from '../model/document-scope.js';
import type { TcpStateName } from '../model/snapshot-types.js';
import { parseFilter, type FieldTerm } from '../filter/filter-query.js';
import { filterMask, type SearchField, type Searchable } from '../filter/filter.js';
import type { EventLine } from './event-lines.js';

/** Keeps the lines of a batch that are selected, in order. */
export type EventSelection = (lines: readonly EventLine[]) => EventLine[];

function fromState(line: EventLine): TcpStateName | null {
  return 'fromState' in line ? line.fromState : null;
}

function toState(line: EventLine): TcpStateName | null {
  if ('toState' in line) return line.toState;
  return line.type === 'retransmit' ? line.state : null;
}

function reason(line: EventLine): string | null {
  return line.type === 'reset' || line.type === 'drop' ? line.reason : null;
}

const eventLineFields: readonly SearchField<EventLine>[] = [
  { name: 'comm', match: 'fuzzy', text: (line) => line.comm },
  { name: 'container', match: 'fuzzy', text: (line) => line.container?.name ?? null },
  { name: 'pod', match: 'fuzzy', text: (line) => line.container?.pod ?? null },
  { name: 'namespace', match: 'fuzzy', text: (line) => line.container?.namespace ?? null },
  { name: 'daddr', match: 'literal', text: (line) => line.daddr },
  { name: 'dport', match: 'number', number: (line) => line.dport },
  { name: 'sport', match: 'number', number: (line) => line.sport },
  { name: 'saddr', match: 'literal', text: (line) => line.saddr },
  { name: 'type', match: 'fuzzy', text: (line) => line.type },
  { name: 'toState', match: 'fuzzy', text: toState },
  { name: 'fromState', match: 'fuzzy', text: fromState },
  { name: 'reason', match: 'fuzzy', text: reason },
  { name: 'pid', match: 'number', number: (line) => line.pid },
  { name: 'local', match: 'endpoint', endpoint: (line) => ({ address: line.saddr.toLowerCase(), port: line.sport }) },
  { name: 'remote', match: 'endpoint', endpoint: (line) => ({ address: line.daddr.toLowerCase(), port: line.dport }) },
  { name: 'peerName', match: 'fuzzy', text: (line) => line.peerName?.name ?? null },
];

function lineMatchesField(line: EventLine, term: FieldTerm): boolean {
  switch (term.kind) {
    case 'pid':
      return line.pid === term.pid;
    case 'port':
      return line.sport === term.port || line.dport === term.port;
    case 'state': {
      const from = fromState(line);
      const to = toState(line);
      return (from !== null && term.states.has(from)) || (to !== null && term.states.has(to));
    }
    case 'container':
      return line.container !== null && containerInScope(line.container, { container: term.container, pod: null });
    case 'pod':
      return line.container !== null && containerInScope(line.container, { container: null, pod: term.pod });
    case 'workload':
      return line.container?.workload?.name === term.workload;
    case 'host': {
      const name = line.peerName?.name.toLowerCase() ?? null;
      return line.daddr.toLowerCase() === term.host || (name !== null && (name === term.host || name.endsWith(`.${term.host}`)));
    }
  }
}

const eventLineSearchable: Searchable<EventLine> = {
  fields: eventLineFields,
  fieldPredicate: (term) => (line) => lineMatchesField(line, term),
};

/** The selection of `--pid`, `--port`, `--container`, `--pod` and `--filter` (null: not given). */
export function eventSelection(scope: DocumentScope & { filter: string | null }): EventSelection {
  const filter = scope.filter === null ? null : parseFilter(scope.filter);
  const inScope = (line: EventLine) =>
    (scope.pid === null || line.pid === scope.pid) &&
    (scope.port === null || line.sport === scope.port || line.dport === scope.port) &&
    containerInScope(line.container, scope);
  return (lines) => {
    const scoped = lines.filter(inScope);
    if (filter === null || scoped.length === 0) return scoped;
    // One mask per batch: the fuzzy index is built over the batch's distinct names, not per line.
    const mask = filterMask(scoped, filter, eventLineSearchable);
    return scoped.filter((_, index) => mask[index] === 1);
  };
}
