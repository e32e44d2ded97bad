/**
 * `netscope --json`: capture for a while (or until a signal), then one snapshot document — with
 * the findings of its last tick — to stdout or a file. The probes are released on every way out. With `--replay FILE`, the
 * recording's ticks are played instead (all of them, or up to `--at`), and the document is the
 * one the live capture would have printed then — the same code builds both.
 */
import type { Capture } from './capture.js';
import { modelOptionsOf, openLiveCapture, tickUntil } from './live-capture-run.js';
import { isWholeHost, scopeDocument } from '../model/document-scope.js';
import type { CliOptions } from './cli-options.js';
import type { SnapshotDocument, StreamedSnapshotDocument } from '../model/snapshot-document.js';
import { withFindings } from '../findings/finding-document.js';
import { scopeFindings } from '../findings/finding-scope.js';
import { snapshotDocumentJson } from '../model/snapshot-document-json.js';
import { readRecording } from '../recording/read-recording.js';
import { changesSinceBaseline, readBaseline } from './baseline-file.js';
import { profileOfSnapshot } from '../model/world-profile.js';
import { openReplayCapture, ticksUntil } from './replay-capture.js';
import { incompleteRecordingNotice } from '../recording/recording-format.js';
import { ExitCode } from '../errors.js';
import { writeFileSafely } from '../output/safe-file-write.js';
import { requireOpenStdout, writeToStdout } from '../output/stdout-output.js';

/**
 * @returns the exit code: 0, or 65 (bad data) when a replayed recording's last line was cut
 *   short — the snapshot of its whole ticks is still written, and the exit code says it is not all.
 * @throws OutputWriteError (exit 74) when the document cannot be written — stdout closed, a full
 *   disk — and UnsafeOutputError (exit 73) when the -o file is refused or cannot be created.
 */
export async function runJsonCapture(options: CliOptions): Promise<number> {
  // Before the capture: a run of --duration seconds should not end in writing to nowhere.
  if (!options.outputPath) requireOpenStdout('the snapshot');
  // Read before the capture: a baseline that cannot be used ends the run before it spends its duration.
  const baseline = options.baselinePath === null ? null : await readBaseline(options.baselinePath);
  const { capture, cutShort } =
    options.replayPath === null ? { capture: await captureLive(options), cutShort: false } : await replayRecording(options.replayPath, options);
  // The whole host's connections are made as they are written; a scope's are few, and filtered whole.
  const captured: StreamedSnapshotDocument = isWholeHost(options) ? capture.streamedDocument() : scopeDocument(capture.document(), options);
  const scoped = withFindings(captured, scopeFindings(capture.findings, options));
  // Host-wide, like the totals: what changed is measured on everything the capture saw.
  const document = baseline === null ? scoped : { ...scoped, changes: changesSinceBaseline(baseline, profileOfSnapshot(capture.model.snapshot)) };
  const unmatched = unmatchedContainerScope(document, options);
  if (unmatched !== null) process.stderr.write(`netscope: ${unmatched}\n`);
  // Written as it is serialised: a busy host's document is never held whole as text.
  if (options.outputPath) writeFileSafely(options.outputPath, snapshotDocumentJson(document));
  else await writeToStdout(snapshotDocumentJson(document), 'the snapshot');
  return cutShort ? ExitCode.dataError : ExitCode.ok;
}

/** Plays the recording's ticks up to `--at` (or all); the capture's snapshot is then the one live had at that tick. */
export async function replayRecording(file: string, options: CliOptions): Promise<{ capture: Capture; cutShort: boolean }> {
  const recording = await readRecording(file, options.replayMaxBytes);
  const notice = incompleteRecordingNotice(recording, file);
  if (notice !== null) process.stderr.write(`netscope: ${notice}\n`);
  const ticks = ticksUntil(recording, options.replayAt);
  const { capture } = openReplayCapture(recording, modelOptionsOf(options));
  for (let played = 0; played < ticks; played++) capture.tick();
  return { capture, cutShort: recording.truncatedLine !== null };
}

/** Ticks once at the start, every interval, and once at the end (a signal or the duration); stopped on every way out. */
export async function captureLive(options: CliOptions): Promise<Capture> {
  const run = openLiveCapture(options);
  await tickUntil(run, options);
  return run.capture;
}

/** The note for a --container/--pod that named nothing netscope saw; null when it matched or was not given. */
function unmatchedContainerScope(document: Pick<SnapshotDocument, 'containers'>, scope: Pick<CliOptions, 'container' | 'pod'>): string | null {
  if ((scope.container === null && scope.pod === null) || document.containers.length > 0) return null;
  const asked = [scope.container === null ? null : `--container ${scope.container}`, scope.pod === null ? null : `--pod ${scope.pod}`]
    .filter((part) => part !== null)
    .join(' ');
  return `no container with traffic matched ${asked} during the capture — run without it to see the containers netscope saw`;
}
