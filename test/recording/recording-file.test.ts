import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { readRecording } from '../../src/recording/read-recording.js';
import { RecordingFile } from '../../src/recording/recording-file.js';
import { headerLine, incompleteRecordingNotice, type RecordingHeader } from '../../src/recording/recording-format.js';
import { OutputWriteError } from '../../src/output/output-write-error.js';
import { UnsafeOutputError } from '../../src/output/safe-file-write.js';
import { fillUp, mountTmpfs, pageSize, unmount } from '../support/scratch-filesystems.js';
import { header, host, runScriptedCapture, T0, tickAt } from './recording-builders.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-record-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

let files = 0;
function freshPath(extension = '.ndjson'): string {
  return path.join(scratch, `recording-${++files}${extension}`);
}

function recordFile(file: string, options: { maxBytes?: number; reports?: string[]; header?: RecordingHeader } = {}): RecordingFile {
  const reports = options.reports ?? [];
  return new RecordingFile({
    path: file,
    maxBytes: options.maxBytes ?? 64 * 1024 * 1024,
    header: options.header ?? header(),
    report: (line) => reports.push(line),
    now: () => T0 + 99_000,
  });
}

describe('the --record file', () => {
  test('is created mode 0600, starts with the header at once, and ends with the end marker when closed', async () => {
    const file = freshPath();
    const recorder = recordFile(file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8').trimEnd()), header());
    const { capture } = runScriptedCapture(3, [recorder]);
    await capture.stop();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.deepEqual(JSON.parse(lines.at(-1)!), { kind: 'end', atMs: T0 + 99_000, reason: 'stopped' });
    const recording = await readRecording(file);
    assert.deepEqual(recording.ticks.map((tick) => tick.atMs), [tickAt(0), tickAt(1), tickAt(2)]);
    recorder.close();
    assert.equal(readFileSync(file, 'utf8').trimEnd().split('\n').length, lines.length, 'a second close writes nothing');
  });

  test('is written a tick at a time: what a tick recorded is on disk before the next', () => {
    const file = freshPath();
    const { capture } = runScriptedCapture(2, [recordFile(file)]);
    const onDisk = readFileSync(file, 'utf8');
    assert.ok(onDisk.endsWith(`{"kind":"tick","atMs":${tickAt(1)}}\n`), onDisk.slice(-80));
    void capture.stop();
  });

  test('never overwrites: an existing file is refused and left as it was', () => {
    const file = freshPath();
    writeFileSync(file, 'the recording of last night\n');
    assert.throws(() => recordFile(file), (error) => error instanceof UnsafeOutputError && /refusing to overwrite .* it already exists/.test(error.message));
    assert.equal(readFileSync(file, 'utf8'), 'the recording of last night\n');
  });

  test('never writes through a symlink, even one that points nowhere yet', () => {
    const target = path.join(scratch, 'elsewhere');
    const link = freshPath();
    symlinkSync(target, link);
    assert.throws(() => recordFile(link), (error) => error instanceof UnsafeOutputError && /refusing to write .* it is a symbolic link/.test(error.message));
    assert.throws(() => statSync(target), /ENOENT/, 'nothing was created at the link target');
  });

  test('refuses a directory other users may write without the sticky bit', () => {
    const open = path.join(scratch, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    assert.throws(() => recordFile(path.join(open, 'r.ndjson')), (error) => error instanceof UnsafeOutputError && /writable by other users without the sticky bit/.test(error.message));
  });

  test('ending in .gz it is gzip — a tick per member, so any gunzip reads it whole — and replays the same', async () => {
    const plain = freshPath();
    const zipped = freshPath('.ndjson.gz');
    const { capture } = runScriptedCapture(4, [recordFile(plain), recordFile(zipped)]);
    await capture.stop();
    const bytes = readFileSync(zipped);
    assert.deepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b]);
    assert.equal(gunzipSync(bytes).toString(), readFileSync(plain, 'utf8'));
    assert.deepEqual(await readRecording(zipped), await readRecording(plain));
    assert.ok(bytes.length < statSync(plain).size, 'smaller than the plain recording');
  });

  for (const extension of ['.ndjson', '.ndjson.gz']) {
    test(`stops at its size cap (${extension}): whole ticks, an end marker, one line said, the capture goes on`, async () => {
      const file = freshPath(extension);
      const reports: string[] = [];
      const maxBytes = extension === '.ndjson' ? 6000 : 2000;
      const { capture, snapshots } = runScriptedCapture(12, [recordFile(file, { maxBytes, reports })]);
      assert.equal(snapshots.length, 12, 'every tick still happened');
      await capture.stop();
      assert.equal(reports.length, 1, reports.join('\n'));
      assert.match(reports[0] ?? '', new RegExp(`^recording ${file.replace(/[.]/g, '\\.')} reached its size cap \\(--record-max-mb 0\\.\\d+\\) at .+ and stopped there \\(the capture goes on\\) — raise --record-max-mb`));
      assert.ok(statSync(file).size <= maxBytes, `${statSync(file).size} bytes, cap ${maxBytes}`);
      const recording = await readRecording(file);
      assert.equal(recording.end?.reason, 'sizeCap');
      assert.ok(recording.ticks.length > 0 && recording.ticks.length < 12, `${recording.ticks.length} ticks kept`);
      assert.match(incompleteRecordingNotice(recording, file) ?? '', /ends at its size cap/);
    });
  }

  describe('on a full disk (a 64 KiB tmpfs)', () => {
    const mounted = path.join(scratch, 'full');
    mkdirSync(mounted);
    before(() => mountTmpfs(mounted, 64 * 1024));
    after(() => unmount(mounted));
    afterEach(() => rmSync(path.join(mounted, 'pad'), { force: true }));

    test('a header that cannot be written ends it with OutputWriteError, and the empty file is removed', () => {
      fillUp(mounted);
      assert.throws(
        () => recordFile(path.join(mounted, 'r.ndjson')),
        (error) =>
          error instanceof OutputWriteError &&
          error.exitCode === 74 &&
          /^netscope: cannot write the recording .*\/r\.ndjson: no space left on device \(ENOSPC\) — free some space, or write elsewhere \(the empty file was removed\)$/.test(error.line),
      );
      assert.deepEqual(readdirSync(mounted), ['pad']);
    });

    test('a first tick that cannot be written removes the recording, with one line; the capture goes on', async () => {
      // The header fills its page but for a few bytes, so the first tick needs a page the full disk lacks.
      const padding = pageSize() - 8 - `${headerLine(header())}\n`.length;
      const paddedHeader = header({ host: { ...host, kernel: `${host.kernel}${' '.repeat(padding)}` } });
      assert.equal(`${headerLine(paddedHeader)}\n`.length, pageSize() - 8);
      const file = path.join(mounted, 'r.ndjson');
      const reports: string[] = [];
      const recorder = recordFile(file, { header: paddedHeader, reports });
      fillUp(mounted);
      const { capture, snapshots } = runScriptedCapture(3, [recorder]);
      await capture.stop();
      assert.equal(snapshots.length, 3, 'every tick still happened');
      assert.deepEqual(reports, [`recording to ${file} failed before its first tick and was removed (the capture goes on): no space left on device (ENOSPC) — free some space, or write elsewhere`]);
      assert.deepEqual(readdirSync(mounted), ['pad']);
    });
  });
});
