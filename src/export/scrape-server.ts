/**
 * The HTTP side of --prometheus: a server that answers `GET /metrics` and nothing else, and
 * that no request can stop. Whatever arrives — a request-target `new URL` would throw on, bad
 * framing, headers too large, a client too slow, a scrape that fails — is answered with a 4xx
 * or 5xx (or the connection closed), counted by reason, and never reaches the process.
 *
 * It is bounded for a port that may be reachable by anyone on the network: a scraper needs one
 * connection for a few milliseconds every 15 to 60 s, so connections, their idle time and the
 * size of a request head are capped (see {@link ScrapeServerLimits}).
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { requestPath } from './request-target.js';

/** How much a client may hold, and for how long. */
export interface ScrapeServerLimits {
  /** Connections open at once; one more is closed as soon as it is accepted. Default 64. */
  maxConnections: number;
  /** The request line and headers together, in bytes; a larger head is answered 431. Default 16 KiB. */
  maxHeaderBytes: number;
  /**
   * From a new connection, or a request's first byte, to the end of the request's headers, ms;
   * slower — a connection that sends nothing included — is answered 408 and closed. Checked
   * every second (every headersTimeoutMs when shorter). Default 10 s.
   */
  headersTimeoutMs: number;
  /** The same, to the end of the request's body, ms; at least headersTimeoutMs. Default 15 s. */
  requestTimeoutMs: number;
  /**
   * No byte in or out for this long while a request is read or answered, and the connection is
   * closed without an answer, ms: a client that stops reading its answer. Default 20 s.
   */
  idleTimeoutMs: number;
  /**
   * Between requests on a kept-alive connection, ms; then it is closed. Default 65 s: longer
   * than Prometheus' default scrape interval (1 min), so a scraper at 15 s to 1 min keeps its
   * one connection; a slower one reconnects, which costs a handshake.
   */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_SCRAPE_SERVER_LIMITS: ScrapeServerLimits = {
  maxConnections: 64,
  maxHeaderBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 15_000,
  idleTimeoutMs: 20_000,
  keepAliveTimeoutMs: 65_000,
};

/** The most often request timeouts are looked for, ms. */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

/** Why a request was not answered with the metrics: bad_request 400, not_found 404, method_not_allowed 405, timeout 408, headers_too_large 431, handler_failure 500. */
export const REQUEST_ERROR_REASONS = ['bad_request', 'not_found', 'method_not_allowed', 'timeout', 'headers_too_large', 'handler_failure'] as const;
export type RequestErrorReason = (typeof REQUEST_ERROR_REASONS)[number];

/** Why a connection was closed unserved: the connection limit was reached, or the accept itself failed (out of kernel buffers, a network error pending on it). */
export const CONNECTION_REFUSAL_REASONS = ['connection_limit', 'accept_error'] as const;
export type ConnectionRefusalReason = (typeof CONNECTION_REFUSAL_REASONS)[number];

/** What the server does with what it receives. */
export interface ScrapeHandlers {
  /** The metrics, produced for one `GET /metrics`. */
  scrape(): Promise<{ contentType: string; text: string }>;
  requestFailed(reason: RequestErrorReason): void;
  connectionRefused(reason: ConnectionRefusalReason): void;
}

/** The reasons answered without asking the scrape. */
type RefusalReason = Exclude<RequestErrorReason, 'handler_failure'>;

const REFUSALS: Record<RefusalReason, { status: number; body: string }> = {
  bad_request: { status: 400, body: 'bad request: netscope serves GET /metrics\n' },
  not_found: { status: 404, body: 'netscope serves its metrics on /metrics\n' },
  method_not_allowed: { status: 405, body: 'GET /metrics\n' },
  timeout: { status: 408, body: 'request too slow\n' },
  headers_too_large: { status: 431, body: 'request headers too large\n' },
};

const PLAIN_TEXT = 'text/plain; charset=utf-8';

/** What a parse or transport error on a connection is answered with; null when the client is gone (a reset). */
function clientErrorReason(code: string | undefined): RefusalReason | null {
  if (code === 'HPE_HEADER_OVERFLOW') return 'headers_too_large';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'timeout';
  if (code?.startsWith('HPE_')) return 'bad_request';
  return null;
}

/** An answer written straight to the socket: there is no response object for a request that could not be parsed. */
function rawAnswer(reason: RefusalReason): string {
  const { status, body } = REFUSALS[reason];
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
    `Content-Type: ${PLAIN_TEXT}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/** A server configured with `limits`, not yet answering or listening. */
export function createScrapeServer(limits: ScrapeServerLimits): Server {
  const server = createServer({
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, limits.headersTimeoutMs),
    // Checked in answer(), so that the 400 is counted like every other.
    requireHostHeader: false,
  });
  server.maxConnections = limits.maxConnections;
  // With no 'timeout' listener, Node destroys the idle socket.
  server.setTimeout(limits.idleTimeoutMs);
  return server;
}

/** Answers every request and every error of `server` through `handlers`. */
export function answerScrapes(server: Server, handlers: ScrapeHandlers): void {
  /** Requests of each connection whose answer has not finished: an error answer must not land inside one. */
  const answersInFlight = new WeakMap<Duplex, number>();
  /** Connections already refused: the parser repeats its error for every chunk that still arrives. */
  const refusedConnections = new WeakSet<Duplex>();
  /** Refusals waiting for the answers in flight before them on their connection (pipelined requests). */
  const pendingRefusals = new WeakMap<Duplex, RefusalReason>();

  /**
   * Writes the refusal straight to the socket, flushed, then closes it: a client that never
   * closes its side holds nothing. Counted only when sent: a connection already closing was
   * closed by an answer to the same request (the body of a request refused 405 is malformed).
   */
  const sendRefusal = (socket: Duplex, reason: RefusalReason) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    handlers.requestFailed(reason);
    socket.end(rawAnswer(reason));
    (socket as Socket).destroySoon();
  };

  const answerFinished = (socket: Duplex) => {
    const left = (answersInFlight.get(socket) ?? 1) - 1;
    answersInFlight.set(socket, left);
    const pending = pendingRefusals.get(socket);
    if (left === 0 && pending !== undefined) sendRefusal(socket, pending);
  };

  const refuse = (response: ServerResponse, reason: RefusalReason) => {
    handlers.requestFailed(reason);
    const { status, body } = REFUSALS[reason];
    const headers: Record<string, string> = { 'Content-Type': PLAIN_TEXT };
    if (reason === 'method_not_allowed') headers.Allow = 'GET, HEAD';
    // After a request netscope cannot read, what follows it on the connection cannot be trusted either.
    if (reason === 'bad_request') headers.Connection = 'close';
    response.writeHead(status, headers).end(body);
  };

  const answer = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = requestPath(request.url ?? '');
    // RFC 9112 §3.2: an HTTP/1.1 request without Host is answered 400.
    if (path === null || (request.httpVersion === '1.1' && request.headers.host === undefined)) return refuse(response, 'bad_request');
    if (path !== '/metrics') return refuse(response, 'not_found');
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(response, 'method_not_allowed');
    const { contentType, text } = await handlers.scrape();
    response.writeHead(200, { 'Content-Type': contentType });
    response.end(request.method === 'HEAD' ? undefined : text);
  };

  /** A request whose answer threw: a 500 if nothing of it was sent yet, else the connection closed. Never throws. */
  const answerFailure = (response: ServerResponse, error: unknown) => {
    handlers.requestFailed('handler_failure');
    try {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      response.writeHead(500, { 'Content-Type': PLAIN_TEXT, Connection: 'close' }).end(`netscope could not produce its metrics: ${reason}\n`);
    } catch {
      response.destroy();
    }
  };

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const { socket } = request;
    answersInFlight.set(socket, (answersInFlight.get(socket) ?? 0) + 1);
    response.once('close', () => answerFinished(socket));
    answer(request, response).catch((error: unknown) => answerFailure(response, error));
  });

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (refusedConnections.has(socket)) return;
    const reason = clientErrorReason(error.code);
    if (reason === null) {
      socket.destroy();
      return;
    }
    refusedConnections.add(socket);
    if ((answersInFlight.get(socket) ?? 0) > 0) pendingRefusals.set(socket, reason);
    else sendRefusal(socket, reason);
  });

  server.on('drop', () => handlers.connectionRefused('connection_limit'));
  // After listening, the server's only errors are failed accepts (ENOBUFS, or a network error
  // pending on the new connection; libuv itself sheds connections on EMFILE): it keeps listening.
  server.on('error', () => handlers.connectionRefused('accept_error'));
}
