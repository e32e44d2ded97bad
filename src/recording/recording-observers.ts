import type { Capture, CaptureObserver } from '../capture.js';
import type { CliOptions } from '../cli-options.js';
import type { HostInfo } from '../model/snapshot-types.js';

/** The --record file and the flight recorder. */
export function recordingObservers(_capture: Capture, _options: CliOptions, _host: HostInfo): CaptureObserver[] {
  return [];
}
