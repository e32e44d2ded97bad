import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { escapeRecordedText, escapeUntrustedText } from '../../src/enrich/untrusted-text.js';

/** Reverses escapeUntrustedText, left to right: proves no two inputs share an output. */
function unescape(text: string): string {
  return text.replace(/\\(\\|x[0-9a-f]{2}|u[0-9a-f]{4})/g, (_match, escape: string) =>
    escape === '\\' ? '\\' : String.fromCodePoint(Number.parseInt(escape.slice(1), 16)),
  );
}

describe('escapeUntrustedText', () => {
  const cases: Array<[string, string, string]> = [
    ['OSC title with BEL', '\u001b]2;PWNED\u0007', '\\x1b]2;PWNED\\x07'],
    ['CSI clear screen', '\u001b[2J', '\\x1b[2J'],
    ['OSC 52 clipboard', '\u001b]52;c;aGk=\u0007', '\\x1b]52;c;aGk=\\x07'],
    ['newline, tab and DEL', 'a\nb\tc\u007f', 'a\\x0ab\\x09c\\x7f'],
    ['C1 CSI', 'a\u009bb', 'a\\x9bb'],
    ['bidi override and isolate', 'a\u202eb\u2066c', 'a\\u202eb\\u2066c'],
    ['right-to-left mark', 'evil\u200fexe', 'evil\\u200fexe'],
    ['line and paragraph separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
    ['zero-width space', 'ngi\u200bnx', 'ngi\\u200bnx'],
    ['lone surrogate', 'a\ud800b', 'a\ufffdb'],
    ['a backslash before an escape is doubled', '\\\u001b', '\\\\\\x1b'],
    ['a backslash before x or u is doubled', '\\x1b \\u2028', '\\\\x1b \\\\u2028'],
    ['an ordinary backslash stays single', "grep 'a\\.b'", "grep 'a\\.b'"],
  ];
  for (const [name, raw, shown] of cases) {
    test(name, () => assert.equal(escapeUntrustedText(raw), shown));
  }

  test('printable Unicode is kept as it is, without a copy', () => {
    const text = 'café ✓ 日本 postgres: writer';
    assert.equal(escapeUntrustedText(text), text);
  });

  test('is reversible: names that differ only in escaped characters stay different', () => {
    const names = ['a\u001bb', 'a\\x1bb', 'a\\\u001bb', 'a\u0007b', 'a\\b', 'a\\\\b', 'a\u2028b', 'a\\u2028b', '\\', 'x\\'];
    const shown = names.map(escapeUntrustedText);
    assert.equal(new Set(shown).size, names.length);
    for (const [index, name] of names.entries()) assert.equal(unescape(shown[index] ?? ''), name);
  });

  test('nothing a terminal acts on survives, for every BMP character', () => {
    for (let code = 0; code <= 0xffff; code++) {
      if (code >= 0xd800 && code <= 0xdfff) continue;
      const shown = escapeUntrustedText(`a${String.fromCharCode(code)}b`);
      assert.doesNotMatch(shown, /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u, `U+${code.toString(16)}`);
    }
  });
});

describe('escapeRecordedText', () => {
  test('leaves text netscope already escaped unchanged, backslashes included', () => {
    for (const raw of ['\u001b]2;x\u0007', '\\\u001b', "grep 'a\\.b'", 'a\u2028b']) {
      const recorded = escapeUntrustedText(raw);
      assert.equal(escapeRecordedText(recorded), recorded);
    }
  });

  test('escapes what an edited recording smuggles in', () => {
    assert.equal(escapeRecordedText('x\u001b[31my\u0085\u202e'), 'x\\x1b[31my\\x85\\u202e');
  });
});
