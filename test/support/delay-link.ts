/**
 * A slow link between two network namespaces of a test's own: a round trip that loopback never
 * has. A kernel built without netem and fq (this host's: no EDT delay either) cannot add one, so
 * a python3 process carries the packets: it opens a TUN device in each namespace and writes
 * every packet it reads from one into the other after a fixed one-way delay, serialised at a
 * fixed rate, dropping what would wait longer than `MAX_QUEUE_S` (a link's finite buffer).
 *
 * The TUN devices are the process's own (not persistent): they vanish when it dies, however it dies.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import readline from 'node:readline';

/** The two ends' addresses, private to the two namespaces. */
const SENDER_ADDRESS = '10.201.0.1';
export const RECEIVER_ADDRESS = '10.201.0.2';

const SCRIPT = String.raw`
import collections, ctypes, fcntl, os, select, struct, subprocess, sys, time
CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454ca
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
MAX_QUEUE_S = 0.2
libc = ctypes.CDLL(None, use_errno=True)
sender_ns, receiver_ns, delay_s, rate_bps = sys.argv[1], sys.argv[2], float(sys.argv[3]) / 1000, float(sys.argv[4])

def tun_in(namespace, local, peer):
    # A TUN device is created in the namespace of the thread that opens it.
    namespace_fd = os.open('/run/netns/' + namespace, os.O_RDONLY)
    if libc.setns(namespace_fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), 'setns ' + namespace)
    os.close(namespace_fd)
    fd = os.open('/dev/net/tun', os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', b'link0', IFF_TUN | IFF_NO_PI))
    subprocess.run(['ip', '-n', namespace, 'addr', 'add', local, 'peer', peer, 'dev', 'link0'], check=True)
    subprocess.run(['ip', '-n', namespace, 'link', 'set', 'link0', 'up'], check=True)
    return fd

class Direction:
    def __init__(self, out):
        self.out, self.queue, self.free_at = out, collections.deque(), 0.0
    def arrive(self, packet, now):
        start = max(now, self.free_at)
        if start - now > MAX_QUEUE_S:
            return
        self.free_at = start + len(packet) * 8 / rate_bps
        self.queue.append((self.free_at + delay_s, packet))
    def release(self, now):
        while self.queue and self.queue[0][0] <= now:
            os.write(self.out, self.queue.popleft()[1])

sender = tun_in(sender_ns, sys.argv[5], sys.argv[6])
receiver = tun_in(receiver_ns, sys.argv[6], sys.argv[5])
directions = {sender: Direction(receiver), receiver: Direction(sender)}
print('ready', flush=True)
while True:
    dues = [d.queue[0][0] for d in directions.values() if d.queue]
    timeout = max(0.0, min(dues) - time.monotonic()) if dues else None
    readable, _, _ = select.select(list(directions), [], [], timeout)
    now = time.monotonic()
    for fd in readable:
        while True:
            try:
                packet = os.read(fd, 65536)
            except BlockingIOError:
                break
            directions[fd].arrive(packet, now)
    for direction in directions.values():
        direction.release(now)
`;

export interface DelayLinkOptions {
  /** Delay each way, ms: the round trip is twice this. */
  oneWayDelayMs: number;
  /** The link's rate each way, bits/s. */
  rateBitsPerSecond: number;
}

/** A 40 ms round trip at 20 Mbit/s: a bandwidth-delay product of 100 KB. */
export const SLOW_LINK: DelayLinkOptions = { oneWayDelayMs: 20, rateBitsPerSecond: 20_000_000 };

export interface DelayLink {
  /** The namespaces' names under /run/netns: the sender's end is `SENDER_ADDRESS`, the receiver's `RECEIVER_ADDRESS`. */
  senderNamespace: string;
  receiverNamespace: string;
  /** Stops the carrier (its TUN devices go with it) and deletes both namespaces; safe to call twice. */
  remove(): Promise<void>;
}

/** Makes namespaces `<prefix>-s` and `<prefix>-r` (loopback up) joined by the delay link. */
export async function startDelayLink(prefix: string, options: DelayLinkOptions): Promise<DelayLink> {
  const senderNamespace = `${prefix}-s`;
  const receiverNamespace = `${prefix}-r`;
  const made: string[] = [];
  let carrier: ChildProcess | null = null;
  const remove = async () => {
    if (carrier !== null && carrier.exitCode === null && carrier.signalCode === null) {
      carrier.kill('SIGKILL');
      await once(carrier, 'exit');
    }
    for (const namespace of made.splice(0)) execFileSync('ip', ['netns', 'del', namespace]);
  };
  try {
    for (const namespace of [senderNamespace, receiverNamespace]) {
      execFileSync('ip', ['netns', 'add', namespace]);
      made.push(namespace);
      execFileSync('ip', ['-n', namespace, 'link', 'set', 'lo', 'up']);
    }
    const args = [senderNamespace, receiverNamespace, String(options.oneWayDelayMs), String(options.rateBitsPerSecond), SENDER_ADDRESS, RECEIVER_ADDRESS];
    carrier = spawn('python3', ['-c', SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = once(carrier, 'exit').then(([code]) => {
      throw new Error(`the delay link between ${senderNamespace} and ${receiverNamespace} exited (${String(code)}) before it was ready`);
    });
    await Promise.race([once(readline.createInterface({ input: carrier.stdout! }), 'line'), exited]);
    exited.catch(() => undefined);
  } catch (error) {
    await remove();
    throw error;
  }
  return { senderNamespace, receiverNamespace, remove };
}
