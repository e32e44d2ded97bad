/**
 * The flight recorder over a recording (e.g. the dump `soak.js --keep-dump FILE` keeps): the
 * recording replayed through the model once without the recorder and once with it, and what
 * the recorder then holds — bytes by its own count and heap by V8's (after a full GC), per
 * connect (SYN_SENT) in its window — and the time spent in it per record. Run by hand:
 *
 *   bin/node-runtime --expose-gc dist/bench/flight-recorder.js FILE [--flight-max-mb 64]
 */
import { parseArgs } from 'node:util';
import { openReplayCapture } from '../src/app/replay-capture.js';
import type { ModelRecord } from '../src/model/records.js';
import type { ModelSnapshot } from '../src/model/snapshot-types.js';
import { FlightRecorder } from '../src/recording/flight-recorder.js';
import { readRecording } from '../src/recording/read-recording.js';
import type { Recording } from '../src/recording/recording-format.js';

const MiB = 1024 * 1024;
const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'flight-max-mb': { type: 'string', default: '64' } } });
const file = positionals[0];
const collectGarbage = (globalThis as { gc?: () => void }).gc;
if (file === undefined || collectGarbage === undefined) {
  process.stderr.write('flight-recorder bench: give a recording, and run node with --expose-gc\n');
  process.exit(2);
}
const recording = await readRecording(file);

function heapAfterGc(): number {
  collectGarbage!();
  collectGarbage!();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
}

const isConnect = (record: ModelRecord) => record.kind === 'state' && record.newState === 2;

/** Replays the whole recording; with a recorder, the time spent in it. Returns what stays reachable. */
function replay(recording: Recording, recorder: FlightRecorder | null): { capture: unknown; recorderMs: number } {
  const { capture } = openReplayCapture(recording, {});
  let recorderMs = 0;
  if (recorder !== null) {
    capture.observe({
      record: (record) => {
        const start = performance.now();
        recorder.record(record);
        recorderMs += performance.now() - start;
      },
      tick: (snapshot) => {
        const start = performance.now();
        recorder.tick(snapshot);
        recorderMs += performance.now() - start;
      },
    });
  }
  for (let tick = 0; tick < recording.ticks.length; tick++) capture.tick();
  return { capture, recorderMs };
}

const records = recording.ticks.reduce((sum, tick) => sum + tick.records.length, 0);
const baseHeap = heapAfterGc();
const without = replay(recording, null);
const modelHeap = heapAfterGc() - baseHeap;
const recorder = new FlightRecorder({
  windowMs: 24 * 60 * 60_000,
  maxBytes: Number(values['flight-max-mb']) * MiB,
  header: recording.header,
});
const withRecorder = replay(recording, recorder);
// Both models stay reachable: what the second replay added, less a model, is the recorder.
const recorderHeap = heapAfterGc() - baseHeap - 2 * modelHeap;
const span = recorder.span();
const heldTicks = recording.ticks.slice(recording.ticks.length - (span?.ticks ?? 0));
const connects = heldTicks.reduce((sum, tick) => sum + tick.records.filter(isConnect).length, 0);
const heldRecords = heldTicks.reduce((sum, tick) => sum + tick.records.length, 0);

const perConnect = (bytes: number) => (connects === 0 ? '-' : (bytes / connects).toFixed(0));
process.stdout.write(
  `${file}: ${records.toLocaleString('en-US')} records in ${recording.ticks.length} ticks; the recorder holds ${span?.ticks ?? 0} ticks ` +
    `(${((span?.spanMs ?? 0) / 1000).toFixed(0)} s), ${heldRecords.toLocaleString('en-US')} records, ${connects.toLocaleString('en-US')} connects\n` +
    `  bytes by its count: ${(recorder.bytesHeld / MiB).toFixed(2)} MiB = ${(recorder.bytesHeld / heldRecords).toFixed(1)} B/record, ${perConnect(recorder.bytesHeld)} B/connect\n` +
    `  heap it keeps (V8, after GC): ${(recorderHeap / MiB).toFixed(2)} MiB = ${(recorderHeap / heldRecords).toFixed(1)} B/record, ${perConnect(recorderHeap)} B/connect\n` +
    `  time in the recorder during the replay (GC pauses included): ${withRecorder.recorderMs.toFixed(0)} ms = ${((withRecorder.recorderMs * 1e6) / records).toFixed(0)} ns/record\n` +
    `  time in the recorder alone, best of 3: ${((recorderAloneMs() * 1e6) / records).toFixed(0)} ns/record\n`,
);

/** The records and ticks fed to fresh recorders with nothing else running. */
function recorderAloneMs(): number {
  const snapshot = (withRecorder.capture as { model: { snapshot: ModelSnapshot } }).model.snapshot;
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const alone = new FlightRecorder({ windowMs: 24 * 60 * 60_000, maxBytes: Number(values['flight-max-mb']) * MiB, header: recording.header });
    const start = performance.now();
    for (const tick of recording.ticks) {
      for (const record of tick.records) alone.record(record);
      alone.tick({ ...snapshot, atMs: tick.atMs });
    }
    best = Math.min(best, performance.now() - start);
  }
  return best;
}
// Both replays stay reachable until here, so the heap differences above hold them.
void without.capture;
void withRecorder.capture;
