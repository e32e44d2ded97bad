/**
 * Where a running netscope allocates, and what of it outlives the young generation: V8's
 * sampling heap profiler over the inspector protocol, for a few seconds, counting the objects
 * the collectors freed too (a heap snapshot shows only what is live). Start netscope under
 * `--inspect=127.0.0.1:9229` (bin/node-runtime with bin/netscope's flags, then dist/src/cli.js),
 * then:
 *
 *   bin/node-runtime dist/bench/allocation-profile.js [--seconds 5] [--promoted]
 *
 * --promoted leaves out what a scavenge freed: what is left was promoted to the old generation
 * (or is still live), the garbage that makes the heap grow between full collections.
 * Prints bytes sampled by function, and by the last four frames.
 */
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  callFrame: CallFrame;
  selfSize: number;
  children: ProfileNode[];
}

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    promoted: { type: 'boolean', default: false },
    port: { type: 'string', default: '9229' },
  },
});
const seconds = Number(values.seconds);
const MiB = 1024 * 1024;

const targets = (await (await fetch(`http://127.0.0.1:${values.port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
const target = targets[0];
if (target === undefined) {
  process.stderr.write(`allocation-profile: nothing to profile on port ${values.port} (start netscope with --inspect=127.0.0.1:${values.port})\n`);
  process.exit(2);
}
const socket = new WebSocket(target.webSocketDebuggerUrl);
await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
const pending = new Map<number, (result: unknown) => void>();
socket.addEventListener('message', (message) => {
  const reply = JSON.parse(String(message.data)) as { id?: number; result?: unknown };
  if (reply.id !== undefined) pending.get(reply.id)?.(reply.result);
});
let nextId = 0;
function send<T>(method: string, params: object = {}): Promise<T> {
  const id = ++nextId;
  return new Promise((resolve) => {
    pending.set(id, resolve as (result: unknown) => void);
    socket.send(JSON.stringify({ id, method, params }));
  });
}

await send('HeapProfiler.enable');
await send('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !values.promoted });
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const { profile } = await send<{ profile: { head: ProfileNode } }>('HeapProfiler.stopSampling');
socket.close();

const byFunction = new Map<string, number>();
const byStack = new Map<string, number>();
let total = 0;
const frameName = ({ functionName, url, lineNumber }: CallFrame) => `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
const walk = (node: ProfileNode, stack: string[]) => {
  const here = [...stack, frameName(node.callFrame)];
  if (node.selfSize > 0) {
    total += node.selfSize;
    byFunction.set(here.at(-1)!, (byFunction.get(here.at(-1)!) ?? 0) + node.selfSize);
    const key = here.slice(-4).reverse().join(' < ');
    byStack.set(key, (byStack.get(key) ?? 0) + node.selfSize);
  }
  for (const child of node.children) walk(child, here);
};
walk(profile.head, []);

const top = (sizes: Map<string, number>) =>
  [...sizes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)
    .map(([name, bytes]) => `${(bytes / MiB).toFixed(1).padStart(7)} MiB  ${name}`)
    .join('\n');
process.stdout.write(`${(total / MiB).toFixed(1)} MiB ${values.promoted ? 'promoted (or live)' : 'allocated'} in ${seconds} s, sampled\n${top(byFunction)}\n\nby the last four frames:\n${top(byStack)}\n`);
