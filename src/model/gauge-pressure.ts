/**
 * How close each host gauge is to its limit, as data a finding can be made of: the share of the
 * limit in use, a level, and who holds the most of it.
 */
import type { NamespaceGaugesSnapshot } from './gauges-snapshot.js';
import type { ConnectionSnapshot, ModelSnapshot } from './snapshot-types.js';

/** What runs out. */
export type GaugeName =
  /** Local ports of ip_local_port_range to one destination (address, port). */
  | 'ephemeralPorts'
  /** TIME_WAIT sockets against tcp_max_tw_buckets. */
  | 'timeWait'
  /** nf_conntrack_count against nf_conntrack_max. */
  | 'conntrack'
  /** One process's open descriptors against its RLIMIT_NOFILE. */
  | 'descriptors'
  /** One listener's accept queue against its limit (its backlog, capped by somaxconn). */
  | 'acceptQueue'
  /** Pages TCP holds against tcp_mem's highest value (host-wide). */
  | 'tcpMemory'
  /** Orphaned sockets against tcp_max_orphans (host-wide). */
  | 'orphans';

/** `warning` from WARNING_SHARE of the limit, `critical` from CRITICAL_SHARE. */
export type PressureLevel = 'ok' | 'warning' | 'critical';

/** Share of a limit in use from which a gauge is a warning. */
export const WARNING_SHARE = 0.8;
/** Share of a limit in use from which a gauge is critical. */
export const CRITICAL_SHARE = 0.95;

/** Who holds the most of what a gauge counts. */
export interface GaugeHolder {
  /** Null when the holder's process is not known (a socket older than netscope no process holds). */
  pid: number | null;
  name: string | null;
  /** How much of the gauge it holds: ports, sockets, queued connections or descriptors. */
  holds: number;
}

export interface GaugePressure {
  gauge: GaugeName;
  /** Network namespace inode; null for host-wide gauges and per-process descriptors. */
  netns: number | null;
  /**
   * What the gauge is about within its namespace: the destination `203.0.113.7:443` or
   * `[2001:db8::1]:443`, the listener `0.0.0.0:8080`, the pid; null for the namespace's or host's own.
   */
  subject: string | null;
  used: number;
  limit: number;
  /** used / limit (may pass 1: an accept queue holds one past its limit). */
  share: number;
  level: PressureLevel;
  /** Null where nothing names one (TCP memory, orphans) or no connection shows it. */
  holder: GaugeHolder | null;
}

export function pressureLevel(share: number): PressureLevel {
  return share >= CRITICAL_SHARE ? 'critical' : share >= WARNING_SHARE ? 'warning' : 'ok';
}

