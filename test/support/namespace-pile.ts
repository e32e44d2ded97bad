/** A network namespace of a test's own with a socket-pile child in it (see socket-pile.ts). */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { packageRoot } from '../../src/probes/package-paths.js';

const pileScript = path.join(packageRoot, 'dist/test/support/socket-pile.js');

export interface NamespacePile {
  /** The namespace's name under /run/netns. */
  name: string;
  /** Its inode: the netns netscope reports. */
  netns: number;
  /** The pile's pid (ip netns exec execs it). */
  pid: number;
  /** Runs one pile command (`open 5`, `timewait 3`, `closewait 2`) and waits for its answer. */
  run(command: string): Promise<void>;
  /** Sockets `ss -tan state STATE` lists in the namespace. */
  ssCount(state: string): number;
  /** Stops the pile and deletes the namespace. */
  remove(): void;
}

/**
 * Makes namespace `name` (loopback up), sets `sysctls` in it (`net.ipv4.ip_local_port_range=40000 40009`),
 * and starts the pile listening on `port` in it.
 */
export async function startNamespacePile(name: string, port: number, sysctls: readonly string[] = []): Promise<NamespacePile> {
  execFileSync('ip', ['netns', 'add', name]);
  execFileSync('ip', ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  for (const setting of sysctls) execFileSync('ip', ['netns', 'exec', name, 'sysctl', '-qw', setting]);
  const child: ChildProcess = spawn('ip', ['netns', 'exec', name, process.execPath, pileScript, String(port)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const answers: ((line: string) => void)[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => answers.shift()?.(line));
  const answer = () =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the socket pile in ${name} did not answer`)), 20_000);
      answers.push((line) => (clearTimeout(timer), resolve(line)));
    });
  await answer();
  return {
    name,
    netns: statSync(`/run/netns/${name}`).ino,
    pid: child.pid!,
    async run(command) {
      const answered = answer();
      child.stdin!.write(`${command}\n`);
      await answered;
    },
    ssCount(state) {
      const listed = execFileSync('ip', ['netns', 'exec', name, 'ss', '-tanH', 'state', state], { encoding: 'utf8' });
      return listed.split('\n').filter((line) => line.trim() !== '').length;
    },
    remove() {
      child.kill('SIGKILL');
      execFileSync('ip', ['netns', 'del', name]);
    },
  };
}
