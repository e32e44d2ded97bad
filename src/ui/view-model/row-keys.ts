/**
 * Row keys: the stable identity of a table row across ticks (selection follows it) and what
 * Enter acts on. Each key carries what the reducer needs, so the reducer never reads the model.
 *
 * | pane        | key                                   | example                       |
 * |-------------|---------------------------------------|-------------------------------|
 * | connections | socket cookie                         | `81920`                       |
 * | processes   | pid                                   | `4242`                        |
 * | containers  | `<runtime>/<container id>`            | `docker/3f2a9c…`              |
 * | peers       | remote address, or `name:` and the name shared by its addresses | `93.184.216.34`, `::1`, `name:edge.cdn.test` |
 * | listeners   | `<socket cookie>/<owner pid or ->`    | `5120/812`, `5121/-`          |
 * | events      | `<cookie or ->/<atMs>/<kind>/<n>`     | `81920/1735689600123/reset/0` |
 * | findings    | the finding's id                      | `refused:pid=412:peer=127.0.0.1:9` |
 *
 * Events have no identity of their own: `n` tells apart events with the same cookie, time and
 * kind, counted from the oldest, so a key survives newer events arriving.
 */
import type { ConnectionEvent, ConnectionSnapshot, ContainerSnapshot, ListenerSnapshot, ProcessSnapshot } from '../../model/snapshot-types.js';
import type { PeerRow } from './peer-groups.js';
import type { Finding } from '../../findings/finding.js';

/** Key of a Findings row: its id, stable across ticks and replays. */
export function findingKey(finding: Finding): string {
  return finding.id;
}

/** Key of a Connections row. */
export function connectionKey(connection: ConnectionSnapshot): string {
  return String(connection.id);
}

/** Key of a Processes row. */
export function processKey(process: ProcessSnapshot): string {
  return String(process.pid);
}

/** Key of a Containers row: the model tells containers apart by runtime and id. */
export function containerKey(container: ContainerSnapshot): string {
  return `${container.container.runtime}/${container.container.id}`;
}

/** Before the name in the key of a Peers row grouping addresses by name; no address starts with it. */
const PEER_NAME_KEY_PREFIX = 'name:';

/** Key of a Peers row: its address, or its name when it groups several addresses (peer-groups.ts). */
export function peerKey(peer: PeerRow): string {
  return peer.groupName === null ? peer.address : `${PEER_NAME_KEY_PREFIX}${peer.groupName}`;
}

/** What Enter on a Peers row scopes to: the address, or every address behind the name. */
export function peerScopeFromKey(key: string): { kind: 'peer'; address: string } | { kind: 'peerName'; name: string } {
  return key.startsWith(PEER_NAME_KEY_PREFIX) ? { kind: 'peerName', name: key.slice(PEER_NAME_KEY_PREFIX.length) } : { kind: 'peer', address: key };
}

/** Key of a Listeners row. */
export function listenerKey(listener: ListenerSnapshot): string {
  return `${listener.id}/${listener.owner.pid ?? '-'}`;
}

const eventKeyCache = new WeakMap<readonly ConnectionEvent[], string[]>();

/** Keys of all events of a snapshot (newest first, like the events), computed once per array. */
export function eventKeys(events: readonly ConnectionEvent[]): readonly string[] {
  const cached = eventKeyCache.get(events);
  if (cached !== undefined) return cached;
  const keys = new Array<string>(events.length);
  const seen = new Map<string, number>();
  for (let index = events.length - 1; index >= 0; index--) {
    const event = events[index];
    if (event === undefined) continue;
    const identity = `${event.connectionId ?? '-'}/${event.atMs}/${event.kind}`;
    const occurrence = seen.get(identity) ?? 0;
    seen.set(identity, occurrence + 1);
    keys[index] = `${identity}/${occurrence}`;
  }
  eventKeyCache.set(events, keys);
  return keys;
}

/** The socket cookie of a connections-pane key; null when the key is not one. */
export function connectionIdFromKey(key: string): number | null {
  return parseWhole(key);
}

/** The pid of a processes-pane key. */
export function pidFromProcessKey(key: string): number | null {
  return parseWhole(key);
}

/** The container id of a containers-pane key; null when the key is not one. */
export function containerIdFromKey(key: string): string | null {
  const separator = key.indexOf('/');
  return separator < 0 || separator === key.length - 1 ? null : key.slice(separator + 1);
}

/** The socket cookie of a listeners-pane key; null when the key is not one. */
export function listenerIdFromKey(key: string): number | null {
  return parseWhole(key.split('/')[0] ?? '');
}

/** The socket cookie of an events-pane key; null for events without a socket (`-`). */
export function connectionIdFromEventKey(key: string): number | null {
  return parseWhole(key.split('/')[0] ?? '');
}

function parseWhole(text: string): number | null {
  if (!/^\d+$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}
