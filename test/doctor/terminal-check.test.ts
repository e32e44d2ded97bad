/** The terminal verdict from injected TTY answers. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { terminalResult } from '../../src/doctor/terminal-check.js';

describe('terminal check', () => {
  it('passes with both ends a terminal and otherwise points to --json', () => {
    assert.equal(terminalResult(true, true).status, 'pass');
    const piped = terminalResult(true, false);
    assert.equal(piped.status, 'warn');
    assert.equal(piped.needed, false);
    assert.match(piped.detail, /^stdout is not a terminal/);
    assert.match(piped.fix ?? '', /--json/);
    assert.match(terminalResult(false, false).detail, /^stdin and stdout are not terminals/);
  });
});
