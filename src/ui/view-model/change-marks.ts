/**
 * Rows that changed since the baseline carry a mark in a gutter before their first column: `+`
 * for what appeared (a new listener, container or peer, a process that started talking, or a
 * connection of one), `~` for what moved (traffic, retransmit share or RTT past its factor).
 * The Changes page (`B`) says what each mark stands for.
 */
import type { BaselineChanges } from '../../model/baseline-changes.js';
import { containerKey, listenerKey, processKey } from '../../model/stable-identity.js';
import type { PaneRow } from './columns.js';
import type { PaneId } from './ui-state.js';

export type ChangeMark = '+' | '~' | ' ';

/** For each pane, the mark of a row; the Events pane has none. */
export type PaneMarks = { readonly [Pane in PaneId]?: (row: PaneRow[Pane]) => ChangeMark };

function markOf(key: string, appeared: ReadonlySet<string>, moved: ReadonlySet<string>): ChangeMark {
  return appeared.has(key) ? '+' : moved.has(key) ? '~' : ' ';
}

function strongerMark(a: ChangeMark, b: ChangeMark): ChangeMark {
  return a === '+' || b === '+' ? '+' : a === '~' || b === '~' ? '~' : ' ';
}

export function paneMarks(changes: BaselineChanges): PaneMarks {
  const newProcesses = new Set(changes.processes.startedTalking);
  const newPeers = new Set(changes.peers.appeared);
  const newListeners = new Set(changes.listeners.appeared);
  const newContainers = new Set(changes.containers.appeared);
  const movedProcesses = new Set(changes.moved.filter((move) => move.subject === 'process').map((move) => move.key));
  const movedPeers = new Set(changes.moved.filter((move) => move.subject === 'peer').map((move) => move.key));
  const none = new Set<string>();
  return {
    connections: (row) => {
      const byProcess = markOf(processKey(row.owner.comm, row.owner.container), newProcesses, movedProcesses);
      const byPeer = markOf(row.daddr, newPeers, movedPeers);
      return byProcess === '+' || byPeer === '+' ? '+' : byProcess === '~' || byPeer === '~' ? '~' : ' ';
    },
    processes: (row) => markOf(processKey(row.comm, row.container), newProcesses, movedProcesses),
    containers: (row) => markOf(containerKey(row.container), newContainers, none),
    // A row grouping a name's addresses takes the strongest mark of any of them.
    peers: (row) => row.addresses.map((address) => markOf(address, newPeers, movedPeers)).reduce(strongerMark, ' '),
    listeners: (row) => markOf(listenerKey(row.owner.comm, row.owner.container, row.sport), newListeners, none),
  };
}
