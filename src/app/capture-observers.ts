/**
 * Everything that follows a capture besides its own view: the recording and the flight
 * recorder, and the metric exporters. Every mode (live view, --json, --events, --headless)
 * attaches the same ones, so `--record` or `--prometheus` work whatever the mode.
 */
import type { Capture } from './capture.js';
import type { CliOptions } from './cli-options.js';
import { exportObservers } from './export-observers.js';
import { PtrLookups } from '../sources/ptr-lookups.js';
import type { HostInfo } from '../model/snapshot-types.js';
import type { FlightRecordingWritten } from '../recording/flight-dump.js';
import { recordingObservers, reportOnStderr, type CriticalFindingDumpReport, type RecordingReport } from './recording-observers.js';

export interface AttachedObservers {
  /** The live view's `w`: writes the flight recorder's window (see recordingObservers). */
  writeFlightRecording: () => FlightRecordingWritten;
}

/**
 * @param report where lines about the recording go: stderr, or the live view's notice line.
 * @param reportDump where a dump a critical finding asked for is said; by default a line to `report`.
 */
export async function attachObservers(
  capture: Capture,
  options: CliOptions,
  host: HostInfo,
  report: RecordingReport = reportOnStderr,
  reportDump?: CriticalFindingDumpReport,
): Promise<AttachedObservers> {
  // Attached before the first await: a recording must see every record the model ingests.
  const recording = recordingObservers(capture, options, host, report, reportDump);
  for (const observer of recording.observers) capture.observe(observer);
  // After the recorders: the names its lookups find are recorded like the DNS answers'.
  if (options.resolve !== null) capture.observe(new PtrLookups({ server: options.resolve.server }, capture.ingest));
  for (const observer of await exportObservers(capture, options, host, report)) capture.observe(observer);
  return { writeFlightRecording: recording.writeFlightRecording };
}
