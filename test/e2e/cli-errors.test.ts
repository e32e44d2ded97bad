/**
 * Bad input and faults through the real `netscope` command: each is one line on stderr naming
 * the cause and the fix, a non-zero exit with a meaningful code, no stack trace — and the
 * probes are released on every way out.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { packageRoot } from '../../src/probes/package-paths.js';
import { programsLeftAfter, runNetscope, waitForProbes } from '../support/processes.js';

function assertOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${stderr}`);
  assert.match(lines[0] ?? '', /^netscope: /);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(stderr, /\bat .+:\d+:\d+/, 'no stack frames');
}

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
    [['stray-argument'], /unexpected argument stray-argument/],
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

  it('prints help and the version with exit 0', async () => {
    const help = await runNetscope(['--help']).done;
    assert.equal(help.code, 0);
    assert.match(help.stdout, /sudo netscope/);
    const version = await runNetscope(['--version']).done;
    assert.equal(version.code, 0);
    const manifest = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string };
    assert.equal(version.stdout.trim(), manifest.version);
  });

  it('names the missing capabilities and sudo, exit 77, when run without privilege', () => {
    let result: { status: number | null; stderr: string };
    try {
      execFileSync(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', path.join(packageRoot, 'bin/netscope'), '--json'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
      );
      assert.fail('netscope ran without privilege');
    } catch (error) {
      result = error as { status: number | null; stderr: string };
    }
    assert.equal(result.status, 77);
    assertOneLineError(result.stderr, /missing CAP_BPF and CAP_PERFMON.*sudo/);
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

  it('writes the snapshot privately (0600) and atomically, leaving no temporary file', async () => {
    const output = path.join(scratch, 'snap.json');
    const { code } = await runNetscope(['--json', '--duration', '0.2', '-o', output]).done;
    assert.equal(code, 0);
    assert.equal(statSync(output).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(output, 'utf8')).schemaVersion, 1);
    assert.deepEqual(
      execFileSync('ls', ['-A', scratch], { encoding: 'utf8' })
        .split('\n')
        .filter((name) => name.endsWith('.tmp')),
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
