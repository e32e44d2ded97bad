/**
 * --otlp: the same counters pushed over OTLP/HTTP (JSON) every --otlp-interval — observable
 * instruments read from the traffic counters at each export, histograms recorded at each tick
 * — with one last export when netscope stops.
 *
 * A collector that is down or slow never holds up the capture: exports run off the tick, each
 * gives up after the interval or 5 s, whichever is shorter, failures are counted
 * (`netscope.otlp.export.failures`, sent once the collector is back) and the first one is said
 * once. Whatever a collector answers (a reset, bytes that are no HTTP, a body past the
 * exporter's 4 MiB cap) is a failed export, never an error of the process.
 */
import { ValueType, type Attributes, type Histogram } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { ATTR_K8S_NODE_NAME, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { dropClassOf } from '../model/drop-classes.js';
import type { HostInfo, ModelSnapshot } from '../model/snapshot-types.js';
import type { Finding } from '../findings/finding.js';
import { openFindingCounts } from './finding-counts.js';
import { escapeUntrustedText } from '../enrich/untrusted-text.js';
import { LATENCY_BUCKETS_SECONDS, TICK_DURATION_BUCKETS_SECONDS } from './histogram-buckets.js';
import type { MetricExporter, MetricTick } from './metrics-observer.js';
import { kernelCounterSeries, limitSeries, namespaceSocketSeries, type LimitSeries } from './gauge-series.js';
import { ATTR_HOST_NAME, ATTR_NETWORK_CONNECTION_STATE, ATTR_PROCESS_EXECUTABLE_NAME, connectionStateValue, seriesAttributes } from './otlp-attributes.js';
import type { LatencySamples, TrafficCounters, TrafficCounts } from './traffic-counters.js';

/** The longest an export may take before it is abandoned and counted as failed (less with a shorter interval). */
const MAX_EXPORT_TIMEOUT_MS = 5000;
/** `ExportResultCode.SUCCESS` of @opentelemetry/core (a dependency of the SDK, not of netscope). */
const EXPORT_SUCCEEDED = 0;
const ATTR_DROP_REASON = 'netscope.drop.reason';
const ATTR_DROP_CLASS = 'netscope.drop.class';
const ATTR_FLOW_LIMIT = 'netscope.flow.limit';
const ATTR_CONTAINER_STATE_PROBLEM = 'netscope.container_state.problem';
const ATTR_FINDING_KIND = 'netscope.finding.kind';
const ATTR_FINDING_SEVERITY = 'netscope.finding.severity';
const ATTR_LIMIT_NAME = 'netscope.limit.name';
const ATTR_LIMIT_SUBJECT = 'netscope.limit.subject';
const ATTR_NETNS = 'netscope.netns';
const ATTR_KERNEL_COUNTER = 'netscope.kernel.counter';

/** A limit series' attributes; those without a value are left out. */
function limitAttributes(series: LimitSeries): Attributes {
  const attributes: Attributes = { [ATTR_LIMIT_NAME]: series.gauge };
  if (series.netns !== '') attributes[ATTR_NETNS] = series.netns;
  if (series.subject !== '') attributes[ATTR_LIMIT_SUBJECT] = series.subject;
  if (series.process !== '') attributes[ATTR_PROCESS_EXECUTABLE_NAME] = series.process;
  return attributes;
}

export interface OtlpExporterOptions {
  /** The OTLP/HTTP metrics endpoint, e.g. `http://127.0.0.1:4318/v1/metrics`. */
  url: string;
  intervalMs: number;
  /** netscope's version: `service.version` and the instrumentation scope's version. */
  version: string;
  host: HostInfo;
  /** The Kubernetes node (NODE_NAME from the downward API); null off Kubernetes. */
  nodeName: string | null;
  /** Says the first failed export: one message, without the `netscope: ` prefix (stderr, or the live view's notice line). */
  report: (message: string) => void;
}

type ExportResultCallback = Parameters<PushMetricExporter['export']>[1];

/**
 * The first line of why an export failed. The collector writes it (an HTTP reason phrase), so
 * characters a terminal acts on are escaped before it reaches stderr or the live view.
 */
function failureReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error ?? '');
  return escapeUntrustedText(message.split('\n')[0] ?? '') || 'no reason given';
}

/** Passes every export on, counting the ones that failed. */
class FailureCountingExporter implements PushMetricExporter {
  failures = 0;
  readonly selectAggregationTemporality: PushMetricExporter['selectAggregationTemporality'];
  readonly selectAggregation: PushMetricExporter['selectAggregation'];

  constructor(
    private readonly inner: PushMetricExporter,
    private readonly onFirstFailure: (reason: string) => void,
  ) {
    this.selectAggregationTemporality = inner.selectAggregationTemporality?.bind(inner);
    this.selectAggregation = inner.selectAggregation?.bind(inner);
  }

