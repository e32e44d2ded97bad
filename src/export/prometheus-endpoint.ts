/**
 * --prometheus: the traffic counters as a scrape target, `GET /metrics` in the text format.
 * Counters and gauges are read from the counters at each scrape; the histograms take the
 * observations of every tick. A registry of its own, so nothing else in the process (or a
 * library's default metrics) lands in the scrape. The HTTP side, its limits and its answers to
 * bad requests are scrape-server.ts; what it refused is counted here, in the scrape.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { UsageError } from '../errors.js';
import { dropClassOf } from '../model/drop-classes.js';
import type { ModelSnapshot } from '../model/snapshot-types.js';
import type { Finding } from '../findings/finding.js';
import { openFindingCounts } from './finding-counts.js';
import { LATENCY_BUCKETS_SECONDS, TICK_DURATION_BUCKETS_SECONDS } from './histogram-buckets.js';
import type { MetricExporter, MetricTick } from './metrics-observer.js';
import {
  answerScrapes,
  CONNECTION_REFUSAL_REASONS,
  createScrapeServer,
  DEFAULT_SCRAPE_SERVER_LIMITS,
  REQUEST_ERROR_REASONS,
  type ScrapeServerLimits,
} from './scrape-server.js';
import { kernelCounterSeries, limitSeries, namespaceSocketSeries, type LimitSeries } from './gauge-series.js';
import type { SeriesLabels } from './series-labels.js';
import type { LatencySamples, TrafficCounters, TrafficCounts } from './traffic-counters.js';

export interface ListenAddress {
  host: string;
  port: number;
}

export interface PrometheusEndpointOptions {
  /** Label series with the peer's address and port (--prometheus-peers above 0). */
  peerLabels: boolean;
  /** Connections, timeouts and header size the server allows; default DEFAULT_SCRAPE_SERVER_LIMITS. */
  limits?: ScrapeServerLimits;
}

const OWNER_LABEL_NAMES = ['process', 'container', 'pod', 'namespace', 'workload', 'transport'] as const;
const PEER_LABEL_NAMES = ['peer_address', 'peer_port', 'peer_name'] as const;

/** Labels without a value are left out, which Prometheus reads the same as empty. */
function prometheusLabels(labels: SeriesLabels): Record<string, string> {
  const result: Record<string, string> = {};
  if (labels.process !== null) result.process = labels.process;
  if (labels.containerName !== null) result.container = labels.containerName;
  if (labels.pod !== null) result.pod = labels.pod;
  if (labels.namespace !== null) result.namespace = labels.namespace;
  // The name alone: a DaemonSet's and a Job's pods read alike, and a kind label would split a workload's series when labels appear.
  if (labels.workload !== null) result.workload = labels.workload.name;
  // TCP series keep the labels they had before UDP was counted: `transport` marks only UDP's.
  if (labels.transport === 'udp') result.transport = 'udp';
  if (labels.peer !== null) {
    result.peer_address = labels.peer.address;
    if (labels.peer.port !== null) result.peer_port = String(labels.peer.port);
    if (labels.peer.name !== null) result.peer_name = labels.peer.name;
  }
  return result;
}

function observeAll(histogram: Histogram, samples: LatencySamples): void {
  for (const [labels, values] of samples) {
    const names = prometheusLabels(labels);
    for (const seconds of values) histogram.observe(names, seconds);
  }
}

