/**
 * Everything that follows a capture besides its own view: the recording and the flight
 * recorder, and the metric exporters. Every mode (live view, --json, --events, --headless)
 * attaches the same ones, so `--record` or `--prometheus` work whatever the mode.
 */
import type { Capture } from './capture.js';
import type { CliOptions } from './cli-options.js';
import { exportObservers } from './export/export-observers.js';
import type { HostInfo } from './model/snapshot-types.js';
import { recordingObservers } from './recording/recording-observers.js';

export async function attachObservers(capture: Capture, options: CliOptions, host: HostInfo): Promise<void> {
  for (const observer of [...recordingObservers(capture, options, host), ...(await exportObservers(capture, options, host))]) {
    capture.observe(observer);
  }
}
