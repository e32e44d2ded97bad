/**
 * What the bigger socket sample (struct tcp_sample with the flow-limit fields, 160 bytes from
 * 96) costs the sampling pass: this build's addon against another build given with
 * --baseline-addon (the addon compiled from an earlier commit), each dumping the same held
 * loopback connections, interleaved, in rounds. Prints the median time per dump of each, their
 * ratio with its spread over the rounds, and this build's decode time.
 *
 *   bench/sample-size --baseline-addon PATH [--connections 5000] [--rounds 15] [--dumps 20]
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { nativeAddon, type NativeAddon } from '../src/probes/native.js';
import { decodeTcpSamples } from '../src/probes/tcp-samples.js';
import { holdOpenConnections } from './open-connections.js';

const { values } = parseArgs({
  options: {
    'baseline-addon': { type: 'string' },
    connections: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '15' },
    dumps: { type: 'string', default: '20' },
  },
});
if (values['baseline-addon'] === undefined) {
  console.error('sample-size: no baseline to compare with — give --baseline-addon PATH (an addon built from an earlier commit)');
  process.exit(2);
}

/** Either build: an addon from before the dump was read a Buffer at a time has only the whole-dump call. */
type Sampler = Pick<NativeAddon, 'openNetnsDiagSocket' | 'closeFd'> &
  Partial<Pick<NativeAddon, 'startTcpDump' | 'readTcpDump'>> & {
    sampleTcpSockets?(fd: number, buffer: Buffer, withTimeWait: boolean): { count: number };
    recordSizes: { tcpSample: number };
  };
const baseline = createRequire(import.meta.url)(values['baseline-addon']) as Sampler;
const current = nativeAddon() as unknown as Sampler;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Every TCP socket's sample into `buffer` (big enough for all of them in one read); returns how many. */
function dumpAll(addon: Sampler, fd: number, buffer: Buffer): number {
  if (addon.startTcpDump === undefined || addon.readTcpDump === undefined) return addon.sampleTcpSockets!(fd, buffer, true).count;
  addon.startTcpDump(fd, true);
  let count = 0;
  for (;;) {
    const read = addon.readTcpDump(fd, buffer);
    count += read.count;
    if (read.done) return count;
  }
}

/** Milliseconds per dump of every TCP socket, over `dumps` dumps. */
function timeDumps(addon: Sampler, fd: number, buffer: Buffer, dumps: number): { ms: number; count: number } {
  let count = 0;
  const start = process.hrtime.bigint();
  for (let dump = 0; dump < dumps; dump++) count = dumpAll(addon, fd, buffer);
  return { ms: Number(process.hrtime.bigint() - start) / 1e6 / dumps, count };
}

const held = await holdOpenConnections(Number(values.connections));
try {
  const dumps = Number(values.dumps);
  const sides = [
    { name: 'baseline', addon: baseline, fd: baseline.openNetnsDiagSocket(null), buffer: Buffer.alloc(200_000 * baseline.recordSizes.tcpSample), ms: [] as number[] },
    { name: 'this build', addon: current, fd: current.openNetnsDiagSocket(null), buffer: Buffer.alloc(200_000 * current.recordSizes.tcpSample), ms: [] as number[] },
  ];
  const ratios: number[] = [];
  const decodeMs: number[] = [];
  let sockets = 0;
  for (let round = 0; round < Number(values.rounds); round++) {
    // Alternate which goes first, so neither always runs on a warmer cache.
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const { ms, count } = timeDumps(side.addon, side.fd, side.buffer, dumps);
      side.ms.push(ms);
      sockets = count;
    }
    ratios.push((sides[1]!.ms.at(-1) ?? 0) / (sides[0]!.ms.at(-1) ?? 1));
    const start = process.hrtime.bigint();
    decodeTcpSamples(sides[1]!.buffer, sockets, Date.now(), 0);
    decodeMs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  for (const side of sides) side.addon.closeFd(side.fd);
  const sortedRatios = [...ratios].sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      sockets,
      recordBytes: { baseline: baseline.recordSizes.tcpSample, thisBuild: current.recordSizes.tcpSample },
      dumpMs: { baseline: median(sides[0]!.ms), thisBuild: median(sides[1]!.ms) },
      ratio: { median: median(ratios), min: sortedRatios[0], max: sortedRatios.at(-1) },
      decodeMs: median(decodeMs),
    }),
  );
} finally {
  await held.stop();
}