function describeAddress({ host, port }: ListenAddress): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Why the port cannot be served, as the one line netscope exits with. */
function listenFailure(error: NodeJS.ErrnoException, address: ListenAddress): UsageError {
  const where = `cannot serve Prometheus metrics on ${describeAddress(address)}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new UsageError(`${where}: address in use — choose another port with --prometheus`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UsageError(`${where}: no such address on this host — give one of its addresses (or 0.0.0.0 for all) with --prometheus`);
    case 'EACCES':
      return new UsageError(`${where}: permission denied (ports below 1024 need CAP_NET_BIND_SERVICE) — choose a port above 1023 with --prometheus`);
    default:
      return new UsageError(`${where}: ${error.message} — choose another address with --prometheus`);
  }
}

export class PrometheusEndpoint implements MetricExporter {
  /** The address actually bound (the port is the kernel's choice when 0 was asked for). */
  readonly address: ListenAddress;
  private readonly registry = new Registry();
  private readonly connectLatency: Histogram;
  private readonly roundTripTime: Histogram;
  private readonly tickDuration: Histogram;
  private latest: ModelSnapshot | null = null;
  private latestFindings: readonly Finding[] = [];

  /** Listens on `address`; a port that cannot be served is a UsageError naming --prometheus. */
  static async serve(address: ListenAddress, counters: TrafficCounters, options: PrometheusEndpointOptions): Promise<PrometheusEndpoint> {
    const server = createScrapeServer(options.limits ?? DEFAULT_SCRAPE_SERVER_LIMITS);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(address.port, address.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      throw listenFailure(error as NodeJS.ErrnoException, address);
    }
    return new PrometheusEndpoint(server, counters, options.peerLabels);
  }

  private constructor(
    private readonly server: Server,
    counters: TrafficCounters,
    peerLabels: boolean,
  ) {
    const bound = server.address() as AddressInfo;
    this.address = { host: bound.address, port: bound.port };
    const registers = [this.registry];
    const labelNames: string[] = [...OWNER_LABEL_NAMES, ...(peerLabels ? PEER_LABEL_NAMES : [])];

    const trafficCounter = (name: string, help: string, read: (counts: TrafficCounts) => number) =>
      new Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          // Series whose visible labels coincide (two containers of one name) add up.
          for (const series of counters.series) this.inc(prometheusLabels(series.labels), read(series.counts));
        },
      });
    trafficCounter('netscope_bytes_sent_total', 'Bytes sent and acknowledged by the peer (tcpi_bytes_acked).', (counts) => counts.bytesSent);
    trafficCounter('netscope_bytes_received_total', 'Bytes received (tcpi_bytes_received).', (counts) => counts.bytesReceived);
    trafficCounter('netscope_retransmits_total', 'TCP segments retransmitted.', (counts) => counts.retransmits);
    trafficCounter('netscope_resets_sent_total', 'TCP resets sent.', (counts) => counts.resetsSent);
    trafficCounter('netscope_resets_received_total', 'TCP resets received.', (counts) => counts.resetsReceived);
    new Counter({
      name: 'netscope_drops_total',
      help: 'TCP packets the kernel dropped, by its drop reason (skb_drop_reason without the prefix) and its class (matters: real loss; refused, stray, housekeeping, unclassified: not network loss).',
      labelNames: [...labelNames, 'reason', 'class'],
      registers,
      collect() {
        this.reset();
        for (const series of counters.series) {
          const labels = prometheusLabels(series.labels);
          for (const [reason, count] of series.counts.drops) this.inc({ ...labels, reason, class: dropClassOf(reason) }, count);
        }
      },
    });
    new Counter({
      name: 'netscope_flow_limited_seconds_total',
      help: 'Seconds the connections spent held back, by what limited them over each sampling interval (app, receiver, sndbuf, network, stalled-reader; idle is not counted).',
      labelNames: [...labelNames, 'limit'],
      registers,
      collect() {
        this.reset();
        for (const series of counters.series) {
          const labels = prometheusLabels(series.labels);
          for (const [limit, seconds] of series.counts.limitedSeconds) this.inc({ ...labels, limit }, seconds);
        }
      },
    });
    new Gauge({
      name: 'netscope_connections',
      help: 'Open TCP connections by state.',
      labelNames: [...labelNames, 'state'],
      registers,
      collect() {
        this.reset();
        for (const series of counters.series) {
          const labels = prometheusLabels(series.labels);
          for (const [state, count] of series.openConnections) this.inc({ ...labels, state }, count);
        }
      },
    });
    this.connectLatency = new Histogram({
      name: 'netscope_connect_latency_seconds',
      help: 'TCP handshake time, SYN_SENT to ESTABLISHED, once per connection.',
      labelNames,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
    this.roundTripTime = new Histogram({
      name: 'netscope_rtt_seconds',
      help: 'Smoothed RTT of each open connection that moved bytes, sampled every tick.',
      labelNames,
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    });
    const latest = () => this.latest;
    const snapshotCounter = (name: string, help: string, read: (snapshot: ModelSnapshot) => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          const snapshot = latest();
          if (snapshot !== null) this.inc(read(snapshot));
        },
      });
    const latestFindings = () => this.latestFindings;
    new Gauge({
      name: 'netscope_findings',
      help: 'Open findings (what netscope diagnoses: loss, unreachable, refused, resets, closeWaitLeak, acceptQueueOverflow, drops, slowHandshake, hostLimit, stalledReader), by kind and severity; every pair from 0.',
      labelNames: ['kind', 'severity'],
      registers,
      collect() {
        for (const { kind, severity, open } of openFindingCounts(latestFindings())) this.set({ kind, severity }, open);
      },
    });
    snapshotCounter('netscope_lost_events_total', 'Kernel events lost because netscope fell behind (its ring buffer was full).', (snapshot) => snapshot.totals.lostEvents);
    snapshotCounter('netscope_evicted_connections_total', 'Closed connections dropped from the table by the retention policy.', (snapshot) => snapshot.totals.evicted);
    const gaugeLabelNames = ['gauge', 'netns', 'subject', 'process'];
    const limitGauge = (name: string, help: string, read: (series: LimitSeries) => number) =>
      new Gauge({
        name,
        help,
        labelNames: gaugeLabelNames,
        registers,
        collect() {
          this.reset();
          const snapshot = latest();
          if (snapshot === null) return;
          for (const series of limitSeries(snapshot)) {
            this.set({ gauge: series.gauge, netns: series.netns, subject: series.subject, process: series.process }, read(series));
          }
        },
      });
    limitGauge(
      'netscope_limit_used',
      'How much of a host limit is in use: gauge = ephemeralPorts (the busiest destination per netns), timeWait, conntrack, descriptors (per process), acceptQueue (per listener), tcpMemory (pages), orphans.',
      (series) => series.used,
    );
    limitGauge('netscope_limit', 'The limit netscope_limit_used is measured against (ip_local_port_range size, tcp_max_tw_buckets, nf_conntrack_max, RLIMIT_NOFILE, the accept-queue limit, tcp_mem high, tcp_max_orphans).', (series) => series.limit);
    new Gauge({
      name: 'netscope_namespace_tcp_sockets',
      help: 'TCP sockets in TIME_WAIT and CLOSE_WAIT per network namespace, as sock_diag lists them.',
      labelNames: ['netns', 'state'],
      registers,
      collect() {
        this.reset();
        const snapshot = latest();
        if (snapshot !== null) for (const series of namespaceSocketSeries(snapshot)) this.set({ netns: series.netns, state: series.state }, series.count);
      },
    });
    new Counter({
      name: 'netscope_kernel_tcp_pressure_events_total',
      help: 'The kernel\'s own TcpExt counters per network namespace (/proc/net/netstat): ListenOverflows, ListenDrops, TCPAbortOnMemory, TCPMemoryPressures, TCPBacklogDrop, TCPTimeWaitOverflow.',
      labelNames: ['netns', 'counter'],
      registers,
      collect() {
        this.reset();
        const snapshot = latest();
        if (snapshot !== null) for (const series of kernelCounterSeries(snapshot)) this.inc({ netns: series.netns, counter: series.counter }, series.value);
      },
    });
    new Counter({
      name: 'netscope_container_state_problems_total',
      help: 'Containers whose runtime state files could not be read (shown by short id), by reason.',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const [reason, count] of Object.entries(latest()?.containerStateProblems ?? {})) this.inc({ reason }, count);
      },
    });
    this.tickDuration = new Histogram({
      name: 'netscope_tick_duration_seconds',
      help: 'How long a tick took: sampling every socket and folding the model.',
      buckets: TICK_DURATION_BUCKETS_SECONDS,
      registers,
    });
    const requestErrors = new Counter({
      name: 'netscope_metrics_request_errors_total',
      help: 'Requests to this endpoint not answered with the metrics, by reason: bad_request (400), not_found (404), method_not_allowed (405), timeout (408), headers_too_large (431), handler_failure (500).',
      labelNames: ['reason'],
      registers,
    });
    const refusedConnections = new Counter({
      name: 'netscope_metrics_connections_refused_total',
      help: 'Connections to this endpoint closed unserved, by reason: connection_limit (as many already open as allowed), accept_error (the accept itself failed).',
      labelNames: ['reason'],
      registers,
    });
    // Every reason from 0, so a rate() over them works from the first scrape on.
    for (const reason of REQUEST_ERROR_REASONS) requestErrors.inc({ reason }, 0);
    for (const reason of CONNECTION_REFUSAL_REASONS) refusedConnections.inc({ reason }, 0);
    answerScrapes(server, {
      scrape: async () => ({ contentType: this.registry.contentType, text: await this.registry.metrics() }),
      requestFailed: (reason) => requestErrors.inc({ reason }),
      connectionRefused: (reason) => refusedConnections.inc({ reason }),
    });
  }

  publish({ snapshot, changes, findings, tickDurationSeconds }: MetricTick): void {
    this.latest = snapshot;
    this.latestFindings = findings;
    observeAll(this.connectLatency, changes.connectLatencies);
    observeAll(this.roundTripTime, changes.roundTripTimes);
    for (const { labels } of changes.removed) {
      this.connectLatency.remove(prometheusLabels(labels));
      this.roundTripTime.remove(prometheusLabels(labels));
    }
    if (tickDurationSeconds !== null) this.tickDuration.observe(tickDurationSeconds);
  }

  async close(): Promise<void> {
    const closed = new Promise((resolve) => this.server.close(resolve));
    // Prometheus keeps its connection open between scrapes.
    this.server.closeAllConnections();
    await closed;
  }
}
