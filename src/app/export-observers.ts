/**
 * The --prometheus endpoint and the --otlp exporter, both fed by one set of traffic counters
 * folded once a tick. None when neither flag is given.
 */
import type { Capture } from './capture.js';
import type { CaptureObserver } from '../model/capture-contracts.js';
import type { CliOptions } from './cli-options.js';
import type { HostInfo } from '../model/snapshot-types.js';
import { netscopeVersion } from '../probes/netscope-version.js';
import { MetricsObserver, type MetricExporter } from '../export/metrics-observer.js';
import { TrafficCounters } from '../export/traffic-counters.js';

/** @param report where a line about the export goes while netscope runs: stderr, or the live view's notice line. */
export async function exportObservers(
  capture: Capture,
  options: CliOptions,
  host: HostInfo,
  report: (message: string) => void = (message) => void process.stderr.write(`netscope: ${message}\n`),
): Promise<CaptureObserver[]> {
  if (options.prometheus === null && options.otlpUrl === null) return [];
  const counters = new TrafficCounters({ peerLabelLimit: options.peerLabelLimit });
  const exporters: MetricExporter[] = [];
  // The endpoint first: a port that cannot be served ends netscope before the OTLP exporter starts.
  // prom-client and the OpenTelemetry SDK are loaded only when asked for: ~20 MiB of RSS each.
  if (options.prometheus !== null) {
    const { PrometheusEndpoint } = await import('../export/prometheus-endpoint.js');
    exporters.push(await PrometheusEndpoint.serve(options.prometheus, counters, { peerLabels: options.peerLabelLimit > 0 }));
  }
  if (options.otlpUrl !== null) {
    const { OtlpExporter } = await import('../export/otlp-exporter.js');
    exporters.push(
      new OtlpExporter(counters, {
        url: options.otlpUrl,
        intervalMs: options.otlpIntervalMs,
        version: netscopeVersion(),
        host,
        nodeName: process.env.NODE_NAME || null,
        report,
      }),
    );
  }
  // A replayed snapshot carries the recording's time, which says nothing of how long this tick took.
  const wallClock = capture.source.kind === 'replay' ? null : Date.now;
  return [new MetricsObserver(counters, exporters, wallClock, () => capture.findings)];
}
