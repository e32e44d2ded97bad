/**
 * Many open, idle loopback connections, held by a few processes — the "20,000 connections"
 * host: one process cannot hold more sockets than its fd hard limit (20,000 here), so the
 * connections are spread over servers and clients, each under its limit.
 *
 * Run as a script it is one holder:
 *
 *   open-connections server --connections N     listens on 127.0.0.1, accepts N, holds them
 *   open-connections client --port P --connections N
 *                                                opens N to P (200 in flight), holds them
 *
 * and prints JSON lines: `{"event":"listening","port":…}` (server), `{"event":"held","count":…}`
 * once all N are open. It holds them until killed. Node raises its soft RLIMIT_NOFILE to the
 * hard limit when it starts, so each holder may use up to the hard limit.
 *
 * Imported, `holdOpenConnections(total)` starts 2 servers and 4 clients and resolves once
 * every connection is open on both ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HOST = '127.0.0.1';
/** Connects in flight per client: well under the listen backlog. */
const CONNECTS_IN_FLIGHT = 200;
const SERVERS = 2;
const CLIENTS_PER_SERVER = 2;

const scriptPath = fileURLToPath(import.meta.url);

interface HolderMessage {
  event: 'listening' | 'held';
  port?: number;
  count?: number;
}

/** Open connections held by child processes until `stop()`. */
export interface OpenConnections {
  /** Connections open (each is two sockets on this host). */
  connections: number;
  /** The holders' pids: 2 servers, then 4 clients. */
  pids: number[];
  /** The servers' ports. */
  ports: number[];
  stop(): void;
}

function startHolder(args: string[]): { child: ChildProcess; next(event: HolderMessage['event']): Promise<HolderMessage> } {
  const child = spawn(process.execPath, [scriptPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const seen: HolderMessage[] = [];
  const waiters: { event: string; resolve: (message: HolderMessage) => void }[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as HolderMessage;
    seen.push(message);
    for (const waiter of waiters.filter((candidate) => candidate.event === message.event)) waiter.resolve(message);
  });
  const died = new Promise<never>((_resolve, reject) =>
    child.once('close', (code, signal) => reject(new Error(`open-connections ${args[0]} exited ${code ?? signal}: ${stderr.trim().split('\n').at(-1) ?? ''}`))),
  );
  void died.catch(() => undefined);
  return {
    child,
    next: (event) => {
      const already = seen.find((message) => message.event === event);
      if (already) return Promise.resolve(already);
      return Promise.race([new Promise<HolderMessage>((resolve) => waiters.push({ event, resolve })), died]);
    },
  };
}

/** Opens `total` loopback connections (a multiple of 4), held by 2 server and 4 client processes. */
export async function holdOpenConnections(total: number): Promise<OpenConnections> {
  const perServer = total / SERVERS;
  const perClient = perServer / CLIENTS_PER_SERVER;
  if (!Number.isInteger(perClient)) throw new Error(`open-connections: ${total} is not a multiple of ${SERVERS * CLIENTS_PER_SERVER}`);
  const children: ChildProcess[] = [];
  const stop = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    const servers = Array.from({ length: SERVERS }, () => startHolder(['server', '--connections', String(perServer)]));
    children.push(...servers.map((server) => server.child));
    const ports = await Promise.all(servers.map(async (server) => (await server.next('listening')).port!));
    const clients = ports.flatMap((port) =>
      Array.from({ length: CLIENTS_PER_SERVER }, () => startHolder(['client', '--port', String(port), '--connections', String(perClient)])),
    );
    children.push(...clients.map((client) => client.child));
    await Promise.all([...servers, ...clients].map((holder) => holder.next('held')));
    return { connections: total, pids: children.map((child) => child.pid!), ports, stop };
  } catch (error) {
    stop();
    throw error;
  }
}

// ————————————————————————————————————————— the holder process
function say(message: HolderMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

async function serve(connections: number): Promise<void> {
  const held: net.Socket[] = [];
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    held.push(socket);
    if (held.length === connections) {
      // Every connection is in; accept no more (and free the listening socket's fd).
      server.close();
      say({ event: 'held', count: held.length });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: HOST, port: 0, backlog: 4096 }, resolve);
  });
  say({ event: 'listening', port: (server.address() as net.AddressInfo).port });
}

async function connectAll(port: number, connections: number): Promise<void> {
  const held: net.Socket[] = [];
  let started = 0;
  const connectOne = () =>
    new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: HOST, port });
      socket.once('connect', () => {
        socket.on('error', () => undefined);
        held.push(socket);
        resolve();
      });
      socket.once('error', reject);
    });
  const worker = async () => {
    while (started < connections) {
      started++;
      await connectOne();
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONNECTS_IN_FLIGHT, connections) }, worker));
  say({ event: 'held', count: held.length });
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { connections: { type: 'string' }, port: { type: 'string' } },
  });
  const connections = Number(values.connections);
  if (!(connections > 0)) throw new Error('open-connections: --connections N');
  process.title = `ns-hold-${positionals[0]}`;
  if (positionals[0] === 'server') await serve(connections);
  else if (positionals[0] === 'client') await connectAll(Number(values.port), connections);
  else throw new Error('open-connections: server|client');
  // Hold until killed.
  setInterval(() => undefined, 1 << 30);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === scriptPath) await main();