  export(metrics: Parameters<PushMetricExporter['export']>[0], resultCallback: ExportResultCallback): void {
    this.inner.export(metrics, (result) => {
      if (result.code !== EXPORT_SUCCEEDED) {
        this.failures++;
        if (this.failures === 1) this.onFirstFailure(failureReason(result.error));
      }
      resultCallback(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

function recordAll(histogram: Histogram, samples: LatencySamples): void {
  for (const [labels, values] of samples) {
    const attributes = seriesAttributes(labels);
    for (const seconds of values) histogram.record(seconds, attributes);
  }
}

export class OtlpExporter implements MetricExporter {
  private readonly provider: MeterProvider;
  private readonly connectLatency: Histogram;
  private readonly roundTripTime: Histogram;
  private readonly tickDuration: Histogram;
  private latest: ModelSnapshot | null = null;
  private latestFindings: readonly Finding[] = [];

  constructor(counters: TrafficCounters, options: OtlpExporterOptions) {
    const timeoutMillis = Math.min(options.intervalMs, MAX_EXPORT_TIMEOUT_MS);
    const exporter = new FailureCountingExporter(new OTLPMetricExporter({ url: options.url, timeoutMillis }), (reason) =>
      options.report(
        `cannot export metrics to ${options.url}: ${reason} — still capturing, and retrying every ${options.intervalMs} ms (failures are counted in netscope.otlp.export.failures)`,
      ),
    );
    this.provider = new MeterProvider({
      resource: defaultResource().merge(
        resourceFromAttributes({
          [ATTR_SERVICE_NAME]: 'netscope',
          [ATTR_SERVICE_VERSION]: options.version,
          [ATTR_HOST_NAME]: options.host.hostname,
          ...(options.nodeName === null ? {} : { [ATTR_K8S_NODE_NAME]: options.nodeName }),
        }),
      ),
      readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: options.intervalMs, exportTimeoutMillis: timeoutMillis })],
    });
    const meter = this.provider.getMeter('netscope', options.version);

    const trafficCounter = (name: string, unit: string, description: string, read: (counts: TrafficCounts) => number) =>
      meter.createObservableCounter(name, { unit, description, valueType: ValueType.INT }).addCallback((result) => {
        for (const series of counters.series) result.observe(read(series.counts), seriesAttributes(series.labels));
      });
    trafficCounter('netscope.bytes.sent', 'By', 'Bytes sent and acknowledged by the peer (tcpi_bytes_acked).', (counts) => counts.bytesSent);
    trafficCounter('netscope.bytes.received', 'By', 'Bytes received (tcpi_bytes_received).', (counts) => counts.bytesReceived);
    trafficCounter('netscope.retransmits', '{segment}', 'TCP segments retransmitted.', (counts) => counts.retransmits);
    trafficCounter('netscope.resets.sent', '{reset}', 'TCP resets sent.', (counts) => counts.resetsSent);
    trafficCounter('netscope.resets.received', '{reset}', 'TCP resets received.', (counts) => counts.resetsReceived);
    meter
      .createObservableCounter('netscope.drops', { unit: '{packet}', description: 'TCP packets the kernel dropped, by its drop reason and what the reason means (class `matters` is real loss).', valueType: ValueType.INT })
      .addCallback((result) => {
        for (const series of counters.series) {
          const attributes = seriesAttributes(series.labels);
          for (const [reason, count] of series.counts.drops) result.observe(count, { ...attributes, [ATTR_DROP_REASON]: reason, [ATTR_DROP_CLASS]: dropClassOf(reason) });
        }
      });
    meter
      .createObservableCounter('netscope.flow.limited_time', {
        unit: 's',
        description: 'Seconds the connections spent held back, by what limited them over each sampling interval (app, receiver, sndbuf, network, stalled-reader; idle is not counted).',
        valueType: ValueType.DOUBLE,
      })
      .addCallback((result) => {
        for (const series of counters.series) {
          const attributes = seriesAttributes(series.labels);
          for (const [limit, seconds] of series.counts.limitedSeconds) result.observe(seconds, { ...attributes, [ATTR_FLOW_LIMIT]: limit });
        }
      });
    meter
      .createObservableUpDownCounter('netscope.connection.count', { unit: '{connection}', description: 'Open TCP connections by state.', valueType: ValueType.INT })
      .addCallback((result) => {
        for (const series of counters.series) {
          const attributes = seriesAttributes(series.labels);
          for (const [state, count] of series.openConnections) {
            result.observe(count, { ...attributes, [ATTR_NETWORK_CONNECTION_STATE]: connectionStateValue(state) });
          }
        }
      });
    const latencyAdvice = { explicitBucketBoundaries: LATENCY_BUCKETS_SECONDS };
    this.connectLatency = meter.createHistogram('netscope.connect.duration', {
      unit: 's',
      description: 'TCP handshake time, SYN_SENT to ESTABLISHED, once per connection.',
      advice: latencyAdvice,
    });
    this.roundTripTime = meter.createHistogram('netscope.rtt', {
      unit: 's',
      description: 'Smoothed RTT of each open connection that moved bytes, sampled every tick.',
      advice: latencyAdvice,
    });
    this.tickDuration = meter.createHistogram('netscope.tick.duration', {
      unit: 's',
      description: 'How long a tick took: sampling every socket and folding the model.',
      advice: { explicitBucketBoundaries: TICK_DURATION_BUCKETS_SECONDS },
    });

    const snapshotCounter = (name: string, unit: string, description: string, read: (snapshot: ModelSnapshot) => number) =>
      meter.createObservableCounter(name, { unit, description, valueType: ValueType.INT }).addCallback((result) => {
        if (this.latest !== null) result.observe(read(this.latest));
      });
    snapshotCounter('netscope.lost_events', '{event}', 'Kernel events lost because netscope fell behind.', (snapshot) => snapshot.totals.lostEvents);
    snapshotCounter('netscope.evicted_connections', '{connection}', 'Closed connections dropped by the retention policy.', (snapshot) => snapshot.totals.evicted);
    meter
      .createObservableCounter('netscope.container_state.problems', {
        unit: '{container}',
        description: 'Containers whose runtime state files could not be read, by reason.',
        valueType: ValueType.INT,
      })
      .addCallback((result) => {
        for (const [problem, count] of Object.entries(this.latest?.containerStateProblems ?? {})) {
          result.observe(count, { [ATTR_CONTAINER_STATE_PROBLEM]: problem });
        }
      });
    const limitGauge = (name: string, unit: string, description: string, read: (series: LimitSeries) => number) =>
      meter.createObservableGauge(name, { unit, description, valueType: ValueType.INT }).addCallback((result) => {
        if (this.latest === null) return;
        for (const series of limitSeries(this.latest)) result.observe(read(series), limitAttributes(series));
      });
    limitGauge('netscope.limit.usage', '{unit}', 'How much of a host limit is in use (netscope.limit.name: ephemeralPorts, timeWait, conntrack, descriptors, acceptQueue, tcpMemory, orphans).', (series) => series.used);
    limitGauge('netscope.limit.max', '{unit}', 'The limit netscope.limit.usage is measured against.', (series) => series.limit);
    meter
      .createObservableUpDownCounter('netscope.namespace.socket.count', { unit: '{socket}', description: 'TCP sockets in TIME_WAIT and CLOSE_WAIT per network namespace.', valueType: ValueType.INT })
      .addCallback((result) => {
        if (this.latest === null) return;
        for (const series of namespaceSocketSeries(this.latest)) {
          result.observe(series.count, { [ATTR_NETNS]: series.netns, [ATTR_NETWORK_CONNECTION_STATE]: series.state });
        }
      });
    meter
      .createObservableCounter('netscope.kernel.tcp.pressure_events', { unit: '{event}', description: 'The kernel\'s TcpExt counters per network namespace (ListenOverflows, ListenDrops, TCPAbortOnMemory, …).', valueType: ValueType.INT })
      .addCallback((result) => {
        if (this.latest === null) return;
        for (const series of kernelCounterSeries(this.latest)) result.observe(series.value, { [ATTR_NETNS]: series.netns, [ATTR_KERNEL_COUNTER]: series.counter });
      });
    meter
      .createObservableGauge('netscope.findings', {
        unit: '{finding}',
        description: 'Open findings (what netscope diagnoses), by kind and severity; every pair from 0.',
        valueType: ValueType.INT,
      })
      .addCallback((result) => {
        for (const { kind, severity, open } of openFindingCounts(this.latestFindings)) {
          result.observe(open, { [ATTR_FINDING_KIND]: kind, [ATTR_FINDING_SEVERITY]: severity });
        }
      });
    meter
      .createObservableCounter('netscope.otlp.export.failures', { unit: '{export}', description: 'OTLP exports that failed or timed out.', valueType: ValueType.INT })
      .addCallback((result) => result.observe(exporter.failures));
  }

  publish({ snapshot, changes, findings, tickDurationSeconds }: MetricTick): void {
    this.latest = snapshot;
    this.latestFindings = findings;
    recordAll(this.connectLatency, changes.connectLatencies);
    recordAll(this.roundTripTime, changes.roundTripTimes);
    if (tickDurationSeconds !== null) this.tickDuration.record(tickDurationSeconds);
  }

  /** The last export, then the exporter's connections released. */
  async close(): Promise<void> {
    await this.provider.shutdown();
  }
}
