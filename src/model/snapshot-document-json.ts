import { RowsAsRead } from './rows-as-read.js';
import type { StreamedSnapshotDocument } from './snapshot-document.js';

/** Indentation of `--json` and saved snapshots: `JSON.stringify(document, null, 2)`. */
const INDENT = '  ';

/**
 * A value's pretty-printed JSON nested `depth` levels deep. JSON text has no raw newline inside
 * a string (they are escaped), so every newline in it starts a line to indent.
 */
function nested(value: unknown, depth: number): string {
  return (JSON.stringify(value, null, INDENT) ?? 'null').replaceAll('\n', `\n${INDENT.repeat(depth)}`);
}

function* arrayChunks(items: Iterable<unknown> & { readonly length: number }): Generator<string> {
  if (items.length === 0) {
    yield '[]';
    return;
  }
  const itemIndent = INDENT.repeat(2);
  let first = true;
  for (const item of items) {
    yield `${first ? '[\n' : ',\n'}${itemIndent}${nested(item, 2)}`;
    first = false;
  }
  yield `\n${INDENT}]`;
}

/**
 * The document as `JSON.stringify(document, null, 2)` plus a newline, byte for byte, in pieces:
 * one for each top-level field, and one for each element of a top-level array (the connections,
 * the bulk of a busy host's document). A writer streams them, so the whole text is never held,
 * nor, from a streamed document, every connection's part.
 */
export function* snapshotDocumentJson(document: StreamedSnapshotDocument): Generator<string> {
  let first = true;
  for (const [key, value] of Object.entries(document)) {
    if (value === undefined) continue;
    yield `${first ? '{\n' : ',\n'}${INDENT}${JSON.stringify(key)}: `;
    first = false;
    if (Array.isArray(value) || value instanceof RowsAsRead) yield* arrayChunks(value);
    else yield nested(value, 1);
  }
  yield first ? '{}\n' : '\n}\n';
}