/** `addr:port`, the IPv6 address in brackets. */
export function endpointText(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Every gauge that has a limit, most pressing (highest share) first. Pure. */
export function gaugePressures(snapshot: ModelSnapshot): GaugePressure[] {
  const pressures: GaugePressure[] = [];
  const { gauges } = snapshot;
  const tallies = new Map<number, NamespaceTally>();
  for (const namespace of gauges.namespaces) tallies.set(namespace.netns, new NamespaceTally(namespace));
  // One walk, counting owners as it goes: a list of each gauge's connections, filtered from a
  // 40,000-connection table every tick, was several large arrays of garbage a tick. Indexed: a
  // for-of made an iterator result per connection.
  const { connections } = snapshot;
  for (let index = 0; index < connections.length; index++) {
    const connection = connections[index]!;
    tallies.get(connection.netns)?.add(connection);
  }
  for (const { namespace, destinations, timeWait, open } of tallies.values()) {
    const range = namespace.ephemeralPortRange;
    if (range !== null && range.high >= range.low) {
      const limit = range.high - range.low + 1;
      namespace.ephemeralPortsByDestination.forEach((destination, index) => {
        pressures.push(pressure('ephemeralPorts', namespace.netns, endpointText(destination.daddr, destination.dport), destination.ports, limit, destinations[index]!.busiest()));
      });
    }
    if (namespace.timeWaitLimit !== null && namespace.timeWaitLimit > 0) {
      pressures.push(pressure('timeWait', namespace.netns, null, namespace.timeWait, namespace.timeWaitLimit, timeWait.busiest()));
    }
    if (namespace.conntrack !== null && namespace.conntrack.max > 0) {
      // Conntrack counts flows of every protocol; the process with the most TCP connections is
      // the best name netscope has for who fills it.
      pressures.push(pressure('conntrack', namespace.netns, null, namespace.conntrack.entries, namespace.conntrack.max, open.busiest()));
    }
  }
  for (const listener of snapshot.listeners) {
    if (listener.acceptQueueLimit === 0) continue;
    const holder = { pid: listener.owner.pid, name: listener.owner.comm, holds: listener.acceptQueue };
    pressures.push(pressure('acceptQueue', listener.netns, endpointText(listener.saddr, listener.sport), listener.acceptQueue, listener.acceptQueueLimit, holder));
  }
  for (const process of gauges.processDescriptors) {
    if (process.limit === null || process.limit === 0) continue;
    const holder = { pid: process.pid, name: process.comm, holds: process.descriptors };
    pressures.push(pressure('descriptors', null, String(process.pid), process.descriptors, process.limit, holder));
  }
  const { host } = gauges;
  if (host.memoryPages !== null && host.memoryLimitPages !== null && host.memoryLimitPages.high > 0) {
    pressures.push(pressure('tcpMemory', null, null, host.memoryPages, host.memoryLimitPages.high, null));
  }
  if (host.orphans !== null && host.maxOrphans !== null && host.maxOrphans > 0) {
    pressures.push(pressure('orphans', null, null, host.orphans, host.maxOrphans, null));
  }
  // Code-unit order, not localeCompare: the same on every host, and the locale's collation
  // tables cost netscope 2 MiB of resident memory (see bench/PROFILE.md).
  return pressures.sort((a, b) => b.share - a.share || compareText(a.gauge, b.gauge) || compareText(a.subject ?? '', b.subject ?? ''));
}

/** The gauges at `warning` or worse, most pressing first: what the findings engine turns into findings. */
export function gaugesUnderPressure(snapshot: ModelSnapshot): GaugePressure[] {
  return gaugePressures(snapshot).filter((gauge) => gauge.level !== 'ok');
}

function pressure(gauge: GaugeName, netns: number | null, subject: string | null, used: number, limit: number, holder: GaugeHolder | null): GaugePressure {
  const share = used / limit;
  return { gauge, netns, subject, used, limit, share, level: pressureLevel(share), holder };
}

/** One namespace's connections as its gauges count their holders. */
class NamespaceTally {
  /** Per destination of `ephemeralPortsByDestination`, in its order: the connections holding an ephemeral port to it. */
  readonly destinations: OwnerTally[];
  readonly timeWait = new OwnerTally();
  readonly open = new OwnerTally();

  constructor(readonly namespace: NamespaceGaugesSnapshot) {
    this.destinations = namespace.ephemeralPortsByDestination.map(() => new OwnerTally());
  }

  add(connection: ConnectionSnapshot): void {
    if (connection.state === 'TIME_WAIT') this.timeWait.add(connection);
    if (connection.closedAtMs === null) this.open.add(connection);
    const range = this.namespace.ephemeralPortRange;
    if (range === null || connection.sport < range.low || connection.sport > range.high || connection.state === 'CLOSE') return;
    const { ephemeralPortsByDestination } = this.namespace;
    for (let index = 0; index < ephemeralPortsByDestination.length; index++) {
      const destination = ephemeralPortsByDestination[index]!;
      if (connection.daddr === destination.daddr && connection.dport === destination.dport) this.destinations[index]!.add(connection);
    }
  }
}

/** How many of some connections each process owns. */
class OwnerTally {
  private readonly byPid = new Map<number, GaugeHolder>();

  add(connection: ConnectionSnapshot): void {
    const { pid, comm } = connection.owner;
    if (pid === null) return;
    const holder = this.byPid.get(pid);
    if (holder === undefined) this.byPid.set(pid, { pid, name: comm, holds: 1 });
    else holder.holds++;
  }

  /** The process owning the most (the lower pid on a tie); null when none has an owner. */
  busiest(): GaugeHolder | null {
    let busiest: GaugeHolder | null = null;
    for (const holder of this.byPid.values()) {
      if (busiest === null || holder.holds > busiest.holds || (holder.holds === busiest.holds && (holder.pid as number) < (busiest.pid as number))) busiest = holder;
    }
    return busiest;
  }
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
