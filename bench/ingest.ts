/**
 * Ingest micro-benchmark: decode (DataView) + model ingest of synthetic `struct tcp_event`
 * records on one core, against the 1,000,000 events/s target. Decode alone and ingest alone
 * are measured in the same run, so the split is a ratio, not a guess.
 *
 *   npm run bench        (or: bin/node-runtime dist/bench/ingest.js)
 */
import { ConnectionModel } from '../src/model/connection-model.js';
import type { ModelRecord } from '../src/model/records.js';
import { reasonNamesFrom } from '../src/probes/reason-names.js';
import { tcpEventDecoder, tcpEventLayout, TcpEventKind } from '../src/probes/tcp-events.js';
import { buildTcpEvent } from '../test/probes/tcp-event-builder.js';
import { escapeUntrustedText } from '../src/enrich/untrusted-text.js';

const CONNECTIONS = 10_000;
const BATCH_RECORDS = 4096;
const ROUNDS = 5;
const BATCHES_PER_ROUND = 250;
const TARGET_EVENTS_PER_SECOND = 1_000_000;

/** A realistic mix: each connection's life is connect, established, a few retransmits, close. */
function buildBatches(): Buffer[] {
  const lifecycle = [
    { kind: TcpEventKind.STATE, oldState: 7, newState: 2, ownerKnown: true },
    { kind: TcpEventKind.STATE, oldState: 2, newState: 1, ownerKnown: false },
    { kind: TcpEventKind.RETRANSMIT, newState: 1 },
    { kind: TcpEventKind.RETRANSMIT, newState: 1 },
    { kind: TcpEventKind.STATE, oldState: 1, newState: 4, ownerKnown: true },
    { kind: TcpEventKind.STATE, oldState: 4, newState: 7, ownerKnown: false },
  ] as const;
  const records: Buffer[] = [];
  for (let connection = 0; connection < CONNECTIONS; connection++) {
    for (const [step, event] of lifecycle.entries()) {
      records.push(
        buildTcpEvent({
          ...event,
          cookie: BigInt(connection + 1),
          tsNs: BigInt(connection * 1000 + step) * 1000n,
          sport: 10_000 + (connection % 50_000),
          dport: 443,
          daddr: [10, (connection >> 16) & 255, (connection >> 8) & 255, connection & 255],
          pid: 1000 + (connection % 200),
          comm: 'bench',
          bytesAcked: BigInt(step * 1000),
          totalRetrans: step >= 2 ? step - 1 : 0,
        }),
      );
    }
  }
  const batches: Buffer[] = [];
  for (let start = 0; start < records.length; start += BATCH_RECORDS) {
    const slice = records.slice(start, start + BATCH_RECORDS);
    if (slice.length === BATCH_RECORDS) batches.push(Buffer.concat(slice));
  }
  return batches;
}

function eventsPerSecond(run: () => number): number[] {
  const results: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    const events = run();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    results.push(events / seconds);
  }
  return results;
}

function summary(results: number[]): { best: number; spread: number } {
  const best = Math.max(...results);
  return { best, spread: (best - Math.min(...results)) / best };
}

const batches = buildBatches();
const clock = { toWallMs: (monotonicMs: number) => monotonicMs + 1.7e12 };
const noReasons = reasonNamesFrom([], '');
// Task names through the sanitiser, as netscope decodes them.
const decoder = tcpEventDecoder(clock, noReasons, noReasons, escapeUntrustedText);

const decoded: ModelRecord[] = [];
decoder.decode(batches[0] as Buffer, BATCH_RECORDS, (record) => decoded.push(record));

const decodeOnly = eventsPerSecond(() => {
  let sink = 0;
  for (let batch = 0; batch < BATCHES_PER_ROUND; batch++) {
    decoder.decode(batches[batch % batches.length] as Buffer, BATCH_RECORDS, () => sink++);
  }
  return sink;
});

const ingestOnly = eventsPerSecond(() => {
  const model = new ConnectionModel();
  let count = 0;
  for (let batch = 0; batch < BATCHES_PER_ROUND; batch++) {
    for (const record of decoded) model.ingest(record);
    count += decoded.length;
  }
  return count;
});

const decodeAndIngest = eventsPerSecond(() => {
  const model = new ConnectionModel();
  let count = 0;
  for (let batch = 0; batch < BATCHES_PER_ROUND; batch++) {
    decoder.decode(batches[batch % batches.length] as Buffer, BATCH_RECORDS, (record) => model.ingest(record));
    count += BATCH_RECORDS;
    if (batch % 50 === 49) model.tick(1.7e12 + batch);
  }
  return count;
});

const rows = [
  ['decode only', summary(decodeOnly)],
  ['model ingest only', summary(ingestOnly)],
  ['decode + ingest (+ a tick per 50 batches)', summary(decodeAndIngest)],
] as const;
const full = summary(decodeAndIngest).best;
console.log(`netscope ingest benchmark — ${BATCH_RECORDS * BATCHES_PER_ROUND} events a round, best of ${ROUNDS}, one core (${tcpEventLayout.size}-byte records)`);
console.log('stage'.padEnd(44), 'events/s'.padStart(14), 'ratio to full'.padStart(14), 'spread'.padStart(8));
for (const [name, result] of rows) {
  console.log(
    name.padEnd(44),
    Math.round(result.best).toLocaleString('en-US').padStart(14),
    (result.best / full).toFixed(2).padStart(14),
    `${(result.spread * 100).toFixed(1)}%`.padStart(8),
  );
}
console.log(`target ≥ ${TARGET_EVENTS_PER_SECOND.toLocaleString('en-US')} events/s: ${full >= TARGET_EVENTS_PER_SECOND ? 'PASS' : 'SHORT'} (${(full / TARGET_EVENTS_PER_SECOND).toFixed(2)}× target)`);
