/**
 * The one sanitiser for text a process controls: its name, command line and user name, the
 * names in container runtime state, and every string read back from a recording. Applied once,
 * where the text enters netscope, so the TUI, JSON, events, metrics labels, OTLP attributes and
 * recordings all carry the same cleaned text, and one process is one series.
 *
 * Characters a terminal acts on or that hide or reorder text — control characters (Unicode Cc:
 * C0, DEL, C1), format characters (Cf: bidi controls such as U+202E and U+200F, zero-width
 * characters) and the line and paragraph separators (U+2028, U+2029) — are written as visible
 * escapes: `\x1b`, `\x9b`, `\u202e`. Invalid UTF-16 (a lone surrogate) becomes U+FFFD, as
 * invalid UTF-8 already does when bytes are decoded.
 *
 * The escaping is reversible, so two names that differ only in such characters stay two names:
 * a backslash is doubled where it would otherwise read as the start of an escape (before `\`,
 * `x`, `u` or an escaped character); anywhere else (`grep 'a\.b'`) it stays single.
 */

/** Characters written as escapes, plus the backslash that may need doubling. */
const NEEDS_WORK = /[\\\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const NEEDS_ESCAPE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const ESCAPED = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const AMBIGUOUS_BACKSLASH = /\\(?=[\\xu\p{Cc}\p{Cf}\p{Zl}\p{Zp}])/gu;

function escapeCharacter(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Text from the host (the kernel's task name, /proc, /etc/passwd, runtime state files), made
 * safe to print and unambiguous. Returns `text` itself when there is nothing to escape, which is
 * nearly always.
 */
export function escapeUntrustedText(text: string): string {
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed();
  if (!NEEDS_WORK.test(wellFormed)) return wellFormed;
  return wellFormed.replace(AMBIGUOUS_BACKSLASH, '\\\\').replace(ESCAPED, escapeCharacter);
}

/**
 * Text read back from a recording. netscope wrote it already escaped, so backslashes are left as
 * they are (escaping them again would change every name on each replay); any character a
 * terminal would act on — a recording is a file anyone may have edited — is escaped.
 */
export function escapeRecordedText(text: string): string {
  const wellFormed = text.isWellFormed() ? text : text.toWellFormed();
  return NEEDS_ESCAPE.test(wellFormed) ? wellFormed.replace(ESCAPED, escapeCharacter) : wellFormed;
}
