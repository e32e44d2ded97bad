/**
 * The terminal goes away under the live view (its window closed, tmux killed): netscope ends
 * quietly with exit 0 and releases its probes, rather than reporting the failed write to a
 * terminal that is no longer there.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { packageRoot } from '../../src/probes/package-paths.js';
import { programsLeftAfter } from '../support/processes.js';

describe('the live view when its terminal goes away', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-terminal-gone-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('ends quietly with exit 0 and releases its probes', async () => {
    const server = `netscope-gone-${process.pid}`;
    const stderrFile = path.join(scratch, 'stderr');
    const statusFile = path.join(scratch, 'status');
    // The shell ignores the hangup so it lives to write netscope's exit status.
    const command = `sh -c "trap '' HUP; ${path.join(packageRoot, 'bin/netscope')} -d 500 2>${stderrFile}; echo \\$? > ${statusFile}"`;
    const tmux = (...args: string[]) => execFileSync('tmux', ['-L', server, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    tmux('new-session', '-d', '-s', server, '-x', '100', '-y', '30', command);
    const deadline = Date.now() + 30_000;
    while (!tmux('capture-pane', '-p', '-t', server).includes('ebpf') && Date.now() < deadline) await sleep(100);
    tmux('kill-server');
    let status = '';
    while (Date.now() < deadline + 15_000) {
      try {
        status = readFileSync(statusFile, 'utf8').trim();
        break;
      } catch {
        await sleep(100);
      }
    }
    assert.equal(status, '0', `exit status; stderr: ${readFileSync(stderrFile, 'utf8')}`);
    assert.doesNotMatch(readFileSync(stderrFile, 'utf8'), /netscope:/, 'nothing to report');
    assert.deepEqual(await programsLeftAfter(), []);
  });
});
