/**
 * A child for the gauge tests, run inside a test's network namespace: it listens on one port and
 * piles up loopback connections to it in the states the tests count. Commands on stdin, one a
 * line; each is answered with one JSON line on stdout once its sockets reached their states.
 *   open N       N more connections, each accepted (ESTABLISHED on both sides)
 *   timewait N   N of them closed by the client first, then the server: the client's side is TIME_WAIT
 *   closewait N  N of them closed by the client only: the server's side is CLOSE_WAIT, the
 *                client's an orphaned FIN_WAIT2 (a timewait sock)
 * Usage: socket-pile PORT
 */
import net from 'node:net';
import readline from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

interface Pair {
  client: net.Socket;
  server: net.Socket;
}

const port = Number(process.argv[2]);
const accepted: net.Socket[] = [];
const open: Pair[] = [];
const server = net.createServer({ allowHalfOpen: true }, (socket) => {
  socket.resume();
  accepted.push(socket);
});

function say(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ pid: process.pid, ...message })}\n`);
}

async function openOne(): Promise<Pair> {
  const before = accepted.length;
  const client = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  client.resume();
  await new Promise((resolve, reject) => client.once('connect', resolve).once('error', reject));
  while (accepted.length === before) await sleep(1);
  return { client, server: accepted.at(-1) as net.Socket };
}

async function run(command: string, count: number): Promise<void> {
  switch (command) {
    case 'open':
      for (let index = 0; index < count; index++) open.push(await openOne());
      return;
    case 'timewait':
      await Promise.all(
        open.splice(0, count).map(async ({ client, server: accepted }) => {
          accepted.once('end', () => accepted.end());
          const closed = new Promise((resolve) => client.once('close', resolve));
          client.end();
          await closed;
        }),
      );
      return;
    case 'closewait':
      await Promise.all(
        open.splice(0, count).map(async ({ client, server: accepted }) => {
          const ended = new Promise((resolve) => accepted.once('end', resolve));
          client.destroy();
          await ended;
        }),
      );
      // The client's FIN was acknowledged: give its side the moment to become a timewait sock.
      await sleep(50);
      return;
    default:
      throw new Error(`unknown command ${command}`);
  }
}

server.listen(port, '127.0.0.1', () => {
  say({ event: 'listening', port });
  const lines = readline.createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    const [command = '', count = '0'] = line.trim().split(/\s+/);
    queue = queue.then(async () => {
      await run(command, Number(count));
      say({ event: 'done', command, count: Number(count) });
    });
  });
  lines.on('close', () => process.exit(0));
});
