/** HTTP over a raw TCP connection on loopback, for requests no HTTP client would send. */
import net from 'node:net';

/** How long a connection is given to be answered and closed by the server before the client gives up. */
const CLOSE_DEADLINE_MS = 5000;

export interface RawExchange {
  /** The status code of each response, in the order received. */
  statuses: number[];
  /** Everything received, as latin1 (one character a byte). */
  received: string;
  /** Whether the server closed (or reset) the connection within the deadline. */
  closedByServer: boolean;
}

/** A connection to 127.0.0.1:`port` that sends nothing until told. */
export interface RawConnection {
  socket: net.Socket;
  /** Resolves when the connection is closed, by either side. */
  closed: Promise<void>;
  /** Everything received so far, as latin1. */
  received(): string;
  /** Resolves once what was received matches `pattern`; rejects if the connection closes or the deadline passes first. */
  receivedMatch(pattern: RegExp): Promise<void>;
}

export async function openRawConnection(port: number): Promise<RawConnection> {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  // A reset from the server is one way of being closed.
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    closed.then(() => reject(new Error(`connection to port ${port} closed before it was established`)));
  });
  const receivedMatch = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(received)) return;
        finish();
        resolve();
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`nothing matching ${pattern} within ${CLOSE_DEADLINE_MS} ms; received ${JSON.stringify(received)}`));
      }, CLOSE_DEADLINE_MS);
      const onClose = () => {
        finish();
        reject(new Error(`connection closed before anything matched ${pattern}; received ${JSON.stringify(received)}`));
      };
      const finish = () => {
        clearTimeout(timer);
        socket.off('data', check);
        socket.off('close', onClose);
      };
      socket.on('data', check);
      socket.once('close', onClose);
      check();
    });
  return { socket, closed, received: () => received, receivedMatch };
}

/** The status line of every response in `received`. */
export function statusesIn(received: string): number[] {
  return [...received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => Number(match[1]));
}

/**
 * Sends `chunks` one write each (`halfClose`: then shuts down the sending side), and waits for
 * the server to close the connection; a connection still open at the deadline is destroyed.
 */
export async function rawExchange(port: number, chunks: (string | Buffer)[], options: { halfClose?: boolean } = {}): Promise<RawExchange> {
  const connection = await openRawConnection(port);
  for (const chunk of chunks) connection.socket.write(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
  if (options.halfClose === true) connection.socket.end();
  const closedByServer = await serverCloses(connection);
  connection.socket.destroy();
  const received = connection.received();
  return { statuses: statusesIn(received), received, closedByServer };
}

/** Whether the server closes `connection` within the deadline (the client never does). */
export async function serverCloses(connection: RawConnection): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    connection.closed.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_DEADLINE_MS))),
  ]);
  clearTimeout(timer);
  return closed;
}

/** `METHOD TARGET HTTP/1.1` with a Host and `Connection: close`, then `extraHeaders`, as one request head. */
export function requestHead(method: string, target: string, extraHeaders: string[] = []): string {
  return [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...extraHeaders, 'Connection: close', '', ''].join('\r\n');
}
