/**
 * Secrets on a command line never reach the snapshot or the screen: a real process started
 * with `--password=hunter2 --db-token s3cr3t` holds a connection while netscope watches.
 * `--show-secrets` is the explicit opt-out (and proves the strings were there to hide).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packageRoot } from '../../src/probes/package-paths.js';
import { runNetscope } from '../support/processes.js';
import { TmuxSession } from '../support/tmux.js';

const SECRETS = ['hunter2', 's3cr3t'];

describe('secrets in command lines', () => {
  let server: net.Server;
  let holder: ChildProcess;

  before(async () => {
    server = net.createServer((socket) => socket.resume()).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as net.AddressInfo;
    // argv after `--` is the process's own command line, as a database client's would be.
    holder = spawn(
      path.join(packageRoot, 'bin/node-runtime'),
      ['-e', `const s = require('net').connect(${port}, '127.0.0.1'); setInterval(() => s.write('x'), 100)`, '--', '--password=hunter2', '--db-token', 's3cr3t'],
      { stdio: 'ignore' },
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
  });

  after(() => {
    holder.kill('SIGKILL');
    server.close();
  });

  it('are redacted in the JSON snapshot, flag names kept', async () => {
    const { code, stdout } = await runNetscope(['--json', '--duration', '1.5', '--pid', String(holder.pid)]).done;
    assert.equal(code, 0);
    const [process] = JSON.parse(stdout).processes as { cmdline: string }[];
    assert.ok(process, 'the holder is listed');
    assert.match(process.cmdline, /--password=\*\*\* --db-token \*\*\*/);
    for (const secret of SECRETS) assert.ok(!stdout.includes(secret), `${secret} is not in the snapshot`);
  });

  it('are shown only with --show-secrets', async () => {
    const { stdout } = await runNetscope(['--json', '--duration', '1.5', '--pid', String(holder.pid), '--show-secrets']).done;
    for (const secret of SECRETS) assert.ok(stdout.includes(secret), `${secret} is shown when asked for`);
  });

  it('never appear on screen', async () => {
    const session = new TmuxSession(`${path.join(packageRoot, 'bin/netscope')} -p ${holder.pid}`, { width: 200, height: 30 });
    try {
      // The connection's page shows the whole command line.
      await session.waitFor((text) => text.includes('127.0.0.1'), 'the holder’s connection');
      session.press('Enter');
      const screen = await session.waitFor((text) => text.includes('--password=***'), 'the redacted command line on the connection page');
      for (const secret of SECRETS) assert.ok(!screen.includes(secret), `${secret} is not on screen:\n${screen}`);
      session.type('q');
    } finally {
      session.kill();
    }
  });
});
