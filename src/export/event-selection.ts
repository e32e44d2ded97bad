/**
 * Which event lines `--events` writes: `--pid`, `--port`, `--container`/`--pod` as in the JSON
 * snapshot, and `-F/--filter` in the live view's language, parsed and matched by the view
 * model's own filter (so `nginx !port:22 | state:syn` means the same everywhere).
 *
 * The filter sees a line's own fields: `pid:` its owner, `port:` either side, `state:` the
 * states a line names (from and to, or a retransmit's state), `ctr:`/`pod:` its owner's
 * container; words match fuzzily the process name, container, pod, namespace, states, event
 * type and reason, and literally the addresses, ports and pid. A `finding` line is seen through
 * its subject: `pid:` the process, `port:` the peer's or the listener's port, the peer as the
 * remote side; words also match its kind and severity.
 */
import type { DocumentScope } from '../model/document-scope.js';
import { containerInScope } from '../model/document-scope.js';
import type { TcpStateName } from '../model/snapshot-types.js';
import { parseFilter, type FieldTerm } from '../filter/filter-query.js';
import { filterMask, type SearchField, type Searchable } from '../filter/filter.js';
import { natMatchesTerm } from '../filter/nat-term.js';
import type { EventLine } from './event-lines.js';
import type { FindingLine } from './finding-lines.js';

/** Every line `--events` writes: kernel events and findings. */
export type StreamLine = EventLine | FindingLine;

/** Keeps the lines of a batch that are selected, in order. */
export type EventSelection = (lines: readonly StreamLine[]) => StreamLine[];

function fromState(line: StreamLine): TcpStateName | null {
  return 'fromState' in line ? line.fromState : null;
}

function toState(line: StreamLine): TcpStateName | null {
  if ('toState' in line) return line.toState;
  return line.type === 'retransmit' ? line.state : null;
}

function reason(line: StreamLine): string | null {
  if (line.type === 'finding') return line.evidence.reasons.join(' ') || null;
  return line.type === 'reset' || line.type === 'drop' ? line.reason : null;
}

/** The remote side: a finding's peer. */
function remoteAddress(line: StreamLine): string | null {
  return line.type === 'finding' ? line.peerAddress : line.daddr;
}

function remotePort(line: StreamLine): number | null {
  return line.type === 'finding' ? line.peerPort : line.dport;
}

/** The local side: a finding's listening port (it has no local address). */
function localPort(line: StreamLine): number | null {
  return line.type === 'finding' ? line.localPort : line.sport;
}

function endpoint(address: string | null, port: number | null): { address: string; port: number } | null {
  return address === null || port === null ? null : { address: address.toLowerCase(), port };
}

const eventLineFields: readonly SearchField<StreamLine>[] = [
  { name: 'comm', match: 'fuzzy', text: (line) => line.comm },
  { name: 'container', match: 'fuzzy', text: (line) => line.container?.name ?? null },
  { name: 'pod', match: 'fuzzy', text: (line) => line.container?.pod ?? null },
  { name: 'namespace', match: 'fuzzy', text: (line) => line.container?.namespace ?? null },
  { name: 'daddr', match: 'literal', text: remoteAddress },
  { name: 'dport', match: 'number', number: remotePort },
  { name: 'sport', match: 'number', number: localPort },
  { name: 'saddr', match: 'literal', text: (line) => (line.type === 'finding' ? null : line.saddr) },
  { name: 'type', match: 'fuzzy', text: (line) => line.type },
  { name: 'kind', match: 'fuzzy', text: (line) => (line.type === 'finding' ? `${line.kind} ${line.severity}` : null) },
  { name: 'toState', match: 'fuzzy', text: toState },
  { name: 'fromState', match: 'fuzzy', text: fromState },
  { name: 'reason', match: 'fuzzy', text: reason },
  { name: 'pid', match: 'number', number: (line) => line.pid },
  { name: 'local', match: 'endpoint', endpoint: (line) => (line.type === 'finding' ? null : endpoint(line.saddr, line.sport)) },
  { name: 'remote', match: 'endpoint', endpoint: (line) => endpoint(remoteAddress(line), remotePort(line)) },
  { name: 'peerName', match: 'fuzzy', text: (line) => ('peerName' in line ? (line.peerName?.name ?? null) : null) },
];

function involvesPort(line: StreamLine, port: number): boolean {
  return localPort(line) === port || remotePort(line) === port;
}

function lineMatchesField(line: StreamLine, term: FieldTerm): boolean {
  switch (term.kind) {
    case 'pid':
      return line.pid === term.pid;
    case 'port':
      return involvesPort(line, term.port);
    case 'state': {
      const from = fromState(line);
      const to = toState(line);
      return (from !== null && term.states.has(from)) || (to !== null && term.states.has(to));
    }
    case 'protocol':
      // A finding line is about a process and a peer, whatever the transport.
      return 'protocol' in line && line.protocol === term.protocol;
    case 'container':
      return line.container !== null && containerInScope(line.container, { container: term.container, pod: null });
    case 'pod':
      return line.container !== null && containerInScope(line.container, { container: null, pod: term.pod });
    case 'workload':
      return line.container?.workload?.name === term.workload;
    case 'nat':
      // A finding line is about a process and a peer, not one connection's translation.
      return 'nat' in line && natMatchesTerm(line.nat, term);
    case 'host': {
      const address = remoteAddress(line)?.toLowerCase() ?? null;
      const name = 'peerName' in line ? (line.peerName?.name.toLowerCase() ?? null) : null;
      return address === term.host || (name !== null && (name === term.host || name.endsWith(`.${term.host}`)));
    }
  }
}

const eventLineSearchable: Searchable<StreamLine> = {
  fields: eventLineFields,
  fieldPredicate: (term) => (line) => lineMatchesField(line, term),
};

/** The selection of `--pid`, `--port`, `--container`, `--pod` and `--filter` (null: not given). */
export function eventSelection(scope: DocumentScope & { filter: string | null }): EventSelection {
  const filter = scope.filter === null ? null : parseFilter(scope.filter);
  const inScope = (line: StreamLine) =>
    (scope.pid === null || line.pid === scope.pid) &&
    (scope.port === null || involvesPort(line, scope.port)) &&
    containerInScope(line.container, scope);
  return (lines) => {
    const scoped = lines.filter(inScope);
    if (filter === null || scoped.length === 0) return scoped;
    // One mask per batch: the fuzzy index is built over the batch's distinct names, not per line.
    const mask = filterMask(scoped, filter, eventLineSearchable);
    return scoped.filter((_, index) => mask[index] === 1);
  };
}
