/**
 * The two sides of the peer-name tests, each run inside a test network namespace:
 *
 *   dns-fixture server ZONE_JSON TCP_PORT [DNS_ADDRESS] [DNS_PORT]
 *        a fake DNS server on DNS_ADDRESS:DNS_PORT (default 127.0.0.1:53; port 0: one the kernel picks, said
 *        in `listening`) answering from ZONE_JSON (name → answer records, as dns-packet writes them: A,
 *        CNAME, PTR), saying each query it receives (`query`, with its name and type), and a TCP
 *        listener on TCP_PORT that holds what it accepts
 *   dns-fixture lookup TITLE NAME TCP_PORT
 *        resolves NAME through the C library (the namespace's own resolv.conf and hosts), connects
 *        to the first address and holds the connection until stdin closes
 *   dns-fixture query TITLE NAME TCP_PORT [DNS_ADDRESS]
 *        asks DNS_ADDRESS:53 (default 127.0.0.1) for NAME in a query of its own (names the C library would refuse:
 *        control characters, past 255 bytes), connects to the first A answer and holds it
 *
 * Prints one JSON line per milestone.
 */
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { answerFromZone, type Zone } from './dns-zone-server.js';

const [mode, ...args] = process.argv.slice(2);

function say(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ pid: process.pid, ...message })}\n`);
}

function serve(zoneJson: string, tcpPort: number, dnsAddress: string, dnsPort: number): void {
  const server = dgram.createSocket('udp4');
  answerFromZone(server, JSON.parse(zoneJson) as Zone, (query) => say({ event: 'query', ...query }));
  const held: net.Socket[] = [];
  const listener = net.createServer((socket) => held.push(socket.on('error', () => {})));
  server.once('error', (error) => say({ event: 'error', message: error.message }));
  server.bind(dnsPort, dnsAddress, () => listener.listen(tcpPort, '0.0.0.0', () => say({ event: 'listening', dnsPort: server.address().port })));
}

async function connectAndHold(address: string, tcpPort: number): Promise<void> {
  const socket = net.connect({ host: address, port: tcpPort });
  socket.on('error', (error) => say({ event: 'error', message: error.message }));
  socket.once('connect', () => say({ event: 'connected', address, localPort: socket.localPort }));
  process.stdin.resume();
  process.stdin.once('end', () => socket.destroy());
}

async function lookupAndConnect(name: string, tcpPort: number): Promise<void> {
  const { address } = await lookup(name, { family: 4 });
  await connectAndHold(address, tcpPort);
}

function queryAndConnect(name: string, tcpPort: number, dnsAddress: string): void {
  const client = dgram.createSocket('udp4');
  client.once('message', (message) => {
    client.close();
    const answer = dnsPacket.decode(message).answers?.find((record) => record.type === 'A');
    if (answer === undefined || answer.type !== 'A') return say({ event: 'error', message: 'no A answer' });
    void connectAndHold(answer.data, tcpPort);
  });
  client.send(dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] }), 53, dnsAddress);
}

if (mode === 'server') serve(args[0] as string, Number(args[1]), args[2] ?? '127.0.0.1', Number(args[3] ?? 53));
else {
  process.title = args[0] ?? 'dns-client';
  if (mode === 'lookup') void lookupAndConnect(args[1] as string, Number(args[2]));
  else queryAndConnect(args[1] as string, Number(args[2]), args[3] ?? '127.0.0.1');
}
