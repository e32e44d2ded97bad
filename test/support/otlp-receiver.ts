/**
 * A stand-in OTLP/HTTP collector on loopback: accepts JSON metric exports on /v1/metrics and
 * keeps them, flattened to data points, for the tests to read.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type AttributeValue = string | number | boolean;

interface OtlpKeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
}

interface OtlpDataPoint {
  attributes?: OtlpKeyValue[];
  asInt?: string | number;
  asDouble?: number;
  count?: string | number;
  sum?: number;
  bucketCounts?: (string | number)[];
  explicitBounds?: number[];
  startTimeUnixNano?: string | number;
  timeUnixNano?: string | number;
}

interface OtlpMetric {
  name: string;
  unit?: string;
  sum?: { dataPoints: OtlpDataPoint[]; isMonotonic?: boolean; aggregationTemporality?: number };
  gauge?: { dataPoints: OtlpDataPoint[] };
  histogram?: { dataPoints: OtlpDataPoint[]; aggregationTemporality?: number };
}

interface OtlpExport {
  resourceMetrics: { resource?: { attributes?: OtlpKeyValue[] }; scopeMetrics: { metrics: OtlpMetric[] }[] }[];
}

/** One data point of one export, with its metric's and resource's details. */
export interface ReceivedPoint {
  /** When the export arrived, ms since the epoch. */
  receivedAtMs: number;
  metric: string;
  unit: string | undefined;
  kind: 'sum' | 'gauge' | 'histogram';
  isMonotonic: boolean | undefined;
  attributes: Record<string, AttributeValue>;
  resource: Record<string, AttributeValue>;
  /** Sums and gauges: the value; histograms: the count. */
  value: number;
  /** Histograms only. */
  sum: number | undefined;
  bucketCounts: number[] | undefined;
  explicitBounds: number[] | undefined;
}

export interface OtlpReceiver {
  url: string;
  /** Content types of the POSTs received so far. */
  contentTypes: string[];
  points(metric?: string): ReceivedPoint[];
  exportCount(): number;
  close(): Promise<void>;
}

function attributesOf(list: OtlpKeyValue[] | undefined): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  for (const { key, value } of list ?? []) {
    const scalar = value.stringValue ?? value.boolValue ?? value.doubleValue ?? (value.intValue === undefined ? undefined : Number(value.intValue));
    if (scalar !== undefined) attributes[key] = scalar;
  }
  return attributes;
}

function flatten(body: OtlpExport, receivedAtMs: number): ReceivedPoint[] {
  const points: ReceivedPoint[] = [];
  for (const resourceMetrics of body.resourceMetrics) {
    const resource = attributesOf(resourceMetrics.resource?.attributes);
    for (const scope of resourceMetrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        const kind = metric.sum ? 'sum' : metric.gauge ? 'gauge' : 'histogram';
        const dataPoints = (metric.sum ?? metric.gauge ?? metric.histogram)?.dataPoints ?? [];
        for (const point of dataPoints) {
          points.push({
            receivedAtMs,
            metric: metric.name,
            unit: metric.unit,
            kind,
            isMonotonic: metric.sum?.isMonotonic,
            attributes: attributesOf(point.attributes),
            resource,
            value: Number(point.asInt ?? point.asDouble ?? point.count),
            sum: point.sum,
            bucketCounts: point.bucketCounts?.map(Number),
            explicitBounds: point.explicitBounds,
          });
        }
      }
    }
  }
  return points;
}

/**
 * @param answer `ok` takes every export; `never` reads the body and never answers (a
 * collector that hangs).
 */
export async function startOtlpReceiver(answer: 'ok' | 'never' = 'ok'): Promise<OtlpReceiver> {
  const points: ReceivedPoint[] = [];
  const contentTypes: string[] = [];
  let exports = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/metrics') {
        response.writeHead(404).end();
        return;
      }
      if (answer === 'never') return;
      contentTypes.push(request.headers['content-type'] ?? '');
      exports++;
      points.push(...flatten(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport, Date.now()));
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/metrics`,
    contentTypes,
    points: (metric) => (metric === undefined ? [...points] : points.filter((point) => point.metric === metric)),
    exportCount: () => exports,
    close: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}
