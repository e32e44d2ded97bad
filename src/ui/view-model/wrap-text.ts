/**
 * Word wrapping for the pages that show a text whole (a finding's summary and next step): the
 * terminal must not cut what an on-call engineer is meant to read to the end.
 */
import { displayWidth, takeWidth } from './text-width.js';

/** `text` as lines of at most `width` cells, broken between words; a word wider than a line is cut across lines. */
export function wrapText(text: string, width: number): string[] {
  const room = Math.max(1, width);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((part) => part !== '')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (displayWidth(candidate) <= room) {
      line = candidate;
      continue;
    }
    if (line !== '') lines.push(line);
    let rest = word;
    while (displayWidth(rest) > room) {
      // A character wider than the whole line still goes, on a line of its own.
      const head = takeWidth(rest, room) || (Array.from(rest)[0] ?? '');
      lines.push(head);
      rest = rest.slice(head.length);
    }
    line = rest;
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}
