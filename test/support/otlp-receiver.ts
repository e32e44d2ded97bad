/**
 * A stand-in OTLP/HTTP collector on loopback: accepts JSON metric exports on /v1/metrics and
 * keeps them, flattened to data points, for the tests to read.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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

/** An answer no collector should give, to one export. */
export type OddAnswer =
  /** 400 with a reason phrase that clears the screen and turns it red. */
  | 'escape-in-reason'
  /** Bytes that are no HTTP response. */
  | 'not-http'
  /** The connection reset. */
  | 'reset'
  /** 200 with a 5 MiB body, past the exporter's 4 MiB cap. */
  | 'oversized-body'
  /** 200 with a body that is not JSON. */
  | 'not-json';

/** The reason phrase of `escape-in-reason`. */
export const ESCAPING_REASON = '\u001b[2J\u001b[31mgone\u0007';

function answerOddly(odd: OddAnswer, request: IncomingMessage, response: ServerResponse): void {
  switch (odd) {
    case 'escape-in-reason':
      // Straight to the socket: Node refuses to write such a reason phrase itself.
      request.socket.end(`HTTP/1.1 400 ${ESCAPING_REASON}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
      return;
    case 'not-http':
      request.socket.end('\u0016\u0003\u0001garbage\r\n\r\n');
      return;
    case 'reset':
      request.socket.resetAndDestroy();
      return;
    case 'oversized-body':
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(Buffer.alloc(5 * 1024 * 1024, 0x20));
      return;
    case 'not-json':
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('this is not JSON');
      return;
  }
}

/**
 * @param answer `ok` takes every export; `never` reads the body and never answers (a
 * collector that hangs).
 * @param oddAnswers the answers to the first exports, one each, in turn (those exports are not kept).
 */
export async function startOtlpReceiver(answer: 'ok' | 'never' = 'ok', oddAnswers: OddAnswer[] = []): Promise<OtlpReceiver> {
  const pendingOddAnswers = [...oddAnswers];
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
      const odd = pendingOddAnswers.shift();
      if (odd !== undefined) {
        answerOddly(odd, request, response);
        return;
      }
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
