import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExitCode } from '../../src/errors.js';
import { RecordingError } from '../../src/recording/recording-error.js';
import { LineSplitter, type Line, type LineCaps } from '../../src/recording/recording-lines.js';

const roomy: LineCaps = { maxBytes: Infinity, maxLineBytes: 1024 };

/** The lines of `bytes`, pushed in pieces of `pieceBytes`. */
function split(bytes: Uint8Array, pieceBytes: number, caps: LineCaps = roomy): Line[] {
  const lines: Line[] = [];
  const splitter = new LineSplitter('r.ndjson', caps, (line) => lines.push(line));
  for (let start = 0; start < bytes.length; start += pieceBytes) splitter.push(bytes.subarray(start, start + pieceBytes));
  splitter.end();
  return lines;
}

function assertCapError(action: () => unknown, pattern: RegExp): void {
  assert.throws(action, (error) => {
    assert.ok(error instanceof RecordingError, String(error));
    assert.equal(error.exitCode, ExitCode.dataError);
    assert.match(error.line, pattern);
    return true;
  });
}

describe('cutting a recording into lines as its bytes arrive', () => {
  const text = 'ünïcödé ✓ 日本\n\n{"a":1}\nlast, cut';
  const bytes = Buffer.from(text);

  test('whatever the pieces, down to a byte at a time (characters split between pieces included)', () => {
    const expected: Line[] = [
      { number: 1, text: 'ünïcödé ✓ 日本', complete: true },
      { number: 2, text: '', complete: true },
      { number: 3, text: '{"a":1}', complete: true },
      { number: 4, text: 'last, cut', complete: false },
    ];
    for (const pieceBytes of [1, 2, 3, 7, bytes.length]) assert.deepEqual(split(bytes, pieceBytes), expected, `pieces of ${pieceBytes}`);
  });

  test('a last line with its newline is whole; nothing is no line', () => {
    assert.deepEqual(split(Buffer.from('a\n'), 1), [{ number: 1, text: 'a', complete: true }]);
    assert.deepEqual(split(Buffer.alloc(0), 1), []);
  });

  test('bytes that are not UTF-8 are a line without text', () => {
    assert.deepEqual(split(Buffer.from([0x61, 0x0a, 0xff, 0xfe, 0x0a]), 1), [
      { number: 1, text: 'a', complete: true },
      { number: 2, text: null, complete: true },
    ]);
  });

  test('a line at its cap passes; one byte more is refused, naming the line, before its end arrives', () => {
    const caps = { maxBytes: Infinity, maxLineBytes: 8 };
    assert.equal(split(Buffer.from('12345678\n'), 3, caps)[0]?.text, '12345678');
    let handed = 0;
    const splitter = new LineSplitter('r.ndjson', caps, () => handed++);
    splitter.push(Buffer.from('ok\n1234'));
    assertCapError(() => splitter.push(Buffer.from('56789')), /^netscope: r\.ndjson line 2 is longer than 0\.000007629 MiB \(netscope writes a few hundred bytes a line, a command line at most 6 MiB\) — the file is damaged/);
    assert.equal(handed, 1);
  });

  test('the bytes in all, newlines counted, pass at the cap; one more is refused, naming the line it falls in', () => {
    const caps = { maxBytes: 12, maxLineBytes: 1024 };
    assert.equal(split(Buffer.from('abc\ndef\nghi\n'), 5, caps).length, 3);
    assertCapError(() => split(Buffer.from('abc\ndef\nghi\nj'), 5, caps), /^netscope: r\.ndjson is larger than 0\.00001144 MiB once decompressed \(at line 4\), the --replay-max-mb 0\.000011444091796875 cap — /);
    assertCapError(() => split(Buffer.from('abc\ndef\nghij\n'), 5, caps), /\(at line 3\)/);
  });
});
