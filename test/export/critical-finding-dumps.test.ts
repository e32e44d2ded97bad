import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Finding } from '../../src/findings/finding.js';
import { CriticalFindingDumps, criticalFindingDumpText, type CriticalFindingDump } from '../../src/export/critical-finding-dumps.js';
import { FlightDumpOverBudget, writeFlightRecording, type FlightRecordingWritten } from '../../src/recording/flight-dump.js';
import { FlightRecorder } from '../../src/recording/flight-recorder.js';
import { parseRecording, RECORDING_VERSION } from '../../src/recording/recording-format.js';
import { UnsafeOutputError } from '../../src/output/safe-file-write.js';
import { buildFinding } from './finding-builders.js';
import { host, probes, runScriptedCapture } from '../recording/recording-builders.js';

const critical = (id: string, fields: Partial<Finding> = {}) => buildFinding({ id, severity: 'critical', ...fields });

/** A writer that writes nothing: it says what it was asked, and a dump of `bytes`. */
function fakeWriter(bytes = 1000) {
  const budgets: number[] = [];
  const write = (maxBytes: number): FlightRecordingWritten => {
    budgets.push(maxBytes);
    if (bytes > maxBytes) throw new FlightDumpOverBudget(maxBytes);
    return { path: `/var/tmp/dump-${budgets.length}.ndjson`, bytes, ticks: 10, spanMs: 10_000 };
  };
  return { write, budgets };
}

function dumpsWith(write: (maxBytes: number) => FlightRecordingWritten, maxDumps = 5, maxTotalBytes = 1024 * 1024 * 1024) {
  const said: CriticalFindingDump[] = [];
  const dumps = new CriticalFindingDumps(write, { maxDumps, maxTotalBytes }, (dump) => said.push(dump));
  return { dumps, said };
}

