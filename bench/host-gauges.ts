/**
 * What the host gauges cost a tick beside the sock_diag pass they count from: each round takes a
 * pass, then reads the gauges of every namespace the pass sampled (the net.* sysctls inside each
 * namespace, its netstat, the host's sockstat and TCP limits), and — as every 5 s in a capture —
 * counts the descriptors of every process this host has. Interleaved, so load from elsewhere
 * touches both alike; compare them as a ratio. Needs root (setns).
 *
 *   bin/node-runtime dist/bench/host-gauges.js [--rounds 30]
 */
import { parseArgs } from 'node:util';
import { hostPaths, listPids } from '../src/probes/host-paths.js';
import { systemKernelClock } from '../src/probes/kernel-clock.js';
import { SocketSampler } from '../src/probes/socket-sampler.js';
import { HostGauges } from '../src/sources/host-gauges.js';
import { SampledSockets } from '../src/sources/sampled-sockets.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '30' } } });
const rounds = Number(values.rounds);
const paths = hostPaths();
const sampler = new SocketSampler(paths, systemKernelClock());
sampler.refreshNamespaces();
const pids = listPids(paths);

function quantiles(times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (share: number) => (sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] as number).toFixed(2);
  return `median ${at(0.5)} ms (p10 ${at(0.1)}, p90 ${at(0.9)})`;
}

const passTimes: number[] = [];
const gaugeTimes: number[] = [];
const descriptorTimes: number[] = [];
let sockets = 0;
for (let round = 0; round < rounds; round++) {
  let started = performance.now();
  const pass = sampler.sample();
  passTimes.push(performance.now() - started);
  sockets = pass.records.length;
  // A reader that counts no descriptors: the gauges of a plain tick.
  const plain = new HostGauges(paths, { descriptorIntervalMs: Number.POSITIVE_INFINITY });
  started = performance.now();
  plain.read(1, SampledSockets.of(pass.records), sampler.namespaces(), pass.netns);
  gaugeTimes.push(performance.now() - started);
  // Every process as a socket owner: the dearest a descriptor count can be on this host.
  const counting = new HostGauges(paths, { descriptorIntervalMs: 0 });
  for (const pid of pids) counting.noteSocketOwner(pid);
  started = performance.now();
  counting.read(1, new SampledSockets(), new Map(), []);
  descriptorTimes.push(performance.now() - started);
}
const namespaces = sampler.namespaces().size;
sampler.close();
console.log(`host: ${pids.length} processes, ${namespaces} network namespaces, ${sockets} sockets in the last pass`);
console.log(`sock_diag pass:              ${quantiles(passTimes)}`);
console.log(`gauges read (every tick):    ${quantiles(gaugeTimes)}`);
console.log(`descriptors (every 5 s), all ${pids.length} processes: ${quantiles(descriptorTimes)}`);
