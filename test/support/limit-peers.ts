/**
 * Loopback flows whose limit the kernel can be made to show, each a client and a server in one
 * python3 process: python sets the socket options Node does not reach (SO_SNDBUF) and reads or
 * writes at native speed, so the reader keeps up where a test says it does.
 *
 *   stalled  the server accepts and never reads; the client writes until its buffer is full
 *   bulk     the client writes 64 KiB at a time as fast as it can; the server reads as fast
 *   trickle  the client sends 100 bytes every 100 ms; the server reads
 *
 * The process prints one JSON line, {"serverPort", "clientPort"}, once both ends are connected.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';

export type LimitScenario = 'stalled' | 'bulk' | 'trickle';

const SCRIPT = String.raw`
import json, socket, sys, threading, time
scenario = sys.argv[1]
server = socket.socket()
server.bind(('127.0.0.1', 0))
server.listen(1)
client = socket.socket()
client.connect(server.getsockname())
accepted, _ = server.accept()
print(json.dumps({'serverPort': server.getsockname()[1], 'clientPort': client.getsockname()[1]}), flush=True)
def read():
    while accepted.recv(1 << 20):
        pass
if scenario != 'stalled':
    threading.Thread(target=read, daemon=True).start()
if scenario == 'trickle':
    while True:
        client.sendall(b'x' * 100)
        time.sleep(0.1)
chunk = b'x' * 65536
while True:
    client.sendall(chunk)
`;

export interface LimitPeer {
  serverPort: number;
  clientPort: number;
  stop(): Promise<void>;
}

export async function startLimitPeer(scenario: LimitScenario): Promise<LimitPeer> {
  const child: ChildProcess = spawn('python3', ['-c', SCRIPT, scenario], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  const ports = JSON.parse(line) as { serverPort: number; clientPort: number };
  return {
    ...ports,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}
