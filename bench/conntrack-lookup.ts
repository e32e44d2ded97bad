/**
 * What asking conntrack costs: the NAT pass's lookups of one tick (at most 256 connections,
 * 16 a datagram) on the host's own table, for connections that were translated (an nftables
 * DNAT rule on loopback, in the table netscope_bench_nat, deleted after) and for tuples with no
 * entry. Rounds alternate between the two sets; each prints the median and spread of ms per
 * tick's batch and µs per lookup.
 *
 *   bin/node-runtime dist/bench/conntrack-lookup.js [--connections 256] [--rounds 200]
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { ConntrackLookup } from '../src/probes/conntrack-lookup.js';
import type { ConntrackTuple } from '../src/probes/conntrack-messages.js';
import { currentNetnsInode } from '../src/probes/proc-netns.js';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '256' }, rounds: { type: 'string', default: '200' } } });
const connectionCount = Number(values.connections);
const rounds = Number(values.rounds);
const TABLE = 'netscope_bench_nat';

const server = net.createServer((socket) => socket.on('data', () => undefined)).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const served = (server.address() as net.AddressInfo).port;
const probe = net.createServer().listen(0, '127.0.0.1');
await new Promise((resolve) => probe.once('listening', resolve));
const asked = (probe.address() as net.AddressInfo).port;
probe.close();
execFileSync('nft', ['-f', '-'], {
  input: `table ip ${TABLE} {\n chain nat_output {\n  type nat hook output priority -100\n  ip daddr 127.0.0.1 tcp dport ${asked} dnat to 127.0.0.1:${served}\n }\n}\n`,
});
const clients: net.Socket[] = [];
try {
  for (let index = 0; index < connectionCount; index++) {
    const client = net.connect(asked, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    clients.push(client);
  }
  const translated: ConntrackTuple[] = clients.map((client) => ({ family: 'ipv4', protocol: 'tcp', saddr: '127.0.0.1', sport: client.localPort!, daddr: '127.0.0.1', dport: asked }));
  const missing: ConntrackTuple[] = translated.map((tuple) => ({ ...tuple, dport: 1 }));
  const lookup = new ConntrackLookup();
  const netns = currentNetnsInode();
  const timings = { translated: [] as number[], missing: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    for (const kind of round % 2 === 0 ? (['translated', 'missing'] as const) : (['missing', 'translated'] as const)) {
      const tuples = kind === 'translated' ? translated : missing;
      const startedAt = performance.now();
      const entries = lookup.ask(netns, null, tuples);
      timings[kind].push(performance.now() - startedAt);
      const found = entries.filter((entry) => entry !== null).length;
      if (found !== (kind === 'translated' ? tuples.length : 0)) throw new Error(`${kind}: ${found} entries found of ${tuples.length}`);
    }
  }
  lookup.close();
  for (const [kind, samples] of Object.entries(timings)) {
    const sorted = [...samples].sort((a, b) => a - b);
    const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!;
    const perLookupUs = (at(0.5) * 1000) / connectionCount;
    console.log(
      `${kind.padEnd(10)} ${connectionCount} lookups a batch: median ${at(0.5).toFixed(2)} ms (p10 ${at(0.1).toFixed(2)}, p90 ${at(0.9).toFixed(2)}) · ${perLookupUs.toFixed(1)} µs a lookup`,
    );
  }
} finally {
  for (const client of clients) client.destroy();
  server.close();
  execFileSync('nft', ['delete', 'table', 'ip', TABLE]);
}
