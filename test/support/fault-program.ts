/**
 * One loopback fault (or the healthy flow beside them) as its own process with its own name
 * (process.title sets comm), so a test can check that a finding names the culprit. Prints one
 * JSON line per milestone, as peer.ts does.
 *
 *   fault-program sink    TITLE                       listen on 127.0.0.1:0, read and discard everything
 *   fault-program source  TITLE PORT BYTES_PER_SECOND connect, send at that rate (ten writes a second) until killed
 *   fault-program dial    TITLE PORT EVERY_MS GIVE_UP_MS
 *        connect every EVERY_MS (at most MAX_PENDING_DIALS at once); a connect that succeeds is held
 *        until GIVE_UP_MS, one still pending then is abandoned
 *   fault-program leaky-server TITLE                  accept, never close: every peer's close leaves a CLOSE_WAIT socket
 *   fault-program leaky-client TITLE PORT EVERY_MS    connect every EVERY_MS, send a line, close (MAX_LEAKS in all)
 *   fault-program stuck-server TITLE BACKLOG          listen with a small backlog, then never accept (the event loop blocked)
 */
import net from 'node:net';

const [mode, title, ...args] = process.argv.slice(2);
process.title = title ?? 'fault-program';
const HOST = '127.0.0.1';
/** Dials in flight at most: a blackholed port would otherwise pile up SYN_SENT sockets without bound. */
const MAX_PENDING_DIALS = 50;
/** Connections the leaky client makes in all: enough to grow a leak for minutes, not to exhaust ports. */
const MAX_LEAKS = 500;

function say(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ pid: process.pid, ...message })}\n`);
}

function listen(server: net.Server, backlog: number | undefined): void {
  server.listen({ host: HOST, port: 0, ...(backlog === undefined ? {} : { backlog }) }, () =>
    say({ event: 'listening', port: (server.address() as net.AddressInfo).port }),
  );
}

function runSink(): void {
  const server = net.createServer((socket) => {
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
  });
  listen(server, undefined);
}

function runSource(port: number, bytesPerSecond: number): void {
  const socket = net.connect({ host: HOST, port });
  const chunk = Buffer.alloc(Math.max(1, Math.round(bytesPerSecond / 10)), 0x61);
  socket.on('error', (error) => say({ event: 'error', code: (error as NodeJS.ErrnoException).code }));
  socket.once('connect', () => {
    say({ event: 'connected', localPort: socket.localPort });
    // A write waits for the previous one to drain: a lossy path slows the sender instead of queueing without bound.
    const writeNext = () => socket.write(chunk, () => setTimeout(writeNext, 100));
    writeNext();
  });
}

function runDial(port: number, everyMs: number, giveUpMs: number): void {
  let pending = 0;
  let refused = 0;
  setInterval(() => {
    if (pending >= MAX_PENDING_DIALS) return;
    pending++;
    const socket = net.connect({ host: HOST, port });
    const finish = () => {
      clearTimeout(giveUp);
      socket.destroy();
    };
    const giveUp = setTimeout(finish, giveUpMs);
    socket.once('close', () => pending--);
    socket.on('error', (error) => {
      if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED' && ++refused === 1) say({ event: 'refused' });
      finish();
    });
  }, everyMs);
  say({ event: 'dialling' });
}

function runLeakyServer(): void {
  // allowHalfOpen: the peer's FIN does not make Node close its side; nothing else ever does.
  const held: net.Socket[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    held.push(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
  });
  listen(server, undefined);
}

function runLeakyClient(port: number, everyMs: number): void {
  let made = 0;
  const timer = setInterval(() => {
    if (++made >= MAX_LEAKS) clearInterval(timer);
    const socket = net.connect({ host: HOST, port }, () => socket.end('bye\n'));
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
  }, everyMs);
  say({ event: 'dialling' });
}

function runStuckServer(backlog: number): void {
  const server = net.createServer(() => undefined);
  server.listen({ host: HOST, port: 0, backlog }, () => {
    say({ event: 'listening', port: (server.address() as net.AddressInfo).port });
    // A hung application: the event loop never runs again, so libuv never calls accept() and the
    // kernel's queue fills. stdout is a pipe, written synchronously, so the line above is out.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  });
}

const numbers = args.map(Number);
switch (mode) {
  case 'sink':
    runSink();
    break;
  case 'source':
    runSource(numbers[0]!, numbers[1]!);
    break;
  case 'dial':
    runDial(numbers[0]!, numbers[1]!, numbers[2]!);
    break;
  case 'leaky-server':
    runLeakyServer();
    break;
  case 'leaky-client':
    runLeakyClient(numbers[0]!, numbers[1]!);
    break;
  case 'stuck-server':
    runStuckServer(numbers[0]!);
    break;
  default:
    throw new Error(`unknown fault-program mode ${mode}`);
}