describe('dumps when a critical finding opens', () => {
  it('one dump when a finding opens critical, none again while it stays open', () => {
    const { write, budgets } = fakeWriter();
    const { dumps, said } = dumpsWith(write);
    dumps.update([critical('loss:pid=3')]);
    dumps.update([critical('loss:pid=3')]);
    dumps.update([critical('loss:pid=3', { lastSeenMs: 99 })]);
    assert.equal(budgets.length, 1);
    assert.deepEqual(said.map((dump) => [dump.kind, dump.findingIds]), [['written', ['loss:pid=3']]]);
    assert.equal(dumps.writtenDumps, 1);
    assert.equal(dumps.skippedDumps, 0);
  });

  it('warnings, info and resolved findings ask for none; a warning that turns critical asks once', () => {
    const { write, budgets } = fakeWriter();
    const { dumps } = dumpsWith(write);
    const warning = buildFinding({ id: 'refused:pid=4' });
    dumps.update([warning, buildFinding({ id: 'slow', severity: 'info' }), critical('old', { state: 'resolved', resolvedAtMs: 5 })]);
    assert.equal(budgets.length, 0);
    dumps.update([{ ...warning, severity: 'critical' }]);
    dumps.update([warning]);
    dumps.update([{ ...warning, severity: 'critical' }]);
    assert.equal(budgets.length, 1);
  });

  it('findings turning critical in the same tick share one dump (it holds the same minutes)', () => {
    const { write } = fakeWriter();
    const { dumps, said } = dumpsWith(write);
    dumps.update([critical('a'), critical('b'), buildFinding({ id: 'c' })]);
    assert.deepEqual(said.map((dump) => dump.findingIds), [['a', 'b']]);
    assert.match(criticalFindingDumpText(said[0]!), /^flight recorder: 2 critical findings \(a, b\) — wrote the last 10 s \(10 ticks\) to \/var\/tmp\/dump-1\.ndjson$/);
  });

  it('past the count cap, a dump is skipped, counted and said', () => {
    const { write, budgets } = fakeWriter();
    const { dumps, said } = dumpsWith(write, 2);
    for (const id of ['a', 'b', 'c', 'd']) dumps.update([critical(id)]);
    assert.equal(budgets.length, 2);
    assert.equal(dumps.writtenDumps, 2);
    assert.equal(dumps.skippedDumps, 2);
    const last = said.at(-1)!;
    assert.equal(last.kind, 'skipped');
    assert.equal(criticalFindingDumpText(last), 'flight recorder: no dump for critical finding d: 2 dumps already written this run — raise --flight-dumps for more (2 skipped this run)');
  });

  it('each dump may take only the disk the run has left; one that would pass it is skipped', () => {
    const { write, budgets } = fakeWriter(600);
    const { dumps, said } = dumpsWith(write, 5, 1000);
    for (const id of ['a', 'b']) dumps.update([critical(id)]);
    assert.deepEqual(budgets, [1000, 400]);
    assert.deepEqual(said.map((dump) => dump.kind), ['written', 'skipped']);
    assert.match(criticalFindingDumpText(said[1]!), /would take more than .* of disk left to this run's dumps — raise --flight-dumps-max-mb/);
  });

  it('once the disk budget is spent, none is tried', () => {
    const { write, budgets } = fakeWriter(1000);
    const { dumps, said } = dumpsWith(write, 5, 1000);
    for (const id of ['a', 'b']) dumps.update([critical(id)]);
    assert.deepEqual(budgets, [1000]);
    assert.match(criticalFindingDumpText(said[1]!), /took all of --flight-dumps-max-mb/);
  });

  it('a dump that cannot be written is said with its cause, never thrown into the tick', () => {
    const { dumps, said } = dumpsWith(() => {
      throw new UnsafeOutputError('refusing to write /x: it is a symbolic link', 'remove the link or choose another path');
    });
    dumps.update([critical('a\u001b[2J')]);
    assert.equal(dumps.skippedDumps, 1);
    assert.equal(
      criticalFindingDumpText(said[0]!),
      'flight recorder: no dump for critical finding a\\x1b[2J: refusing to write /x: it is a symbolic link — remove the link or choose another path (1 skipped this run)',
    );
  });
});

describe('the flight recording written for a finding', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-finding-dumps-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  function recorderWithTicks(): FlightRecorder {
    const recorder = new FlightRecorder({ windowMs: 600_000, maxBytes: 64 * 1024 * 1024, header: { netscopeRecording: RECORDING_VERSION, host, netscopeVersion: '0.1.0', source: { kind: 'ebpf', probes } } });
    runScriptedCapture(6, [recorder]);
    return recorder;
  }

  it('is a whole recording, mode 0600, its size counted', () => {
    const directory = mkdtempSync(path.join(scratch, 'whole-'));
    const written = writeFlightRecording(recorderWithTicks(), directory, new Date(Date.UTC(2026, 11, 2, 9, 30, 0)));
    assert.equal(path.basename(written.path), 'netscope-flight-20261202-093000.ndjson');
    const stats = lstatSync(written.path);
    assert.equal(stats.mode & 0o777, 0o600);
    assert.equal(stats.size, written.bytes);
    assert.equal(parseRecording(readFileSync(written.path), written.path).ticks.length, 6);
  });

  it('over its budget, nothing is left on disk', () => {
    const directory = mkdtempSync(path.join(scratch, 'budget-'));
    assert.throws(() => writeFlightRecording(recorderWithTicks(), directory, new Date(), 100), FlightDumpOverBudget);
    assert.deepEqual(readdirSync(directory), []);
  });

  it('a symlink planted at its name is stepped around, never followed', () => {
    const directory = mkdtempSync(path.join(scratch, 'planted-'));
    const victim = path.join(scratch, 'victim');
    writeFileSync(victim, 'keep me');
    const now = new Date(Date.UTC(2026, 11, 2, 9, 30, 0));
    symlinkSync(victim, path.join(directory, 'netscope-flight-20261202-093000.ndjson'));
    const written = writeFlightRecording(recorderWithTicks(), directory, now);
    assert.equal(path.basename(written.path), 'netscope-flight-20261202-093000-2.ndjson');
    assert.equal(readFileSync(victim, 'utf8'), 'keep me');
    assert.ok(lstatSync(written.path).isFile());
  });
});
