/**
 * Which sampler stays: sock_diag (what netscope runs each tick) against a BPF iterator over the
 * TCP sockets (bpf/tcp_sample_iter.bpf.c, which writes the same struct tcp_sample), at N open
 * idle loopback connections (2N sockets) held by the bench's holder processes. Rounds
 * alternate the order; it prints the median CPU ms a pass (this process's user
 * and system time: the kernel's walk runs inside the read), every sample decoded by the same
 * decoder:
 *
 *   sock_diag                the sampler's pass (all namespaces, TIME_WAIT included)
 *   iterator                 every socket of netscope's own namespace
 *   iterator, changed only   only the sockets whose counters or state moved since the last
 *                            walk (socket-local storage); the connections are idle, so this is
 *                            the walk with nothing to write
 *
 * and which fields, socket by socket, the iterator reads differently from tcp_info.
 *
 *   bin/node-runtime dist/bench/sampler-cost.js [--connections 20000] [--rounds 15]
 *
 * It runs itself again in a mount namespace of its own (unshare -m), where it mounts a bpffs to
 * pin the iterators with bpftool: nothing is left on the host.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SocketSampleRecord } from '../src/model/records.js';
import { hostPaths } from '../src/probes/host-paths.js';
import { currentNetnsInode } from '../src/probes/proc-netns.js';
import { systemKernelClock } from '../src/probes/kernel-clock.js';
import { SocketSampler } from '../src/probes/socket-sampler.js';
import { decodeEachTcpSample, tcpSampleLayout } from '../src/probes/tcp-samples.js';
import { holdOpenConnections } from './open-connections.js';

const INSIDE = 'NETSCOPE_SAMPLER_COST_BPFFS';
const { values } = parseArgs({ options: { connections: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '15' } } });

if (process.env[INSIDE] === undefined) {
  const self = fileURLToPath(import.meta.url);
  const run = spawnSync('unshare', ['--mount', '--propagation', 'private', process.execPath, self, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [INSIDE]: '/sys/fs/bpf' },
  });
  process.exit(run.status ?? 1);
}

const bpffs = process.env[INSIDE]!;
const objects = new URL('../../bpf/.output/', import.meta.url);
execFileSync('mount', ['-t', 'bpf', 'bpf', bpffs]);
const ITERATORS = { every: 'tcp_sample_iter.bpf.o', changed: 'tcp_sample_iter_changed.bpf.o' } as const;
for (const [name, object] of Object.entries(ITERATORS)) {
  execFileSync('bpftool', ['iter', 'pin', fileURLToPath(new URL(object, objects)), `${bpffs}/${name}`]);
}

const READ_BYTES = 2048 * tcpSampleLayout.size;
const readBuffer = Buffer.alloc(READ_BYTES);
const netns = currentNetnsInode();

/** One walk of a pinned iterator, its samples decoded as they arrive; the number decoded. */
function walk(pin: string, visit: (record: SocketSampleRecord) => void): number {
  const fd = openSync(pin, 'r');
  let decoded = 0;
  let held = 0;
  try {
    for (;;) {
      const read = readSync(fd, readBuffer, held, READ_BYTES - held, null);
      if (read === 0) break;
      held += read;
      const whole = Math.floor(held / tcpSampleLayout.size);
      decodeEachTcpSample(readBuffer, whole, Date.now(), netns, visit);
      decoded += whole;
      const rest = held - whole * tcpSampleLayout.size;
      readBuffer.copy(readBuffer, 0, whole * tcpSampleLayout.size, held);
      held = rest;
    }
  } finally {
    closeSync(fd);
  }
  return decoded;
}

const sampler = new SocketSampler(hostPaths(), systemKernelClock());
function sockDiagPass(visit: (record: SocketSampleRecord) => void): number {
  let count = 0;
  sampler.sampleEach((record) => {
    count++;
    visit(record);
  }, () => true);
  return count;
}

const ignore = () => undefined;
const passes: Record<string, () => number> = {
  sock_diag: () => sockDiagPass(ignore),
  iterator: () => walk(`${bpffs}/every`, ignore),
  'iterator, changed only': () => walk(`${bpffs}/changed`, ignore),
};

/** The median of the samples, and the 10th and 90th percentiles. */
function quantiles(samples: number[]): { median: number; p10: number; p90: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!;
  return { median: at(0.5), p10: at(0.1), p90: at(0.9) };
}

function cpuMs(pass: () => number): { ms: number; sockets: number } {
  const before = process.cpuUsage();
  const sockets = pass();
  const used = process.cpuUsage(before);
  return { ms: (used.user + used.system) / 1000, sockets };
}

/** Sockets both samplers saw, and how many of them differ in each field. */
function compareFields(): { both: number; differing: Record<string, number> } {
  const fromDiag = new Map<number, SocketSampleRecord>();
  sockDiagPass((record) => fromDiag.set(record.cookie, record));
  const differing: Record<string, number> = {};
  let both = 0;
  const fields: Record<string, (record: SocketSampleRecord) => unknown> = {
    endpoints: (record) => `${record.endpoints.saddr}:${record.endpoints.sport} ${record.endpoints.daddr}:${record.endpoints.dport}`,
    state: (record) => record.state,
    inode: (record) => record.inode,
    uid: (record) => record.uid,
    counters: (record) => JSON.stringify(record.counters),
    queues: (record) => `${record.receiveQueue} ${record.sendQueue}`,
    drops: (record) => record.drops,
    limits: (record) => JSON.stringify(record.limits),
  };
  walk(`${bpffs}/every`, (record) => {
    const diag = fromDiag.get(record.cookie);
    if (diag === undefined) return;
    both++;
    for (const [name, read] of Object.entries(fields)) if (read(diag) !== read(record)) differing[name] = (differing[name] ?? 0) + 1;
  });
  return { both, differing };
}

const held = await holdOpenConnections(Number(values.connections));
try {
  sampler.refreshNamespaces();
  walk(`${bpffs}/changed`, ignore); // gives every socket its storage: the walks measured after find nothing moved
  const timings = new Map<string, number[]>(Object.keys(passes).map((name) => [name, []]));
  const sockets = new Map<string, number>();
  const names = Object.keys(passes);
  for (let round = 0; round < Number(values.rounds); round++) {
    const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
    for (const name of order) {
      const { ms, sockets: count } = cpuMs(passes[name]!);
      timings.get(name)!.push(ms);
      sockets.set(name, count);
    }
  }
  console.log(`${held.connections} open loopback connections; CPU ms a pass (user + system), ${values.rounds} rounds`);
  const base = quantiles(timings.get('sock_diag')!).median;
  for (const [name, samples] of timings) {
    const { median, p10, p90 } = quantiles(samples);
    console.log(
      `  ${name.padEnd(24)} median ${median.toFixed(1).padStart(6)} ms (p10 ${p10.toFixed(1)}, p90 ${p90.toFixed(1)}) · ${String(sockets.get(name)).padStart(6)} samples · ${(median / base).toFixed(3)} of sock_diag`,
    );
  }
  const { both, differing } = compareFields();
  const differences = Object.entries(differing).map(([name, count]) => `${name} ${count}`);
  console.log(`  fields read differently from tcp_info, of ${both} sockets both saw: ${differences.length === 0 ? 'none' : differences.join(', ')}`);
} finally {
  held.stop();
}
