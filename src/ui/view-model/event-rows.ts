/**
 * The Events pane's rows: the model's events named as `--events` names them (connect, accept,
 * state, close, refused, retransmit, reset, drop), each with the local side its connection
 * bound after the event (a connect is recorded before the kernel picks the local port).
 */
import type { ConnectionEvent, ConnectionSnapshot, ModelSnapshot } from '../../model/snapshot-types.js';

export type EventRowType = 'connect' | 'accept' | 'state' | 'close' | 'refused' | 'retransmit' | 'reset' | 'drop';

/** The order `e` steps through the types in: trouble first, after all of them. */
export const EVENT_ROW_TYPES: readonly EventRowType[] = ['drop', 'retransmit', 'reset', 'refused', 'connect', 'accept', 'close', 'state'];

export interface EventRow extends ConnectionEvent {
  type: EventRowType;
}

const rowsByEvents = new WeakMap<readonly ConnectionEvent[], readonly EventRow[]>();

export function eventRows(snapshot: ModelSnapshot): readonly EventRow[] {
  const cached = rowsByEvents.get(snapshot.events);
  if (cached !== undefined) return cached;
  const wanted = new Set(snapshot.events.map((event) => event.connectionId));
  const connections = new Map<number, ConnectionSnapshot>();
  for (const connection of snapshot.connections) if (wanted.has(connection.id)) connections.set(connection.id, connection);
  const rows = snapshot.events.map((event): EventRow => {
    const connection = event.connectionId === null ? undefined : connections.get(event.connectionId);
    const bound = event.kind !== 'drop' && event.sport === 0 && connection !== undefined && connection.sport !== 0;
    return { ...event, ...(bound ? { saddr: connection.saddr, sport: connection.sport } : {}), type: eventType(event, connection) };
  });
  rowsByEvents.set(snapshot.events, rows);
  return rows;
}

function eventType(event: ConnectionEvent, connection: ConnectionSnapshot | undefined): EventRowType {
  if (event.kind !== 'state') return event.kind;
  if (event.toState === 'SYN_SENT') return 'connect';
  if (event.toState === 'ESTABLISHED' && (event.fromState === 'SYN_RECV' || event.fromState === 'NEW_SYN_RECV')) return 'accept';
  if (event.toState !== 'CLOSE') return 'state';
  // A connect answered with a reset: the port is closed, or a firewall rejects it.
  const refused = event.fromState === 'SYN_SENT' && (connection?.resetsReceived ?? 0) > 0;
  return refused ? 'refused' : 'close';
}
