import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { Capture } from '../../src/app/capture.js';
import type { CaptureSource } from '../../src/model/capture-contracts.js';
import { FlightRecorderUnavailable } from '../../src/recording/flight-dump.js';
import { FlightRecorder } from '../../src/recording/flight-recorder.js';
import { readRecording } from '../../src/recording/read-recording.js';
import { RecordingFile } from '../../src/recording/recording-file.js';
import { recordingObservers } from '../../src/app/recording-observers.js';
import { host, probes, T0 } from '../recording/recording-builders.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-observers-'));
chmodSync(scratch, 0o700);
after(() => rmSync(scratch, { recursive: true, force: true }));

type RecordingOptions = Parameters<typeof recordingObservers>[1];

function options(fields: Partial<RecordingOptions> = {}): RecordingOptions {
  return { mode: 'json', recordPath: null, recordMaxBytes: 1 << 30, flightWindowMs: 600_000, flightMaxBytes: 1 << 26, flightDumps: 5, flightDumpsMaxBytes: 1 << 30, outputDirectory: scratch, pid: null, port: null, container: null, pod: null, ...fields };
}

/** A capture of nothing, ticking a second apart from T0 unless given a clock. */
function idleCapture(kind: CaptureSource['kind'] = 'ebpf', now?: () => number): Capture {
  let clockMs = T0;
  return new Capture((): CaptureSource => ({ kind, probes, degradedNotice: null, collect: () => undefined, stop: () => undefined }), host, {}, now ?? (() => (clockMs += 1000)));
}

function attach(capture: Capture, fields: Partial<RecordingOptions>, reports: string[] = []) {
  const attached = recordingObservers(capture, options(fields), host, (line) => reports.push(line));
  for (const observer of attached.observers) capture.observe(observer);
  return attached;
}

function flightFiles(): string[] {
  return readdirSync(scratch).filter((name) => name.startsWith('netscope-flight-'));
}

describe('the recording observers', () => {
  test('without --record, the flight recorder; SIGUSR1 (not the live view) writes it and says where in one line', async () => {
    const capture = idleCapture();
    const reports: string[] = [];
    const attached = attach(capture, {}, reports);
    assert.ok(attached.observers[0] instanceof FlightRecorder);
    capture.tick();
    capture.tick();
    const before = process.listenerCount('SIGUSR1');
    assert.ok(before >= 1);
    process.emit('SIGUSR1');
    process.emit('SIGUSR1');
    assert.equal(reports.length, 2, reports.join('\n'));
    assert.match(reports[0] ?? '', /^flight recorder: wrote the last 1 s \(2 ticks\) to .*\/netscope-flight-\d{8}-\d{6}\.ndjson$/);
    const written = flightFiles();
    assert.equal(written.length, 2, 'a second dump in the same second gets its own name');
    // The two dumps can straddle a second: then their stamps differ and neither needs the suffix.
    const stamps = new Set(written.map((name) => /\d{8}-\d{6}/.exec(name)?.[0]));
    if (stamps.size === 1) assert.ok(written.some((name) => /-2\.ndjson$/.test(name)), written.join(' '));
    for (const name of written) {
      assert.equal(statSync(path.join(scratch, name)).mode & 0o777, 0o600);
      assert.equal((await readRecording(path.join(scratch, name))).ticks.length, 2);
    }
    await capture.stop();
    assert.equal(process.listenerCount('SIGUSR1'), before - 1, 'the handler goes with the capture');
  });

  test('before the first tick, SIGUSR1 says there is nothing yet', async () => {
    const capture = idleCapture();
    const reports: string[] = [];
    attach(capture, {}, reports);
    process.emit('SIGUSR1');
    assert.deepEqual(reports, ['the flight recorder holds nothing yet — wait for the first tick']);
    await capture.stop();
  });

  test('the live view binds w instead: no SIGUSR1 handler of its own', async () => {
    const capture = idleCapture();
    const before = process.listenerCount('SIGUSR1');
    const attached = attach(capture, { mode: 'tui' });
    assert.equal(process.listenerCount('SIGUSR1'), before);
    capture.tick();
    const written = attached.writeFlightRecording();
    assert.equal(written.ticks, 1);
    await capture.stop();
  });

  test('--record writes the file instead, and w/SIGUSR1 say everything is there', async () => {
    // On the wall clock, as live: the header's startedAt and the end marker are read from it, and a tick may not precede the one or follow the other.
    const capture = idleCapture('ebpf', Date.now);
    const file = path.join(scratch, 'recorded.ndjson');
    const attached = attach(capture, { recordPath: file });
    assert.ok(attached.observers[0] instanceof RecordingFile);
    assert.throws(() => attached.writeFlightRecording(), (error) => error instanceof FlightRecorderUnavailable && error.message.includes(`while --record writes ${file}`));
    capture.tick();
    await capture.stop();
    const recording = await readRecording(file);
    assert.equal(recording.header.source.kind, 'ebpf');
    assert.deepEqual(recording.header.host, host);
    assert.equal(recording.end?.reason, 'stopped');
  });

  test('--flight-minutes 0 keeps nothing; a replay records nothing', async () => {
    const off = idleCapture();
    const attached = attach(off, { flightWindowMs: 0, mode: 'tui' });
    assert.equal(attached.observers.length, 0);
    assert.throws(() => attached.writeFlightRecording(), /flight recorder is off \(--flight-minutes 0\)/);
    const oneShot = attach(off, { flightWindowMs: 0, mode: 'json' });
    assert.equal(oneShot.observers.length, 1, 'SIGUSR1 is still taken, and answered');
    assert.throws(
      () => oneShot.writeFlightRecording(),
      (error: Error & { fix?: string }) => /off \(--flight-minutes 0, the default of a --json capture with a duration, and of triage\)/.test(error.message) && /--flight-minutes N/.test(String(error.fix)),
    );
    const headless = attach(off, { flightWindowMs: 0, mode: 'headless' });
    assert.throws(() => headless.writeFlightRecording(), (error: Error) => error.message === 'the flight recorder is off (--flight-minutes 0)');
    const replay = idleCapture('replay');
    const replaying = attach(replay, { mode: 'json' });
    assert.equal(replaying.observers.length, 0);
    assert.throws(() => replaying.writeFlightRecording(), /this is a replay/);
    await off.stop();
  });
});
