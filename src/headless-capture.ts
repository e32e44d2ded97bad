/**
 * `netscope --headless`: a capture with no view, until SIGINT/SIGTERM/SIGHUP — for a service
 * that records (--record, the flight recorder on SIGUSR1) or exports (--prometheus, --otlp).
 */
import { Capture } from './capture.js';
import { attachObservers } from './capture-observers.js';
import type { CliOptions } from './cli-options.js';
import { openCaptureSource } from './open-source.js';
import { readHostInfo } from './probes/host-info.js';
import { untilSignalled } from './stop-signals.js';

export async function runHeadless(options: CliOptions): Promise<void> {
  const stopRequested = untilSignalled();
  const host = readHostInfo();
  const capture = new Capture((sink) => openCaptureSource(options, sink), host, {
    closedRetentionMs: options.closedRetentionMs,
    maxClosedConnections: options.maxClosedConnections,
    eventLogLength: options.eventLogLength,
  });
  if (capture.source.degradedNotice) process.stderr.write(`${capture.source.degradedNotice}\n`);
  const release = () => void capture.stop();
  process.once('exit', release);
  try {
    await attachObservers(capture, options, host);
    capture.tick();
    const ticker = setInterval(() => capture.tick(), options.intervalMs);
    await stopRequested.signalled;
    clearInterval(ticker);
    capture.tick();
  } finally {
    stopRequested.cancel();
    process.off('exit', release);
    await capture.stop();
  }
}
