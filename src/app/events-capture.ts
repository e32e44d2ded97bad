/**
 * `netscope --events`: every connect, accept, state change, retransmit, reset, drop and close
 * as one NDJSON line on stdout — and a `finding` line whenever a finding opens, changes
 * severity or resolves, and a `flightDump` line for each dump a critical finding asks for
 * (--flight-dumps) — until SIGINT/SIGTERM/SIGHUP, `--duration`, or the reader going
 * away (`| head`: EPIPE ends netscope quietly, exit 0). A slow reader never holds the probes
 * back: lines it cannot take are dropped, counted in the stream and reported at exit.
 */
import { type CliOptions } from './cli-options.js';
import { ExitCode, UsageError } from '../errors.js';
import { BoundedLineWriter } from '../export/bounded-line-writer.js';
import { droppedLine } from '../export/event-lines.js';
import { flightDumpLine } from '../export/critical-finding-dumps.js';
import { eventSelection } from '../export/event-selection.js';
import { EventStream } from '../export/event-stream.js';
import { FindingStream } from '../export/finding-stream.js';
import { openLiveCapture, tickUntil } from './live-capture-run.js';
import { OutputWriteError } from '../output/output-write-error.js';
import { ProbeError, runAsRootHint } from '../probes/probe-error.js';
import { conntrackLoaded } from '../probes/conntrack-lookup.js';
import { hostPaths } from '../probes/host-paths.js';
import { requireOpenStdout, STDOUT_FIX } from '../output/stdout-output.js';

/** Lines held while stdout's reader lags; past it lines are dropped (a few MiB at most). */
const MAX_QUEUED_LINES = 10_000;
export async function runEventStream(options: CliOptions): Promise<void> {
  if (options.replayPath !== null) {
    throw new UsageError('--events streams a live capture — look into a recording with --replay FILE and --json or the live view');
  }
  requireOpenStdout('events');
  const writer = new BoundedLineWriter(process.stdout, {
    maxQueuedLines: MAX_QUEUED_LINES,
    gapLine: (count) => `${JSON.stringify(droppedLine(count, Date.now()))}\n`,
  });
  const run = openLiveCapture(options, (dump) => writer.writeLines([`${JSON.stringify(flightDumpLine(dump, Date.now()))}\n`]));
  const { capture } = run;
  if (capture.source.kind === 'procfs') {
    // The degraded source samples sockets each tick: it has no events to stream.
    run.stopRequested.cancel();
    await capture.stop();
    const missing = (capture.source.probes.find((probe) => probe.reason !== null)?.reason ?? '').replace(/^eBPF off: /, '');
    throw new ProbeError(`cannot stream events without eBPF${missing === '' ? '' : `: ${missing}`}`, runAsRootHint, ExitCode.noPermission);
  }
  const selection = eventSelection(options);
  const awaitsNatLookup = conntrackLoaded(hostPaths(options.hostRoot));
  capture.observe(new EventStream(capture.model, selection, writer, { awaitsNatLookup }));
  // After the kernel events: a tick's finding lines follow the events behind them.
  capture.observe(new FindingStream(() => capture.findings, selection, writer));
  // Once the reader is gone there is nobody to tick for.
  await tickUntil(run, options, [writer.ended], () => writer.streamEnd === null);
  const streamEnd = writer.streamEnd;
  if (streamEnd?.kind === 'failed') throw new OutputWriteError('cannot write events to stdout', streamEnd.error, STDOUT_FIX);
  if (streamEnd === null && writer.droppedLines > 0) {
    process.stderr.write(
      `netscope: ${writer.droppedLines} event lines dropped because stdout was not read fast enough (each gap is marked by a "dropped" line)\n`,
    );
  }
}
