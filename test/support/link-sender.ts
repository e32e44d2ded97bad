/**
 * A bulk sender across a delay link (delay-link.ts): the client in the sender's namespace writes
 * 64 KiB at a time as fast as it can, the server in the receiver's namespace reads as fast. One
 * python3 process makes both (a socket belongs to the namespace it was made in, so it enters the
 * receiver's to listen and the sender's to connect) and stays in the sender's, where netscope
 * finds it.
 *
 * The client uses bbr whatever the host's default: the kernel counts sndbuf-limited time only
 * when it transmits after the writer blocked for space (tcp_cwnd_validate()). A paced sender
 * still has data queued then; an unpaced one (cubic or reno without fq) sent each segment as it
 * was written, so its kernel never starts that clock, however small its buffer.
 *
 * The process prints one JSON line, {"serverPort", "clientPort", "sndbuf"}, once both ends are
 * connected; `sndbuf` is what the kernel made of the asked SO_SNDBUF (it doubles it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';
import { RECEIVER_ADDRESS, type DelayLink } from './delay-link.js';

const SCRIPT = String.raw`
import ctypes, json, os, socket, sys, threading
CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
sender_ns, receiver_ns, receiver_address, sndbuf = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def enter(namespace):
    fd = os.open('/run/netns/' + namespace, os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), 'setns ' + namespace)
    os.close(fd)
enter(receiver_ns)
server = socket.socket()
server.bind((receiver_address, 0))
server.listen(1)
enter(sender_ns)
client = socket.socket()
client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
client.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b'bbr')
client.connect((receiver_address, server.getsockname()[1]))
accepted, _ = server.accept()
effective = client.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
print(json.dumps({'serverPort': server.getsockname()[1], 'clientPort': client.getsockname()[1], 'sndbuf': effective}), flush=True)
def read():
    while accepted.recv(1 << 20):
        pass
threading.Thread(target=read, daemon=True).start()
chunk = b'x' * 65536
while True:
    client.sendall(chunk)
`;

export interface LinkSender {
  serverPort: number;
  clientPort: number;
  /** The client's send buffer as the kernel set it, bytes. */
  sndbuf: number;
  stop(): Promise<void>;
}

/** Starts the sender with SO_SNDBUF `sndbuf` (bytes, as asked: the kernel doubles it). */
export async function startLinkSender(link: DelayLink, sndbuf: number): Promise<LinkSender> {
  const child: ChildProcess = spawn('python3', ['-c', SCRIPT, link.senderNamespace, link.receiverNamespace, RECEIVER_ADDRESS, String(sndbuf)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  };
  try {
    const lines = readline.createInterface({ input: child.stdout! });
    const [line] = (await Promise.race([once(lines, 'line'), once(child, 'exit')])) as [string | number | null];
    if (typeof line !== 'string') throw new Error(`the sender across ${link.senderNamespace} exited (${String(line)}) before it connected`);
    return { ...(JSON.parse(line) as { serverPort: number; clientPort: number; sndbuf: number }), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
