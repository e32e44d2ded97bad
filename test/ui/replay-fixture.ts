/** A recording of the scripted capture (12 ticks, 1 s apart, from T0) and the snapshots it had live. */
import type { ModelSnapshot } from '../../src/model/snapshot-types.js';
import { FlightRecorder } from '../../src/recording/flight-recorder.js';
import { parseRecording, RECORDING_VERSION, type Recording } from '../../src/recording/recording-format.js';
import { flightRecordingText, header, host, probes, runScriptedCapture, T0 } from '../recording/recording-builders.js';

export const RECORDED_TICKS = 12;

export function scriptedRecording(): { recording: Recording; snapshots: ModelSnapshot[] } {
  const recorder = new FlightRecorder({ windowMs: 3_600_000, maxBytes: 1 << 30, header: { netscopeRecording: RECORDING_VERSION, host, netscopeVersion: '0.1.0', source: { kind: 'ebpf', probes } } });
  const { snapshots } = runScriptedCapture(RECORDED_TICKS, [recorder]);
  const parsed = parseRecording(Buffer.from(flightRecordingText(recorder) ?? ''), 'scripted.ndjson');
  // Started on the second, as a --record file is: positions read 1.0s, 2.0s…
  return { recording: { ...parsed, header: header(), startedAtMs: T0 }, snapshots };
}
