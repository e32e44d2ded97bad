/**
 * How every headless mode (--json, --events, --headless) runs a live capture: listen for the
 * stop signals before the probes load, tick once at the start, every interval and once at the
 * end, and release the probes and close the observers on every way out.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { Capture } from './capture.js';
import { attachObservers } from './capture-observers.js';
import type { CliOptions } from './cli-options.js';
import type { CriticalFindingDumpReport } from './recording-observers.js';
import type { ModelOptions } from '../model/connection-model.js';
import type { HostInfo } from '../model/snapshot-types.js';
import { openCaptureSource } from './open-source.js';
import { readHostInfo } from '../probes/host-info.js';
import { untilSignalled } from './stop-signals.js';
import { TickLoop } from './tick-loop.js';

export interface LiveCaptureRun {
  capture: Capture;
  host: HostInfo;
  stopRequested: ReturnType<typeof untilSignalled>;
  /** Where a dump a critical finding asked for is said; undefined: a line on stderr. */
  reportDump: CriticalFindingDumpReport | undefined;
}

/** The model's bounds as the flags set them. */
export function modelOptionsOf(options: CliOptions): Partial<ModelOptions> {
  return {
    closedRetentionMs: options.closedRetentionMs,
    maxClosedConnections: options.maxClosedConnections,
    eventLogLength: options.eventLogLength,
  };
}

/**
 * Loads the probes, or the degraded source. Signals are listened for first: one that arrives
 * while the probes load still ends the capture cleanly.
 */
export function openLiveCapture(options: CliOptions, reportDump?: CriticalFindingDumpReport): LiveCaptureRun {
  const stopRequested = untilSignalled();
  const host = readHostInfo();
  const capture = new Capture((sink) => openCaptureSource(options, sink), host, modelOptionsOf(options));
  return { capture, host, stopRequested, reportDump };
}

/**
 * Says on stderr when the source runs degraded, then ticks until a stop signal, `--duration`
 * (when `options.durationMs` > 0) or one of `ends`; then a last tick unless `lastTick` says no.
 * The capture is stopped whatever happened.
 */
export async function tickUntil(
  run: LiveCaptureRun,
  options: CliOptions,
  ends: Promise<unknown>[] = [],
  lastTick: () => boolean = () => true,
): Promise<void> {
  const { capture, host, stopRequested, reportDump } = run;
  if (capture.source.degradedNotice) process.stderr.write(`${capture.source.degradedNotice}\n`);
  const release = () => void capture.stop();
  process.once('exit', release);
  try {
    await attachObservers(capture, options, host, undefined, reportDump);
    capture.tick();
    const loop = new TickLoop(() => options.intervalMs, () => capture.tick());
    loop.start();
    const duration = options.durationMs > 0 ? [delay(options.durationMs, undefined, { ref: false })] : [];
    await Promise.race([stopRequested.signalled, ...duration, ...ends]);
    loop.stop();
    if (lastTick()) capture.tick();
  } finally {
    stopRequested.cancel();
    process.off('exit', release);
    await capture.stop();
  }
}
