import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ExitCode } from '../../src/probes/probe-error.js';
import { readRecording } from '../../src/recording/read-recording.js';
import { RecordingError } from '../../src/recording/recording-error.js';
import { RecordingFile } from '../../src/recording/recording-file.js';
import { header, runScriptedCapture } from './recording-builders.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-read-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function assertRecordingError(file: string, exitCode: number, pattern: RegExp): void {
  assert.throws(
    () => readRecording(file),
    (error) => {
      assert.ok(error instanceof RecordingError, String(error));
      assert.equal(error.exitCode, exitCode);
      assert.match(error.line, pattern);
      return true;
    },
  );
}

/** A whole recording of four scripted ticks, gzip'd or not. */
async function recorded(name: string): Promise<string> {
  const file = path.join(scratch, name);
  const { capture } = runScriptedCapture(4, [new RecordingFile({ path: file, maxBytes: 1 << 30, header: header(), report: assert.fail })]);
  await capture.stop();
  return file;
}

describe('reading a recording', () => {
  test('a missing file: exit 66, and where recordings come from', () => {
    assertRecordingError(path.join(scratch, 'nope.ndjson'), ExitCode.noInput, /^netscope: cannot read .*nope\.ndjson: no such file — check the path/);
  });

  test('a directory, or a FIFO that would block the read: exit 66', () => {
    assertRecordingError(scratch, ExitCode.noInput, /it is not a regular file — give the path of a recording file/);
    const fifo = path.join(scratch, 'fifo');
    execFileSync('mkfifo', [fifo]);
    assertRecordingError(fifo, ExitCode.noInput, /it is not a regular file/);
  });

  test('gzip is recognised by its bytes, whatever the name', async () => {
    const plain = await recorded('named-plain.ndjson');
    const disguised = path.join(scratch, 'disguised.ndjson');
    writeFileSync(disguised, gzipSync(readFileSync(plain)));
    assert.deepEqual(readRecording(disguised), readRecording(plain));
  });

  test('corrupt gzip: exit 65, with zlib\'s reason', async () => {
    const bytes = readFileSync(await recorded('to-corrupt.ndjson.gz'));
    bytes[3] = 0xff;
    const corrupt = path.join(scratch, 'corrupt.ndjson.gz');
    writeFileSync(corrupt, bytes);
    assertRecordingError(corrupt, ExitCode.dataError, /^netscope: .*corrupt\.ndjson\.gz is not valid gzip \(.+\) — the file is damaged/);
  });

  test('a gzip recording cut short (netscope killed mid-write) replays its whole ticks', async () => {
    const bytes = readFileSync(await recorded('to-cut.ndjson.gz'));
    const cut = path.join(scratch, 'cut.ndjson.gz');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 40));
    const recording = readRecording(cut);
    assert.ok(recording.ticks.length >= 1 && recording.ticks.length <= 4);
    assert.equal(recording.end, null);
  });

  test('bad content is a data error (exit 65) naming the file and line', () => {
    const bad = path.join(scratch, 'bad.ndjson');
    writeFileSync(bad, `${JSON.stringify(header())}\nnot json\n`);
    assertRecordingError(bad, ExitCode.dataError, /bad\.ndjson line 2 is not JSON/);
  });
});
