import type { Capture, CaptureObserver } from '../capture.js';
import type { CliOptions } from '../cli-options.js';
import type { HostInfo } from '../model/snapshot-types.js';

/** The --prometheus endpoint and the --otlp exporter. */
export async function exportObservers(_capture: Capture, _options: CliOptions, _host: HostInfo): Promise<CaptureObserver[]> {
  return [];
}
