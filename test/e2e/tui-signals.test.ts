/**
 * Every way a live view can be told to stop, in a real terminal: the terminal comes back from
 * the alternate screen, every BPF program is released, netscope exits 0 — within 2 s.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { packageRoot } from '../../src/probes/package-paths.js';
import { programsLeftAfter } from '../support/processes.js';
import { TmuxSession } from '../support/tmux.js';

const EXIT_WITHIN_MS = 2000;

describe('stopping the live view', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-signals-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  for (const stop of ['SIGINT', 'SIGTERM', 'SIGHUP', 'q', 'C-c', 'F10'] as const) {
    it(`${stop}: terminal restored, probes released, exit 0 within ${EXIT_WITHIN_MS} ms`, async () => {
      const statusFile = path.join(scratch, `status-${stop}`);
      const session = new TmuxSession(`${path.join(packageRoot, 'bin/netscope')}; echo $? > ${statusFile}`, { width: 120, height: 30 });
      try {
        await session.waitFor((text) => text.includes('netscope ·'), 'the live view');
        assert.ok(session.alternateScreenOn());
        const started = Date.now();
        if (stop.startsWith('SIG')) {
          // The pane runs `sh -c 'netscope; echo …'`: netscope is the shell's child.
          const netscope = execFileSync('pgrep', ['-P', String(session.panePid())], { encoding: 'utf8' }).trim();
          process.kill(Number(netscope), stop);
        } else {
          session.press(stop);
        }
        // The shell creates the file before it writes the status: wait for the whole line.
        const statusWritten = () => existsSync(statusFile) && readFileSync(statusFile, 'utf8').endsWith('\n');
        while (!statusWritten() && Date.now() - started < 5000) await sleep(20);
        const elapsedMs = Date.now() - started;
        assert.equal(readFileSync(statusFile, 'utf8').trim(), '0');
        assert.ok(elapsedMs < EXIT_WITHIN_MS, `exited after ${elapsedMs} ms`);
        assert.equal(session.alternateScreenOn(), false, 'back from the alternate screen');
        assert.deepEqual(await programsLeftAfter(), []);
      } finally {
        session.kill();
      }
    });
  }
});
