/**
 * How many terminal cells a string takes, so cells can be truncated and padded to an exact
 * width. Command lines and process names may hold CJK text or emoji, which take two cells; a
 * count of UTF-16 units would let such a row overflow its column and wrap.
 */

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const EMOJI_PRESENTATION = /^\p{Emoji_Presentation}$/u;

/** Terminal cells taken by one code point (East Asian Wide/Fullwidth ranges and emoji take two). */
function codePointWidth(char: string): number {
  const codePoint = char.codePointAt(0) ?? 0;
  if (codePoint < 0x300) return 1;
  if (ZERO_WIDTH.test(char)) return 0;
  if (
    (codePoint >= 0x1100 && codePoint <= 0x115f) ||
    (codePoint >= 0x2e80 && codePoint <= 0xa4cf && codePoint !== 0x303f) ||
    (codePoint >= 0xac00 && codePoint <= 0xd7a3) ||
    (codePoint >= 0xf900 && codePoint <= 0xfaff) ||
    (codePoint >= 0xfe30 && codePoint <= 0xfe4f) ||
    (codePoint >= 0xff00 && codePoint <= 0xff60) ||
    (codePoint >= 0xffe0 && codePoint <= 0xffe6) ||
    (codePoint >= 0x20000 && codePoint <= 0x3fffd) ||
    EMOJI_PRESENTATION.test(char)
  ) {
    return 2;
  }
  return 1;
}

/** Terminal cells `text` takes. */
export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const char of text) width += codePointWidth(char);
  return width;
}

/** The longest head of `text` that fits in `width` cells (a wide character is never split). */
export function takeWidth(text: string, width: number): string {
  if (PRINTABLE_ASCII.test(text)) return text.slice(0, Math.max(0, width));
  let taken = 0;
  let end = 0;
  for (const char of text) {
    const charWidth = codePointWidth(char);
    if (taken + charWidth > width) break;
    taken += charWidth;
    end += char.length;
  }
  return text.slice(0, end);
}

/** The longest tail of `text` that fits in `width` cells. */
export function takeWidthFromEnd(text: string, width: number): string {
  if (PRINTABLE_ASCII.test(text)) return width <= 0 ? '' : text.slice(-width);
  const chars = [...text];
  let taken = 0;
  let start = chars.length;
  while (start > 0) {
    const charWidth = codePointWidth(chars[start - 1] ?? '');
    if (taken + charWidth > width) break;
    taken += charWidth;
    start--;
  }
  return chars.slice(start).join('');
}
