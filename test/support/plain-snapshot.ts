import type { ConnectionSnapshot, ModelSnapshot } from '../../src/model/snapshot-types.js';

/**
 * A published row as a plain object of every field a reader sees, its own and those it reads
 * through getters: assert.deepEqual and structuredClone see own fields only.
 */
export function plainConnection(connection: ConnectionSnapshot): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  const fields = connection as unknown as Record<string, unknown>;
  for (let prototype = Object.getPrototypeOf(connection); prototype !== null && prototype !== Object.prototype; prototype = Object.getPrototypeOf(prototype)) {
    for (const [key, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(prototype))) {
      if (descriptor.get !== undefined) plain[key] = fields[key];
    }
  }
  for (const key of Object.keys(connection)) plain[key] = fields[key];
  return plain;
}

/** A snapshot with its rows as plain objects (see plainConnection), to compare or clone whole. */
export function plainSnapshot(snapshot: ModelSnapshot): Record<string, unknown> & { connections: Record<string, unknown>[] } {
  return { ...snapshot, peers: snapshot.peers, connections: snapshot.connections.map(plainConnection) };
}
