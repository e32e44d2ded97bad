import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { ExitCode } from '../../src/errors.js';
import { readRecording } from '../../src/recording/read-recording.js';
import { RecordingError } from '../../src/recording/recording-error.js';
import { RecordingFile } from '../../src/recording/recording-file.js';
import { headerLine, recordLine, tickLine } from '../../src/recording/recording-format.js';
import { lostRecord } from '../model/record-builders.js';
import { header, runScriptedCapture, T0 } from './recording-builders.js';

const MIB = 1024 * 1024;
const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-read-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function assertRecordingError(file: string, exitCode: number, pattern: RegExp, maxBytes: number | null = null): Promise<RecordingError> {
  try {
    await readRecording(file, maxBytes);
  } catch (error) {
    assert.ok(error instanceof RecordingError, String(error));
    assert.equal(error.exitCode, exitCode);
    assert.match(error.line, pattern);
    assert.doesNotMatch(error.line, /\n/);
    return error;
  }
  assert.fail(`no error for ${pattern}`);
}

/** A whole recording of four scripted ticks, gzip'd or not. */
async function recorded(name: string): Promise<string> {
  const file = path.join(scratch, name);
  const { capture } = runScriptedCapture(4, [new RecordingFile({ path: file, maxBytes: 1 << 30, header: header(), report: assert.fail })]);
  await capture.stop();
  return file;
}

/** Writes `lines()`'s output through a streaming gzip, so that gigabytes never sit in memory. */
async function gzipStreamed(name: string, lines: () => Generator<string>): Promise<string> {
  const file = path.join(scratch, name);
  await pipeline(lines(), createGzip({ level: 9 }), createWriteStream(file));
  return file;
}

describe('reading a recording', () => {
  test('a missing file: exit 66, and where recordings come from', async () => {
    await assertRecordingError(path.join(scratch, 'nope.ndjson'), ExitCode.noInput, /^netscope: cannot read .*nope\.ndjson: no such file — check the path/);
  });

  test('a directory, or a FIFO that would block the read: exit 66', async () => {
    await assertRecordingError(scratch, ExitCode.noInput, /it is not a regular file — give the path of a recording file/);
    const fifo = path.join(scratch, 'fifo');
    execFileSync('mkfifo', [fifo]);
    await assertRecordingError(fifo, ExitCode.noInput, /it is not a regular file/);
  });

  test('gzip is recognised by its bytes, whatever the name', async () => {
    const plain = await recorded('named-plain.ndjson');
    const disguised = path.join(scratch, 'disguised.ndjson');
    writeFileSync(disguised, gzipSync(readFileSync(plain)));
    assert.deepEqual(await readRecording(disguised), await readRecording(plain));
  });

  test('corrupt gzip: exit 65, with zlib\'s reason', async () => {
    const bytes = readFileSync(await recorded('to-corrupt.ndjson.gz'));
    bytes[3] = 0xff;
    const corrupt = path.join(scratch, 'corrupt.ndjson.gz');
    writeFileSync(corrupt, bytes);
    await assertRecordingError(corrupt, ExitCode.dataError, /^netscope: .*corrupt\.ndjson\.gz is not valid gzip \(.+\) — the file is damaged/);
  });

  test('a gzip recording cut short (netscope killed mid-write) replays its whole ticks', async () => {
    const bytes = readFileSync(await recorded('to-cut.ndjson.gz'));
    const cut = path.join(scratch, 'cut.ndjson.gz');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 40));
    const recording = await readRecording(cut);
    assert.ok(recording.ticks.length >= 1 && recording.ticks.length <= 4);
    assert.equal(recording.end, null);
  });

  test('bad content is a data error (exit 65) naming the file and line', async () => {
    const bad = path.join(scratch, 'bad.ndjson');
    writeFileSync(bad, `${JSON.stringify(header())}\nnot json\n`);
    await assertRecordingError(bad, ExitCode.dataError, /bad\.ndjson line 2 is not JSON/);
  });

  test('bytes that are not UTF-8, read through gzip: exit 65 for that reason, naming the line', async () => {
    const file = path.join(scratch, 'latin1.ndjson.gz');
    writeFileSync(file, gzipSync(Buffer.concat([Buffer.from(`${headerLine(header())}\n${tickLine(T0 + 1000)}\n`), Buffer.from([0x7b, 0xe9, 0x7d, 0x0a])])));
    await assertRecordingError(file, ExitCode.dataError, /latin1\.ndjson\.gz line 3 is not UTF-8 text — the recording is damaged/);
  });
});

describe('a replay reads within its caps', () => {
  test('a gzip bomb of valid records ends at --replay-max-mb: exit 65, one line naming the cap, the line and the flag', async () => {
    // 64 MiB of records once decompressed, in a file of well under 1 MiB.
    const lost = recordLine(lostRecord(T0 + 500, 0));
    const bomb = await gzipStreamed('records.ndjson.gz', function* () {
      yield `${headerLine(header())}\n`;
      const block = `${lost}\n`.repeat(10_000);
      for (let written = 0; written < 64 * MIB; written += block.length) yield block;
      yield `${tickLine(T0 + 1000)}\n`;
    });
    const error = await assertRecordingError(
      bomb,
      ExitCode.dataError,
      /^netscope: .*records\.ndjson\.gz is larger than 8 MiB once decompressed \(at line (\d+)\), the --replay-max-mb 8 cap — a gzip bomb, or a long recording: if you trust it, raise --replay-max-mb/,
      8 * MIB,
    );
    const line = Number(/at line (\d+)/.exec(error.line)?.[1]);
    const lineBytes = lost.length + 1;
    const headerBytes = headerLine(header()).length + 1;
    assert.equal(line, 1 + Math.ceil((8 * MIB - headerBytes + 1) / lineBytes), 'the line holding the first byte past the cap');
  });

  test('the same records within the cap replay', async () => {
    const file = await gzipStreamed('within.ndjson.gz', function* () {
      yield `${headerLine(header())}\n`;
      yield `${recordLine(lostRecord(T0 + 500, 0))}\n`.repeat(1000);
      yield `${tickLine(T0 + 1000)}\n`;
    });
    const recording = await readRecording(file, 1 * MIB);
    assert.equal(recording.ticks[0]?.records.length, 1000);
  });

  test('a plain file past the cap is refused from its size, before it is read', async () => {
    const file = path.join(scratch, 'large.ndjson');
    writeFileSync(file, `${headerLine(header())}\n${`${recordLine(lostRecord(T0 + 500, 0))}\n`.repeat(40_000)}${tickLine(T0 + 1000)}\n`);
    await assertRecordingError(file, ExitCode.dataError, /large\.ndjson is larger than 1 MiB once decompressed, the --replay-max-mb 1 cap — /, 1 * MIB);
  });

  test('a gzip bomb of zeros after a valid header: "line 2 is longer than 8 MiB"', async () => {
    const bomb = await gzipStreamed('zeros.ndjson.gz', function* () {
      yield `${headerLine(header())}\n`;
      const zeros = '\0'.repeat(MIB);
      for (let written = 0; written < 256; written++) yield zeros;
    });
    await assertRecordingError(bomb, ExitCode.dataError, /zeros\.ndjson\.gz line 2 is longer than 8 MiB \(netscope writes a few hundred bytes a line, a command line at most 6 MiB\) — the file is damaged or was not written by netscope/);
  });
});
