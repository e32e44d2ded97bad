/**
 * `netscope triage`: the runbook command. It captures for `--duration` seconds (or replays a
 * recording), then says what is wrong — the findings worst first, for a person, or `--json` —
 * and exits with a code of its own that scripts and alerts test: 0 nothing open (information at
 * most), 10 warnings only, 11 a critical finding (ExitCode.triageWarnings/triageCritical).
 * `--pid`, `--port`, `--container` and `--pod` keep the findings about that process, port or
 * container, and the counts of what was watched.
 */
import type { CliOptions } from './cli-options.js';
import { captureLive, replayRecording } from './json-capture.js';
import { ExitCode } from '../errors.js';
import { findingDocument, type FindingDocument } from '../findings/finding-document.js';
import type { Finding } from '../findings/finding.js';
import { scopeFindings } from '../findings/finding-scope.js';
import { triageReportText, triageVerdict, worstFirst, type TriageVerdict } from '../export/triage-report.js';
import { scopeDocument } from '../model/document-scope.js';
import type { SnapshotDocument } from '../model/snapshot-document.js';
import type { ProbeStatus } from '../model/snapshot-types.js';
import { escapeUntrustedText } from '../enrich/untrusted-text.js';
import { writeFileSafely } from '../output/safe-file-write.js';
import { requireOpenStdout, writeToStdout } from '../output/stdout-output.js';

const VERDICT_EXIT_CODES: Readonly<Record<TriageVerdict, number>> = {
  nothingOpen: ExitCode.ok,
  warnings: ExitCode.triageWarnings,
  critical: ExitCode.triageCritical,
};

/** `triage --json`: the document's header and its findings, worst first, with the verdict the exit code gives (schema/triage.schema.json). */
export interface TriageDocument extends Pick<SnapshotDocument, 'schemaVersion' | 'generatedAt' | 'host' | 'source'> {
  verdict: TriageVerdict;
  exitCode: number;
  findings: FindingDocument[];
}

export function triageExitCode(findings: readonly Finding[]): number {
  return VERDICT_EXIT_CODES[triageVerdict(findings)];
}

/**
 * @returns the verdict's exit code (0, 10, 11); a replayed recording whose last line was cut short
 *   still reports on its whole ticks, and says so on stderr.
 * @throws as `--json` does: OutputWriteError (74), UnsafeOutputError (73), a recording's errors (65, 66).
 */
export async function runTriage(options: CliOptions): Promise<number> {
  const json = options.triageOutput === 'json';
  if (!options.outputPath) requireOpenStdout(json ? 'the findings' : 'the triage report');
  const replay = options.replayPath !== null;
  const { capture } = replay ? await replayRecording(options.replayPath!, options) : { capture: await captureLive(options) };
  const { snapshot } = capture.model;
  const document = scopeDocument(capture.document(), options);
  const findings = worstFirst(scopeFindings(capture.findings, options));
  const exitCode = triageExitCode(findings);
  const text = json
    ? `${JSON.stringify(triageDocument(document, findings), null, 2)}\n`
    : triageReportText(findings, {
        endedAtMs: snapshot.atMs,
        durationMs: snapshot.atMs - snapshot.startedAtMs,
        connections: document.connections.length,
        processes: document.processes.length,
        note: replay ? `replay of ${escapeUntrustedText(options.replayPath!)}` : null,
        partialView: partialViewOf(capture.source.probes),
        color: !options.noColor && process.stdout.isTTY === true && !options.outputPath,
      });
  if (options.outputPath) writeFileSafely(options.outputPath, text);
  else await writeToStdout(text, json ? 'the findings' : 'the triage report');
  return exitCode;
}

/**
 * What the capture could not see, from its probes (a replay's are the recording's): all off is
 * the degraded source without eBPF; some off, those probes' events. Null when all are attached.
 */
export function partialViewOf(probes: readonly ProbeStatus[]): string | null {
  const off = probes.filter((probe) => probe.status !== 'attached');
  if (off.length === 0) return null;
  if (off.length === probes.length) return 'without eBPF: no retransmit, reset or drop events';
  return `probes off: ${off.map((probe) => `${probe.name} (${probe.status})`).join(', ')}`;
}

/** `triage --json` (schema/triage.schema.json): the document's header, the verdict and its exit code, the findings in the order given. */
export function triageDocument(document: SnapshotDocument, findings: readonly Finding[]): TriageDocument {
  const { schemaVersion, generatedAt, host, source } = document;
  return { schemaVersion, generatedAt, host, source, verdict: triageVerdict(findings), exitCode: triageExitCode(findings), findings: findings.map(findingDocument) };
}
