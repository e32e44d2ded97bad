/**
 * A loopback UDP peer run as its own process with its own name (process.title sets comm), for
 * the UDP flow tests. Prints one JSON line per milestone.
 *
 *   udp-peer echo   TITLE HOST PORT REPLY_BYTES     unconnected; answer each datagram with REPLY_BYTES (PORT 0: the kernel picks)
 *   udp-peer client TITLE HOST PORT COUNT BYTES     connect(); send COUNT datagrams of BYTES, each after the previous
 *                                                   one's answer; then wait for a line on stdin before closing
 *   udp-peer sendto TITLE HOST PORT COUNT BYTES     the same, unconnected (sendto each datagram)
 *   udp-peer dns    TITLE HOST PORT                 answer DNS queries for A records with 192.0.2.1
 *   udp-peer query  TITLE HOST PORT NAME            one DNS query for NAME's A record, the answer, close at once
 */
import dgram from 'node:dgram';
import { once } from 'node:events';
import readline from 'node:readline';

const [mode, title, host, portText, ...rest] = process.argv.slice(2);
process.title = title ?? 'udp-peer';
const port = Number(portText);
const family = host?.includes(':') ? 'udp6' : 'udp4';

function say(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ pid: process.pid, ...message })}\n`);
}

async function bound(socket: dgram.Socket, address: string, localPort: number): Promise<number> {
  socket.bind(localPort, address);
  await once(socket, 'listening');
  return socket.address().port;
}

async function runEcho(replyBytes: number): Promise<void> {
  const socket = dgram.createSocket(family);
  let received = 0;
  socket.on('message', (message, from) => {
    received += message.length;
    socket.send(Buffer.alloc(replyBytes, 0x62), from.port, from.address);
  });
  say({ event: 'listening', port: await bound(socket, host!, port) });
  readline.createInterface({ input: process.stdin }).on('line', () => say({ event: 'received', bytes: received }));
}

async function runClient(count: number, bytes: number, connected: boolean): Promise<void> {
  const socket = dgram.createSocket(family);
  await bound(socket, host!, 0);
  if (connected) {
    socket.connect(port, host);
    await once(socket, 'connect');
  }
  say({ event: 'ready', localPort: socket.address().port });
  let received = 0;
  for (let index = 0; index < count; index++) {
    const answered = once(socket, 'message');
    if (connected) socket.send(Buffer.alloc(bytes, 0x61));
    else socket.send(Buffer.alloc(bytes, 0x61), port, host);
    const [message] = (await answered) as [Buffer];
    received += message.length;
  }
  say({ event: 'done', localPort: socket.address().port, received });
  await new Promise((resolve) => readline.createInterface({ input: process.stdin }).once('line', resolve));
  socket.close();
  say({ event: 'closed' });
}

/** A DNS question for NAME's A record (RFC 1035 §4.1), id 0x1234, recursion desired. */
function dnsQuery(name: string): Buffer {
  const labels = name.split('.').flatMap((label) => [Buffer.from([label.length]), Buffer.from(label, 'ascii')]);
  return Buffer.concat([Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]), ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

/** The query with the response bit set and one A record (TTL 60, 192.0.2.1) pointing back at its name. */
function dnsAnswer(query: Buffer): Buffer {
  const header = Buffer.from(query.subarray(0, 12));
  header[2] = 0x81;
  header[3] = 0x80;
  header.writeUInt16BE(1, 6);
  const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
  return Buffer.concat([header, query.subarray(12), answer]);
}

async function runDns(): Promise<void> {
  const socket = dgram.createSocket(family);
  socket.on('message', (query, from) => {
    const answer = dnsAnswer(query);
    socket.send(answer, from.port, from.address);
    say({ event: 'answered', queryBytes: query.length, answerBytes: answer.length, port: from.port });
  });
  say({ event: 'listening', port: await bound(socket, host!, port) });
}

async function runQuery(name: string): Promise<void> {
  const socket = dgram.createSocket(family);
  const query = dnsQuery(name);
  const answered = once(socket, 'message');
  socket.send(query, port, host);
  const [answer] = (await answered) as [Buffer];
  const localPort = socket.address().port;
  socket.close();
  say({ event: 'answered', localPort, queryBytes: query.length, answerBytes: answer.length });
}

switch (mode) {
  case 'echo':
    await runEcho(Number(rest[0]));
    break;
  case 'client':
  case 'sendto':
    await runClient(Number(rest[0]), Number(rest[1]), mode === 'client');
    break;
  case 'dns':
    await runDns();
    break;
  case 'query':
    await runQuery(rest[0]!);
    break;
  default:
    process.stderr.write(`udp-peer: unknown mode ${mode}\n`);
    process.exit(2);
}
