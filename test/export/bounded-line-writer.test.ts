import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { BoundedLineWriter } from '../../src/export/bounded-line-writer.js';

/**
 * A pipe whose reader only reads when told: every write stays pending (so `write` returns false
 * once the small buffer is full) until `read()` completes them and the stream drains.
 */
function slowPipe(highWaterMark = 16) {
  const received: string[] = [];
  const pending: ((error?: Error | null) => void)[] = [];
  const stream = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk.toString());
      pending.push(callback);
    },
  });
  return {
    stream,
    /** Every line the reader has received so far. */
    lines: () => received.join('').split('\n').filter((line) => line !== ''),
    /** Reads until nothing is pending: the stream drains. */
    async read() {
      do {
        while (pending.length > 0) pending.shift()?.();
        await nextTurn();
      } while (pending.length > 0);
    },
  };
}

function writerOn(stream: Writable, maxQueuedLines = 3) {
  const gaps: number[] = [];
  const writer = new BoundedLineWriter(stream, {
    maxQueuedLines,
    gapLine: (count) => {
      gaps.push(count);
      return `${JSON.stringify({ type: 'dropped', count })}\n`;
    },
  });
  return { writer, gaps };
}

const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => `line ${from + index}\n`);

describe('writing lines to a slow reader', () => {
  test('lines go straight through while the reader keeps up', async () => {
    const pipe = slowPipe(1024);
    const { writer } = writerOn(pipe.stream);
    writer.writeLines(numbered(1, 5));
    await pipe.read();
    assert.deepEqual(pipe.lines(), ['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    assert.equal(writer.droppedLines, 0);
  });

  test('once write returns false, lines queue up to the limit, the rest are dropped and counted, and one dropped line marks the gap', async () => {
    const pipe = slowPipe();
    const { writer, gaps } = writerOn(pipe.stream);
    // 'line 1\n' is 7 bytes: the third line fills the 16-byte buffer, and write returns false.
    writer.writeLines(numbered(1, 3));
    writer.writeLines(numbered(4, 10));
    assert.equal(writer.droppedLines, 4, 'lines 4–6 queued, 7–10 dropped');
    assert.deepEqual(gaps, [], 'the gap line is written only when the pipe drains');
    await pipe.read();
    assert.deepEqual(pipe.lines(), ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6', '{"type":"dropped","count":4}']);
    writer.writeLines(numbered(11, 11));
    await pipe.read();
    assert.equal(pipe.lines().at(-1), 'line 11', 'lines flow again after the drain');
  });

  test('each gap has its own dropped line; the total adds them up', async () => {
    const pipe = slowPipe();
    const { writer, gaps } = writerOn(pipe.stream, 2);
    writer.writeLines(numbered(1, 3));
    writer.writeLines(numbered(4, 8));
    await pipe.read();
    writer.writeLines(numbered(9, 11));
    writer.writeLines(numbered(12, 20));
    await pipe.read();
    assert.deepEqual(gaps, [3, 7]);
    assert.equal(writer.droppedLines, 10);
    assert.equal(pipe.lines().filter((line) => line.includes('dropped')).length, 2);
    assert.equal(pipe.lines().length, 20 - 10 + 2);
  });

  test('memory stays bounded however long the reader stalls', () => {
    const pipe = slowPipe();
    const { writer } = writerOn(pipe.stream, 100);
    for (let batch = 0; batch < 1000; batch++) writer.writeLines(numbered(batch * 100, batch * 100 + 99));
    assert.ok(pipe.stream.writableLength < 100, `the stream holds ${pipe.stream.writableLength} bytes`);
    assert.equal(writer.droppedLines, 100_000 - 3 - 100);
  });

  test('the reader going away (EPIPE) ends the writer quietly; later lines are ignored', async () => {
    const pipe = slowPipe();
    const { writer } = writerOn(pipe.stream);
    writer.writeLines(numbered(1, 5));
    pipe.stream.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    assert.deepEqual(await writer.ended, { kind: 'readerGone' });
    assert.deepEqual(writer.streamEnd, { kind: 'readerGone' });
    writer.writeLines(numbered(6, 7));
    await writer.finish();
  });

  test('any other write failure ends the writer with the error', async () => {
    const pipe = slowPipe();
    const { writer } = writerOn(pipe.stream);
    const failure = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    pipe.stream.destroy(failure);
    const ended = await writer.ended;
    assert.equal(ended.kind, 'failed');
    assert.equal(ended.kind === 'failed' && ended.error.code, 'ENOSPC');
  });

  test('finish hands over what is queued, the pending gap line included, and resolves once it is written', async () => {
    const pipe = slowPipe();
    const { writer } = writerOn(pipe.stream);
    writer.writeLines(numbered(1, 9));
    let finished = false;
    const finishing = writer.finish().then(() => (finished = true));
    await nextTurn();
    assert.equal(finished, false, 'the reader has not read yet');
    await pipe.read();
    await finishing;
    assert.deepEqual(pipe.lines(), ['line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6', '{"type":"dropped","count":3}']);
  });
});
