/**
 * `netscope --headless`: a capture with no view, until SIGINT/SIGTERM/SIGHUP (or --duration) —
 * for a service that records (--record, the flight recorder on SIGUSR1) or exports
 * (--prometheus, --otlp).
 */
import type { CliOptions } from './cli-options.js';
import { openLiveCapture, tickUntil } from './live-capture-run.js';

export async function runHeadless(options: CliOptions): Promise<void> {
  await tickUntil(openLiveCapture(options), options);
}
