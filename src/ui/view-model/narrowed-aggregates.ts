/**
 * The Processes, Containers and Peers panes under a filter or scope: their rows summed over the
 * connections the Connections pane keeps with the same filter and scope, not over every
 * connection. Under `port:5432` the 127.0.0.1 peer counts its port-5432 connections and their
 * bytes, not everything it ever sent. Names and identities come from the model's own rows.
 */
import type { ConnectionSnapshot, ContainerSnapshot, ModelSnapshot, PeerSnapshot, ProcessSnapshot } from '../../model/snapshot-types.js';
import { addPublishedConnection as add, zeroTrafficSums as zeroSums } from '../../model/traffic-aggregation.js';

export function narrowedProcesses(snapshot: ModelSnapshot, kept: readonly ConnectionSnapshot[]): ProcessSnapshot[] {
  const identities = new Map(snapshot.processes.map((process) => [process.pid, process]));
  const byPid = new Map<number, ProcessSnapshot>();
  for (const connection of kept) {
    const pid = connection.owner.pid;
    const identity = pid === null ? undefined : identities.get(pid);
    if (pid === null || identity === undefined) continue;
    let sums = byPid.get(pid);
    if (sums === undefined) {
      sums = { ...identity, ...zeroSums() };
      byPid.set(pid, sums);
    }
    add(sums, connection);
  }
  return [...byPid.values()].sort((a, b) => a.pid - b.pid);
}

export function narrowedPeers(_snapshot: ModelSnapshot, kept: readonly ConnectionSnapshot[]): PeerSnapshot[] {
  const byAddress = new Map<string, PeerSnapshot>();
  for (const connection of kept) {
    let sums = byAddress.get(connection.daddr);
    if (sums === undefined) {
      sums = { address: connection.daddr, family: connection.family, peerName: null, ...zeroSums() };
      byAddress.set(connection.daddr, sums);
    }
    add(sums, connection);
    const name = connection.peerName;
    if (name !== null && (sums.peerName === null || name.atMs > sums.peerName.atMs)) sums.peerName = name;
  }
  return [...byAddress.keys()].sort().map((address) => byAddress.get(address) as PeerSnapshot);
}

export function narrowedContainers(_snapshot: ModelSnapshot, kept: readonly ConnectionSnapshot[]): ContainerSnapshot[] {
  const byKey = new Map<string, ContainerSnapshot>();
  for (const connection of kept) {
    const container = connection.owner.container;
    if (container === null) continue;
    const key = `${container.runtime}/${container.id}`;
    let sums = byKey.get(key);
    if (sums === undefined) {
      sums = { container, processes: [], ...zeroSums() };
      byKey.set(key, sums);
    }
    add(sums, connection);
    const pid = connection.owner.pid;
    if (pid !== null && !sums.processes.some((process) => process.pid === pid)) sums.processes.push({ pid, comm: connection.owner.comm });
  }
  for (const sums of byKey.values()) sums.processes.sort((a, b) => a.pid - b.pid);
  return [...byKey.keys()].sort().map((key) => byKey.get(key) as ContainerSnapshot);
}
