import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { scanSocketOwners } from '../../src/enrich/proc-socket-owners.js';

/** A loopback server with one connected client, both in the child; prints the two ports. */
const SERVER_AND_CLIENT = `
const net = require('node:net');
let ready = 0;
const report = () => { if (++ready === 2) console.log(JSON.stringify({ serverPort: server.address().port, clientPort: client.localPort })); };
let client;
const server = net.createServer(() => report());
server.listen(0, '127.0.0.1', () => { client = net.connect(server.address().port, '127.0.0.1', report); });
`;

interface Ports {
  serverPort: number;
  clientPort: number;
}

describe('scanSocketOwners', () => {
  let child: ChildProcess;
  let ports: Ports;

  before(async () => {
    // stderr not inherited: the test runner's pipe would be a socket shared with lower pids.
    child = spawn(process.execPath, ['-e', SERVER_AND_CLIENT], { stdio: ['ignore', 'pipe', 'ignore'] });
    const lines = createInterface({ input: child.stdout ?? assert.fail('no stdout') });
    const [line] = (await once(lines, 'line')) as [string];
    ports = JSON.parse(line) as Ports;
  });

  after(async () => {
    child.kill('SIGKILL');
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  });

  test("maps every socket in the child's fd table to the child", () => {
    const pid = child.pid ?? assert.fail('child has no pid');
    const childSocketInodes = socketInodesOf(pid);
    assert.ok(childSocketInodes.length >= 3, 'listener, client and accepted sockets');
    const owners = scanSocketOwners();
    for (const inode of childSocketInodes) assert.equal(owners.get(inode), pid, `socket:[${inode}]`);
  });

  test('agrees with ss on the listener and the client socket', () => {
    const owners = scanSocketOwners();
    for (const [state, port] of [['listening', ports.serverPort], ['connected', ports.clientPort]] as const) {
      const line = execFileSync('ss', ['-Htnpe', 'state', state, 'sport', '=', `:${port}`], { encoding: 'utf8' });
      const inode = Number(/\bino:(\d+)/.exec(line)?.[1] ?? assert.fail(`no inode in ss output: ${line}`));
      const pid = Number(/\bpid=(\d+)/.exec(line)?.[1] ?? assert.fail(`no pid in ss output: ${line}`));
      assert.equal(pid, child.pid);
      assert.equal(owners.get(inode), pid, `${state} socket:[${inode}]`);
    }
  });

  test('a socket shared across fork goes to the lowest pid, the parent', async (t) => {
    // bash opens a connection on fd 3, then forks sleep, which inherits it.
    const shell = spawn('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${ports.serverPort}; sleep 30 & wait`], { stdio: 'ignore' });
    t.after(async () => {
      shell.kill('SIGKILL');
      if (shell.exitCode === null && shell.signalCode === null) await once(shell, 'exit');
    });
    const shellPid = shell.pid ?? assert.fail('shell has no pid');
    const sleepPid = await waitFor(() => {
      const [first] = readFileSync(`/proc/${shellPid}/task/${shellPid}/children`, 'utf8').trim().split(' ');
      return first === undefined || first === '' ? undefined : Number(first);
    });
    t.after(() => process.kill(sleepPid, 'SIGKILL'));
    const inode = await waitFor(() => socketInodeOf(sleepPid, 3));
    assert.equal(socketInodeOf(shellPid, 3), inode, 'the same socket in both processes');
    assert.ok(shellPid < sleepPid, 'precondition: the parent has the lower pid');
    assert.equal(scanSocketOwners().get(inode), shellPid);
  });
});

function socketInodesOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/fd`)
    .map((fd) => socketInodeOf(pid, Number(fd)))
    .filter((inode) => inode !== undefined);
}

function socketInodeOf(pid: number, fd: number): number | undefined {
  try {
    const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** Polls until probe returns a value (or throws after 5 s). */
async function waitFor<T>(probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail('timed out');
    await sleep(20);
  }
}
