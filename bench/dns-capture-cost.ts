/**
 * What the DNS answer capture (bpf/dns_answers.bpf.c, a cgroup_skb ingress program on the cgroup
 * v2 root, so every received packet passes it) costs TCP: iperf3 on loopback at 1 KiB and at
 * 128 KiB writes, without and with the program attached, interleaved round by round (the order
 * alternating), as a ratio with its spread over the rounds.
 *
 *   bin/node-runtime dist/bench/dns-capture-cost.js [--rounds N] [--seconds S]
 */
import { parseArgs } from 'node:util';
import { loadDnsAnswerProbe } from '../src/probes/dns-answer-probe.js';
import { hostPaths } from '../src/probes/host-paths.js';
import { runIperf, startIperfServer } from './host-load.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '3' } } });
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);

const server = await startIperfServer();
const figures: Record<'1K' | '128K', { without: number[]; with: number[] }> = { '1K': { without: [], with: [] }, '128K': { without: [], with: [] } };
try {
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const);
    for (const length of ['1K', '128K'] as const) {
      for (const variant of order) {
        const probe = variant === 'with' ? loadDnsAnswerProbe(hostPaths(), 1 << 20) : null;
        if (probe !== null && probe.object === null) throw new Error(`the DNS answer capture did not attach: ${probe.status.reason}`);
        try {
          figures[length][variant].push(await runIperf(server.port, length, seconds));
        } finally {
          probe?.object?.close();
        }
      }
    }
  }
} finally {
  await server.stop();
}

const gbps = (bitsPerSecond: number) => (bitsPerSecond / 1e9).toFixed(2);
for (const length of ['1K', '128K'] as const) {
  const { without, with: withProbe } = figures[length];
  const ratios = withProbe.map((value, index) => value / (without[index] as number));
  const best = (values: number[]) => Math.max(...values);
  const ratio = best(withProbe) / best(without);
  const spread = (Math.max(...ratios) - Math.min(...ratios)).toFixed(3);
  process.stdout.write(
    `iperf3 -l ${length}: without ${without.map(gbps).join('/')} Gbit/s, with ${withProbe.map(gbps).join('/')} Gbit/s; ratio of bests ${ratio.toFixed(3)}, per-round ratios ${ratios.map((value) => value.toFixed(3)).join(' ')} (spread ${spread})\n`,
  );
}
