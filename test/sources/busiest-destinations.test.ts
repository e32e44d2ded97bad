import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DestinationPorts } from '../../src/model/records.js';
import { BusiestDestinations } from '../../src/sources/busiest-destinations.js';

/** What the gauges reported before: every destination sorted, then the first few. */
function sortedThenCut(destinations: readonly DestinationPorts[], limit: number): DestinationPorts[] {
  return [...destinations].sort((a, b) => b.ports - a.ports || (a.daddr < b.daddr ? -1 : a.daddr > b.daddr ? 1 : 0) || a.dport - b.dport).slice(0, limit);
}

/** A small deterministic generator, so that a failure names its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

describe('the busiest destinations', () => {
  test('are those a full sort puts first, ties broken by address (code units) then port, whatever order they are offered in', () => {
    const addresses = ['10.0.0.2', '10.0.0.10', '::1', '127.0.0.1', 'fe80::1'];
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const count = Math.floor(next() * 60);
      const seen = new Set<string>();
      const destinations: DestinationPorts[] = [];
      for (let index = 0; index < count; index++) {
        const daddr = addresses[Math.floor(next() * addresses.length)]!;
        const dport = 1 + Math.floor(next() * 8);
        if (seen.has(`${daddr} ${dport}`)) continue;
        seen.add(`${daddr} ${dport}`);
        destinations.push({ daddr, dport, ports: 1 + Math.floor(next() * 4) });
      }
      for (const limit of [0, 1, 5, 100]) {
        const busiest = new BusiestDestinations(limit);
        for (const { daddr, dport, ports } of destinations) busiest.offer(daddr, dport, ports);
        assert.deepEqual(busiest.list, sortedThenCut(destinations, limit), `seed ${seed}, limit ${limit}`);
      }
    }
  });
});
