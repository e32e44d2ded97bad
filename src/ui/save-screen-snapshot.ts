/** The `s` key: the snapshot document of what is on screen, as `netscope-YYYYMMDD-HHMMSS.json`. */
import path from 'node:path';
import { fileStamp } from '../output/file-stamp.js';
import { toSnapshotDocument } from '../model/snapshot-document.js';
import { snapshotDocumentJson } from '../model/snapshot-document-json.js';
import { writeFileSafely } from '../output/safe-file-write.js';
import type { ScreenInput } from './view-model/screen-input.js';

/** Writes it into `directory` (atomically, mode 0600) and returns the path. Throws UnsafeOutputError. */
export function saveScreenSnapshot(input: ScreenInput, directory: string, now: Date): string {
  const target = path.join(directory, `netscope-${fileStamp(now)}.json`);
  const { snapshot, source, host } = input;
  const document = toSnapshotDocument(snapshot, { host, source, generatedAtMs: snapshot.atMs });
  writeFileSafely(target, snapshotDocumentJson(document));
  return target;
}
