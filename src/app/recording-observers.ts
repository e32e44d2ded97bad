/**
 * What follows a live capture to record it: the --record file or, without one, the flight
 * recorder, which `w` (the live view) or SIGUSR1 (--json, --events, --headless, triage) writes
 * out — and which a critical finding opening writes out by itself (--flight-dumps).
 * A replay records nothing.
 */
import type { Capture } from './capture.js';
import type { CaptureObserver } from '../model/capture-contracts.js';
import type { CliOptions } from './cli-options.js';
import type { DocumentScope } from '../model/document-scope.js';
import type { HostInfo } from '../model/snapshot-types.js';
import { scopeFindings } from '../findings/finding-scope.js';
import { netscopeVersion } from '../probes/netscope-version.js';
import { CriticalFindingDumps, criticalFindingDumpText, type CriticalFindingDump } from '../export/critical-finding-dumps.js';
import { FlightRecorderUnavailable, flightRecordingFailureText, writeFlightRecording, type FlightRecordingWritten } from '../recording/flight-dump.js';
import { FlightRecorder } from '../recording/flight-recorder.js';
import { RECORDING_VERSION, type RecordingHeader } from '../recording/recording-format.js';
import { RecordingFile } from '../recording/recording-file.js';

/** Where lines about the recording go (a cap reached, a dump written): stderr, or the live view's notice line. */
export type RecordingReport = (message: string) => void;

export const reportOnStderr: RecordingReport = (message) => void process.stderr.write(`netscope: ${message}\n`);

/** Where a dump a critical finding asked for is said: by default a line to `report`; `--events` streams it. */
export type CriticalFindingDumpReport = (dump: CriticalFindingDump) => void;

export interface RecordingObservers {
  /** The --record file or the flight recorder first: Capture.stop closes them before anything that awaits. */
  observers: CaptureObserver[];
  /** Writes the flight recorder's window; throws FlightRecorderUnavailable (off, --record, a replay, nothing yet) or UnsafeOutputError. */
  writeFlightRecording: () => FlightRecordingWritten;
}

function unavailable(message: string, fix: string): () => never {
  return () => {
    throw new FlightRecorderUnavailable(message, fix);
  };
}

export function recordingObservers(
  capture: Capture,
  options: Pick<CliOptions, 'mode' | 'recordPath' | 'recordMaxBytes' | 'flightWindowMs' | 'flightMaxBytes' | 'flightDumps' | 'flightDumpsMaxBytes' | 'outputDirectory'> & DocumentScope,
  host: HostInfo,
  report: RecordingReport = reportOnStderr,
  reportDump: CriticalFindingDumpReport = (dump) => report(criticalFindingDumpText(dump)),
): RecordingObservers {
  const { kind, probes } = capture.source;
  if (kind === 'replay') {
    return { observers: [], writeFlightRecording: unavailable('this is a replay: it has nothing new to write', 's saves a JSON snapshot of this moment') };
  }
  const source = { kind, probes };
  let recorder: CaptureObserver | null = null;
  let dumpsOnFindings: CaptureObserver | null = null;
  let writeFlight: () => FlightRecordingWritten;
  if (options.recordPath !== null) {
    const header: RecordingHeader = { netscopeRecording: RECORDING_VERSION, host, startedAt: new Date().toISOString(), netscopeVersion: netscopeVersion(), source };
    recorder = new RecordingFile({ path: options.recordPath, maxBytes: options.recordMaxBytes, header, report });
    writeFlight = unavailable(`the flight recorder is off while --record writes ${options.recordPath}`, `everything is in ${options.recordPath} already`);
  } else if (options.flightWindowMs > 0) {
    const flight = new FlightRecorder({
      windowMs: options.flightWindowMs,
      maxBytes: options.flightMaxBytes,
      header: { netscopeRecording: RECORDING_VERSION, host, netscopeVersion: netscopeVersion(), source },
    });
    recorder = flight;
    writeFlight = () => writeFlightRecording(flight, options.outputDirectory, new Date());
    if (options.flightDumps > 0) {
      const dumps = new CriticalFindingDumps(
        (maxBytes) => writeFlightRecording(flight, options.outputDirectory, new Date(), maxBytes),
        { maxDumps: options.flightDumps, maxTotalBytes: options.flightDumpsMaxBytes },
        reportDump,
      );
      // After the recorder: the dump holds the tick the finding turned critical in. Scoped as
      // everything else is: `--port 5432 --flight-dumps 3` keeps dumps for what 5432 suffers.
      dumpsOnFindings = { tick: () => dumps.update(scopeFindings(capture.findings, options)) };
    }
  } else {
    writeFlight = unavailable(
      options.mode === 'json' || options.mode === 'triage'
        ? 'the flight recorder is off (--flight-minutes 0, the default of a --json capture with a duration, and of triage)'
        : 'the flight recorder is off (--flight-minutes 0)',
      'start netscope with --flight-minutes N to keep the last N minutes in memory',
    );
  }
  const observers = [recorder, dumpsOnFindings].filter((observer) => observer !== null);
  // The live view binds `w`; elsewhere SIGUSR1 asks, and must not end netscope (its default action).
  if (options.mode !== 'tui') observers.push(writeOnSignal(writeFlight, report));
  return { observers, writeFlightRecording: writeFlight };
}

function writeOnSignal(write: () => FlightRecordingWritten, report: RecordingReport): CaptureObserver {
  const onSignal = () => {
    try {
      const written = write();
      report(`flight recorder: wrote the last ${Math.round(written.spanMs / 1000)} s (${written.ticks} ticks) to ${written.path}`);
    } catch (error) {
      report(flightRecordingFailureText(error));
    }
  };
  process.on('SIGUSR1', onSignal);
  return { close: () => void process.off('SIGUSR1', onSignal) };
}
