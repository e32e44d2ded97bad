import assert from 'node:assert/strict';

/** netscope's promise for bad input: one line on stderr, naming the cause (`pattern`), no stack frames. */
export function assertOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${stderr}`);
  assert.match(lines[0] ?? '', /^netscope: /);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(stderr, /^\s+at .+:\d+:\d+\)?$/m, 'no stack frames');
}
