import type { SnapshotDocument } from './snapshot-document.js';

/** Indentation of `--json` and saved snapshots: `JSON.stringify(document, null, 2)`. */
const INDENT = '  ';

/**
 * A value's pretty-printed JSON nested `depth` levels deep. JSON text has no raw newline inside
 * a string (they are escaped), so every newline in it starts a line to indent.
 */
function nested(value: unknown, depth: number): string {
  return (JSON.stringify(value, null, INDENT) ?? 'null').replaceAll('\n', `\n${INDENT.repeat(depth)}`);
}

function* arrayChunks(items: readonly unknown[]): Generator<string> {
  if (items.length === 0) {
    yield '[]';
    return;
  }
  const itemIndent = INDENT.repeat(2);
  for (let index = 0; index < items.length; index++) {
    yield `${index === 0 ? '[\n' : ',\n'}${itemIndent}${nested(items[index], 2)}`;
  }
  yield `\n${INDENT}]`;
}

/**
 * The document as `JSON.stringify(document, null, 2)` plus a newline, byte for byte, in pieces:
 * one for each top-level field, and one for each element of a top-level array (the connections,
 * the bulk of a busy host's document). A writer streams them, so the whole text is never held.
 */
export function* snapshotDocumentJson(document: SnapshotDocument): Generator<string> {
  let first = true;
  for (const [key, value] of Object.entries(document)) {
    if (value === undefined) continue;
    yield `${first ? '{\n' : ',\n'}${INDENT}${JSON.stringify(key)}: `;
    first = false;
    if (Array.isArray(value)) yield* arrayChunks(value);
    else yield nested(value, 1);
  }
  yield first ? '{}\n' : '\n}\n';
}
