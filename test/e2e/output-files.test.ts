/**
 * Where the real `netscope` command writes, and what it says when it cannot: a symlink another
 * user planted in a shared directory is refused for -o, --record and the flight dump's
 * --output-dir (root's own, or the directory owner's, is followed); a full disk and a stdout
 * that is closed or full are one line and exit 74, with nothing left behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packageRoot } from '../../src/probes/package-paths.js';
import { programsLeftAfter, requestFlightDump, runNetscope, waitUntilCapturing } from '../support/processes.js';
import { fillUp, mountTmpfs, NOBODY, symlinkAs, unmount } from '../support/scratch-filesystems.js';
import { assertOneLineError } from '../support/one-line-error.js';

const netscope = path.join(packageRoot, 'bin/netscope');

/** Runs netscope through `sh -c`, for the redirections only a shell makes (a closed stdout). */
function runNetscopeRedirected(args: string[], redirection: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn('sh', ['-c', `exec "$0" "$@" ${redirection}`, netscope, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

describe('netscope writes no file through a symlink another user planted', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-planted-'));
  // Others reach the shared directory inside, as they reach /tmp.
  chmodSync(scratch, 0o755);
  const shared = path.join(scratch, 'pub');
  const target = path.join(scratch, 'target');

  before(() => {
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    mkdirSync(target);
    symlinkAs(NOBODY, target, path.join(shared, 'reports'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('--json -o through it: exit 73, one line naming the link, nothing written where it leads', async () => {
    const { code, stderr, stdout } = await runNetscope(['--json', '--duration', '0.2', '-o', path.join(shared, 'reports/snap.json')]).done;
    assert.equal(code, 73);
    assert.equal(stdout, '');
    assertOneLineError(stderr, /refusing to follow the symbolic link .*\/pub\/reports: it belongs to nobody, .* may have planted it — give the link's real directory, or one only root can write$/);
    assert.deepEqual(readdirSync(target), []);
  });

  it('--record through it: exit 73, one line, nothing written, the probes released', async () => {
    const { code, stderr } = await runNetscope(['--json', '--duration', '0.2', '--record', path.join(shared, 'reports/r.ndjson')]).done;
    assert.equal(code, 73);
    assertOneLineError(stderr, /refusing to follow the symbolic link .*\/pub\/reports/);
    assert.deepEqual(readdirSync(target), []);
    assert.deepEqual(await programsLeftAfter(), []);
  });

  it('a flight dump (SIGUSR1) into --output-dir through it: refused in one line, nothing written, the capture goes on', async () => {
    const run = runNetscope(['--json', '--duration', '0', '--interval', '500', '--output-dir', path.join(shared, 'reports')]);
    await waitUntilCapturing(run.child.pid!);
    await requestFlightDump(run.child);
    const { code, stderr, stdout } = await run.stop();
    assert.equal(code, 0, 'a dump that cannot be written does not end the capture');
    assert.equal(JSON.parse(stdout).schemaVersion, 2);
    assertOneLineError(stderr, /^netscope: refusing to follow the symbolic link .*\/pub\/reports: it belongs to nobody/);
    assert.deepEqual(readdirSync(target), []);
  });

  it("root's own symlink in the same directory is followed", async () => {
    symlinkSync(target, path.join(shared, 'roots'));
    const { code, stderr } = await runNetscope(['--json', '--duration', '0.2', '-o', path.join(shared, 'roots/snap.json')]).done;
    assert.equal(code, 0, stderr);
    assert.equal(JSON.parse(readFileSync(path.join(target, 'snap.json'), 'utf8')).schemaVersion, 2);
  });

  it("a symlink of the shared directory's owner is followed", async () => {
    const owned = path.join(scratch, 'owned');
    mkdirSync(owned);
    chmodSync(owned, 0o1777);
    chownSync(owned, NOBODY, NOBODY);
    const ownersTarget = path.join(scratch, 'owners-target');
    mkdirSync(ownersTarget);
    symlinkAs(NOBODY, ownersTarget, path.join(owned, 'reports'));
    const { code, stderr } = await runNetscope(['--json', '--duration', '0.2', '--record', path.join(owned, 'reports/r.ndjson')]).done;
    assert.equal(code, 0, stderr);
    assert.match(readFileSync(path.join(ownersTarget, 'r.ndjson'), 'utf8'), /"netscopeRecording"/);
  });
});

describe('netscope on a full disk', () => {
  const mounted = mkdtempSync(path.join(tmpdir(), 'netscope-full-'));
  before(() => {
    mountTmpfs(mounted, 64 * 1024);
    fillUp(mounted);
  });
  after(() => {
    unmount(mounted);
    rmSync(mounted, { recursive: true, force: true });
  });

  it('--json -o: exit 74, one line naming the full disk, no temporary file left', async () => {
    const { code, stderr } = await runNetscope(['--json', '--duration', '0.2', '-o', path.join(mounted, 'x.json')]).done;
    assert.equal(code, 74);
    assertOneLineError(stderr, /cannot write .*\/x\.json: no space left on device \(ENOSPC\) — free some space, or write elsewhere$/);
    assert.deepEqual(readdirSync(mounted), ['pad']);
  });

  it('--record: exit 74, one line, the empty file removed, the probes released', async () => {
    const { code, stderr } = await runNetscope(['--json', '--duration', '0.2', '--record', path.join(mounted, 'r.ndjson')]).done;
    assert.equal(code, 74);
    assertOneLineError(stderr, /cannot write the recording .*\/r\.ndjson: no space left on device \(ENOSPC\) — .*\(the empty file was removed\)$/);
    assert.deepEqual(readdirSync(mounted), ['pad']);
    assert.deepEqual(await programsLeftAfter(), []);
  });
});

describe("netscope's stdout", () => {
  it('closed (>&-): --json refuses before capturing, exit 74, one line', async () => {
    const { code, stderr } = await runNetscopeRedirected(['--json', '--duration', '0.2'], '>&-');
    assert.equal(code, 74);
    assertOneLineError(stderr, /^netscope: cannot write the snapshot to stdout: it is closed — redirect stdout/);
  });

  it('closed (>&-): --events too', async () => {
    const { code, stderr } = await runNetscopeRedirected(['--events', '--duration', '0.2'], '>&-');
    assert.equal(code, 74);
    assertOneLineError(stderr, /^netscope: cannot write events to stdout: it is closed/);
  });

  it('redirected to /dev/null is not closed: exit 0', async () => {
    const { code, stderr } = await runNetscopeRedirected(['--json', '--duration', '0.2'], '>/dev/null');
    assert.equal(code, 0, stderr);
  });

  it('full (>/dev/full): exit 74, one line naming the full disk', async () => {
    const { code, stderr } = await runNetscopeRedirected(['--json', '--duration', '0.2'], '>/dev/full');
    assert.equal(code, 74);
    assertOneLineError(stderr, /^netscope: cannot write the snapshot to stdout: no space left on device \(ENOSPC\) — check where stdout goes/);
  });

  it('a pipe whose reader went away: quiet, exit 0, as --events does (the reader took what it wanted)', async () => {
    const run = runNetscope(['--json', '--duration', '0.2']);
    run.child.stdout!.destroy();
    const { code, stderr } = await run.done;
    assert.equal(code, 0);
    assert.equal(stderr, '');
  });
});
