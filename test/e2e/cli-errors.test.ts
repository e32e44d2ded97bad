/**
 * Bad input and faults through the real `netscope` command: each is one line on stderr naming
 * the cause and the fix, a non-zero exit with a meaningful code, no stack trace — and the
 * probes are released on every way out.
 */
import assert from 'node:assert/strict';
import { chmodSync, lstatSync, mkdirSync, readdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { packageRoot } from '../../src/probes/package-paths.js';
import { programsLeftAfter, runNetscope, waitForProbes } from '../support/processes.js';
import { assertOneLineError } from '../support/one-line-error.js';

describe('netscope command-line errors and exits', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-cli-'));
  chmodSync(scratch, 0o700);
  after(() => rmSync(scratch, { recursive: true, force: true }));

  for (const [args, pattern] of [
    [['--frobnicate'], /unknown flag --frobnicate/],
    [['-x'], /unknown flag -x/],
    [['--json', '--interval', '-5'], /--interval -5 is out of range/],
    [['--json', '--duration', 'soon'], /--duration needs a number of seconds/],
    [['--json', '--duration', '-1'], /--duration cannot be negative/],
    [['--json', '--ring-buffer-mb', '3'], /power of two/],
    [['--output', 'x.json'], /add --json/],
    [['--json', '--port', '70000'], /--port 70000 is out of range/],
    [['--json', '--pid', '0'], /--pid 0 is not a process id/],
    [['-F', 'pid:abc'], /--filter: pid:abc/],
    [['--sort', 'colour'], /--sort colour is not a column/],
    [['--json', '--keep-closed', '-3'], /--keep-closed -3 is out of range/],
    [['stray-argument'], /unexpected argument stray-argument/],
    [['doctor', 'now'], /unexpected argument now/],
    [['--json', '--resolve', '--resolver', 'dns.example'], /--resolver dns\.example: dns\.example is not an IP address .* e\.g\. --resolver/],
    [['--json', '--resolve', '--resolver', '127.0.0.1:99999'], /--resolver 127\.0\.0\.1:99999: port 99999 is not 1–65535/],
    [['--json', '--resolver', '127.0.0.1'], /--resolver picks the server .* add --resolve/],
  ] as const) {
    it(`rejects ${args.join(' ')} with exit 2`, async () => {
      const { code, stderr, stdout } = await runNetscope([...args]).done;
      assert.equal(code, 2);
      assert.equal(stdout, '');
      assertOneLineError(stderr, pattern);
    });
  }

  it('points to --json when there is no terminal', async () => {
    const { code, stderr } = await runNetscope([]).done;
    assert.equal(code, 2);
    assertOneLineError(stderr, /terminal.*--json/);
  });

  it('netscope doctor passes every needed check here, exit 0', async () => {
    const { code, stdout } = await runNetscope(['doctor']).done;
    assert.equal(code, 0, stdout);
    assert.match(stdout, /✔ BTF/);
    assert.match(stdout, /✔ probes +all 5 loaded, attached and released/);
    assert.match(stdout, /all needed checks pass/);
  });

  it('prints help and the version with exit 0', async () => {
    const help = await runNetscope(['--help']).done;
    assert.equal(help.code, 0);
    assert.match(help.stdout, /sudo netscope/);
    const version = await runNetscope(['--version']).done;
    assert.equal(version.code, 0);
    const manifest = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };
    assert.equal(version.stdout.trim(), manifest.version);
  });

  it('refuses to write the snapshot through a symlink and leaves its target untouched', async () => {
    const target = path.join(scratch, 'precious.txt');
    writeFileSync(target, 'keep me');
    const link = path.join(scratch, 'snapshot.json');
    symlinkSync(target, link);
    const { code, stderr } = await runNetscope(['--json', '--duration', '0.2', '-o', link]).done;
    assert.equal(code, 73);
    assertOneLineError(stderr, /symbolic link/);
    assert.equal(readFileSync(target, 'utf8'), 'keep me');
    assert.ok(lstatSync(link).isSymbolicLink());
  });

  it('refuses a missing output directory with one line', async () => {
    const { code, stderr } = await runNetscope(['--json', '--duration', '0.2', '-o', path.join(scratch, 'no/such/dir/s.json')]).done;
    assert.equal(code, 73);
    assertOneLineError(stderr, /does not exist/);
  });

  it('refuses an unwritable output directory with one line', async () => {
    const { code, stderr } = await runNetscope(['--json', '--duration', '0.2', '-o', '/proc/netscope.json']).done;
    assert.equal(code, 73);
    assertOneLineError(stderr, /cannot write in \/proc/);
  });

  it('refuses, as root, a directory other users can write without the sticky bit', async () => {
    const shared = path.join(scratch, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    const { code, stderr } = await runNetscope(['--json', '--duration', '0.2', '-o', path.join(shared, 's.json')]).done;
    assert.equal(code, 73);
    assertOneLineError(stderr, /writable by other users without the sticky bit/);
    assert.deepEqual(readdirSync(shared), []);
    chmodSync(shared, 0o1777);
    const sticky = await runNetscope(['--json', '--duration', '0.2', '-o', path.join(shared, 's.json')]).done;
    assert.equal(sticky.code, 0, 'with the sticky bit (like /tmp) it is fine');
  });

  it('writes the snapshot privately (0600) and atomically, leaving no temporary file', async () => {
    const output = path.join(scratch, 'snap.json');
    const { code } = await runNetscope(['--json', '--duration', '0.2', '-o', output]).done;
    assert.equal(code, 0);
    assert.equal(statSync(output).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(output, 'utf8')).schemaVersion, 2);
    assert.deepEqual(
      readdirSync(scratch).filter((name) => name.endsWith('.tmp')),
      [],
    );
  });

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`on ${signal} prints the snapshot, exits 0 and leaves no BPF program behind`, async () => {
      const run = runNetscope(['--json', '--duration', '0']);
      await waitForProbes(run.child.pid!);
      run.child.kill(signal);
      const { code, stdout } = await run.done;
      assert.equal(code, 0);
      assert.equal(JSON.parse(stdout).source.kind, 'ebpf');
      assert.deepEqual(await programsLeftAfter(), []);
    });
  }
});
