/**
 * A loopback TCP peer run as its own process with its own name (process.title sets comm), so
 * tests can check that netscope names the right process. Prints one JSON line per milestone.
 *
 *   peer server TITLE HOST PORT SEND_BYTES            accept connections; send SEND_BYTES to each, read to EOF
 *   peer client TITLE HOST PORT SEND_BYTES            connect; send, read to EOF, close
 *   peer hold   TITLE HOST PORT BEFORE_BYTES AFTER_BYTES
 *        connect, send BEFORE_BYTES, wait for a line on stdin, send AFTER_BYTES, close
 *   peer stream TITLE HOST PORT BYTES_PER_SECOND SECONDS
 *        connect, send at a steady rate (ten writes a second) for SECONDS, close
 *   peer hammer TITLE HOST PORT COUNT INTERVAL_MS
 *        connect COUNT times, INTERVAL_MS apart, closing each at once; say how many were refused
 */
import net from 'node:net';
import readline from 'node:readline';

const [mode, title, host, portText, ...rest] = process.argv.slice(2);
process.title = title ?? 'peer';
const port = Number(portText);

function say(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ pid: process.pid, ...message })}\n`);
}

function sendAll(socket: net.Socket, bytes: number): Promise<void> {
  return new Promise((resolve) => {
    if (bytes === 0) return resolve();
    socket.write(Buffer.alloc(bytes, 0x61), () => resolve());
  });
}

function connect(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

async function runClient(sendBytes: number): Promise<void> {
  let socket: net.Socket;
  try {
    socket = await connect();
  } catch (error) {
    say({ event: 'error', code: (error as NodeJS.ErrnoException).code });
    return;
  }
  say({ event: 'connected', localPort: socket.localPort });
  let received = 0;
  socket.on('data', (chunk: Buffer) => (received += chunk.length));
  await sendAll(socket, sendBytes);
  socket.end();
  await new Promise((resolve) => socket.once('close', resolve));
  say({ event: 'closed', received });
}

async function runHold(beforeBytes: number, afterBytes: number): Promise<void> {
  const socket = await connect();
  socket.on('data', () => undefined);
  await sendAll(socket, beforeBytes);
  say({ event: 'connected', localPort: socket.localPort });
  await new Promise((resolve) => readline.createInterface({ input: process.stdin }).once('line', resolve));
  await sendAll(socket, afterBytes);
  socket.end();
  await new Promise((resolve) => socket.once('close', resolve));
  say({ event: 'closed' });
  process.exit(0);
}

async function runStream(bytesPerSecond: number, seconds: number): Promise<void> {
  const socket = await connect();
  socket.on('data', () => undefined);
  say({ event: 'connected', localPort: socket.localPort });
  const chunk = Math.max(1, Math.round(bytesPerSecond / 10));
  for (let write = 0; write < seconds * 10; write++) {
    await sendAll(socket, chunk);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  socket.end();
  await new Promise((resolve) => socket.once('close', resolve));
  say({ event: 'closed' });
}

async function runHammer(count: number, intervalMs: number): Promise<void> {
  let refused = 0;
  for (let attempt = 0; attempt < count; attempt++) {
    try {
      (await connect()).destroy();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ECONNREFUSED') refused++;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  say({ event: 'done', refused });
}

function runServer(sendBytes: number): void {
  const server = net.createServer((socket) => {
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.on('end', () => {
      say({ event: 'served', remotePort: socket.remotePort, received });
      socket.end();
    });
    socket.on('error', () => undefined);
    void sendAll(socket, sendBytes);
  });
  server.listen(port, host, () => say({ event: 'listening', port: (server.address() as net.AddressInfo).port }));
}

switch (mode) {
  case 'server':
    runServer(Number(rest[0] ?? 0));
    break;
  case 'client':
    await runClient(Number(rest[0] ?? 0));
    break;
  case 'hold':
    await runHold(Number(rest[0] ?? 0), Number(rest[1] ?? 0));
    break;
  case 'stream':
    await runStream(Number(rest[0] ?? 0), Number(rest[1] ?? 0));
    break;
  case 'hammer':
    await runHammer(Number(rest[0] ?? 0), Number(rest[1] ?? 0));
    break;
  default:
    throw new Error(`unknown peer mode ${mode}`);
}
