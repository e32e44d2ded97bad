import type { DestinationPorts } from '../model/records.js';

/**
 * The destinations holding the most ephemeral ports, offered one at a time: only the few kept
 * are made into objects. A host whose listener has closed while its accepted connections stay
 * tallies a destination per client port (20,000 at 20,000 held connections); an object for each
 * and a sort of them all every pass were 13% of what an idle netscope allocated there (27 of
 * 204 MiB in 6 s).
 */
export class BusiestDestinations {
  /** Busiest first: most ports, then address in code-unit order (see gauge-pressure.ts), then port. */
  readonly list: DestinationPorts[] = [];

  constructor(private readonly limit: number) {}

  offer(daddr: string, dport: number, ports: number): void {
    const list = this.list;
    if (this.limit <= 0) return;
    if (list.length === this.limit && !before(daddr, dport, ports, list[list.length - 1]!)) return;
    let at = list.length;
    while (at > 0 && before(daddr, dport, ports, list[at - 1]!)) at--;
    list.splice(at, 0, { daddr, dport, ports });
    if (list.length > this.limit) list.pop();
  }
}

function before(daddr: string, dport: number, ports: number, other: DestinationPorts): boolean {
  if (ports !== other.ports) return ports > other.ports;
  if (daddr !== other.daddr) return daddr < other.daddr;
  return dport < other.dport;
}
