import assert from 'node:assert/strict';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { hostPaths, listPids } from '../../src/probes/host-paths.js';
import { describeProcess, ProcessDescriber } from '../../src/enrich/proc-process.js';
import { userName } from '../../src/enrich/user-names.js';

/** The v2 mount found independently of the code under test. */
const cgroupV2Mount = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : '/sys/fs/cgroup/unified';
/** Exactly 15 characters, the most comm holds, so truncation would show. */
const CHILD_COMM = 'nstest-describe';

describe('describeProcess on a real child', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'nstest-'));
  const cgroupDir = join(cgroupV2Mount, `nstest-${process.pid}`);
  let child: ChildProcess;

  before(async () => {
    // comm comes from the executed path's basename, so a symlink renames the shell. (Not
    // node: Node 24 renames its main thread, and so its comm, to "MainThread".)
    const renamedShell = join(workDir, CHILD_COMM);
    symlinkSync('/bin/sh', renamedShell);
    // A loop rather than a lone sleep, which the shell might exec in its own place.
    child = spawn(renamedShell, ['-c', 'while :; do sleep 1; done', 'nstest', '--password=hunter2', '--port', '5432'], {
      stdio: 'ignore',
    });
    await once(child, 'spawn');
    // A cgroup of its own, so the id checked is not the root's.
    mkdirSync(cgroupDir);
    writeFileSync(join(cgroupDir, 'cgroup.procs'), String(child.pid));
  });

  after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    // The shell's own `sleep` is in the cgroup too: end every task there before removing it.
    writeFileSync(join(cgroupDir, 'cgroup.kill'), '1');
    const deadline = Date.now() + 5_000;
    while (readFileSync(join(cgroupDir, 'cgroup.procs'), 'utf8').trim() !== '' && Date.now() < deadline) await sleep(20);
    rmdirSync(cgroupDir);
    rmSync(workDir, { recursive: true });
  });

  test('reads comm, redacted cmdline, uid, user, cgroup id and start time', () => {
    const pid = child.pid ?? assert.fail('child has no pid');
    const description = describeProcess(pid) ?? assert.fail('child not found');
    assert.equal(description.pid, pid);
    assert.equal(description.comm, CHILD_COMM);
    assert.ok(!description.cmdline.includes('hunter2'), description.cmdline);
    assert.ok(description.cmdline.includes('--password=***'), description.cmdline);
    assert.equal(description.cmdline, `${join(workDir, CHILD_COMM)} -c while :; do sleep 1; done nstest --password=*** --port 5432`);
    assert.equal(description.uid, 0);
    assert.equal(description.user, 'root');
    assert.ok(description.cgroupId > 0);
    assert.equal(description.cgroupId, statSync(cgroupDir).ino);
    const statFields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
    assert.equal(description.startTimeTicks, Number(statFields?.[19]));
  });

  test('ProcessDescriber returns the cached description while the process lives', () => {
    const pid = child.pid ?? assert.fail('child has no pid');
    const describer = new ProcessDescriber();
    const first = describer.describe(pid);
    assert.ok(first !== null);
    assert.equal(describer.describe(pid), first);
  });

  test('null once the process has exited', async () => {
    const pid = child.pid ?? assert.fail('child has no pid');
    const describer = new ProcessDescriber();
    assert.ok(describer.describe(pid) !== null);
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(describeProcess(pid), null);
    assert.equal(describer.describe(pid), null);
  });
});

describe('describeProcess edge cases', () => {
  test('null for a pid that does not exist', () => {
    const unusedPid = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;
    assert.equal(describeProcess(unusedPid), null);
  });

  test('a kernel thread shows as [comm]', (t) => {
    // kthreadd is pid 2 when netscope sees the host's pid namespace.
    const kthreadd = describeProcess(2);
    if (kthreadd === null || kthreadd.comm !== 'kthreadd') {
      t.skip('kthreadd is not visible in this pid namespace');
      return;
    }
    assert.equal(kthreadd.cmdline, '[kthreadd]');
  });

  test('describes netscope itself, naming a Node process by its program rather than "MainThread"', () => {
    const self = describeProcess(process.pid) ?? assert.fail('self not found');
    assert.equal(self.uid, process.getuid?.());
    // Node 24 renames its main thread (and so the process's comm) to MainThread.
    assert.equal(readFileSync('/proc/self/comm', 'utf8').trimEnd(), 'MainThread');
    assert.equal(self.comm, path.basename(process.argv0));
    assert.ok(self.cmdline.startsWith(`${process.argv0} `), self.cmdline);
  });

  test('listPids lists this process and no thread ids', () => {
    const pids = listPids();
    assert.ok(pids.includes(process.pid));
    assert.ok(pids.every((pid) => Number.isSafeInteger(pid) && pid > 0));
    const threadIds = readdirSync(`/proc/${process.pid}/task`).map(Number).filter((tid) => tid !== process.pid);
    assert.ok(threadIds.length > 0, 'node runs helper threads');
    assert.ok(threadIds.every((tid) => !pids.includes(tid)));
  });
});

/**
 * A host root laid out like a pure cgroup v2 host, for what the real host cannot show on
 * demand: pid reuse, another passwd, the other cgroup layout.
 */
describe('under a host root', () => {
  const hostRoot = mkdtempSync(join(tmpdir(), 'nstest-host-'));
  const paths = hostPaths(`${hostRoot}/`);
  const pid = 4242;

  function writeProcess(startTimeTicks: number, comm: string, argv: string[], processId = pid): void {
    const processDir = join(paths.proc, String(processId));
    mkdirSync(processDir, { recursive: true });
    const fieldsAfterComm = ['S', ...Array.from({ length: 18 }, () => '0'), String(startTimeTicks), '0'];
    writeFileSync(join(processDir, 'stat'), `${processId} (${comm}) ${fieldsAfterComm.join(' ')}\n`);
    writeFileSync(join(processDir, 'status'), `Name:\t${comm}\nUid:\t1001\t1001\t1001\t1001\n`);
    writeFileSync(join(processDir, 'cmdline'), argv.map((arg) => `${arg}\0`).join(''));
    writeFileSync(join(processDir, 'cgroup'), '0::/system.slice/app.service\n');
  }

  before(() => {
    mkdirSync(join(paths.sys, 'fs', 'cgroup', 'system.slice', 'app.service'), { recursive: true });
    writeFileSync(join(paths.sys, 'fs', 'cgroup', 'cgroup.controllers'), 'cpu memory\n');
    mkdirSync(paths.etc, { recursive: true });
    writeFileSync(join(paths.etc, 'passwd'), '# users\nroot:x:0:0::/root:/bin/sh\napp:x:1001:1001::/srv:/bin/false\nalias:x:1001:1001::/:/bin/false\n');
  });

  after(() => rmSync(hostRoot, { recursive: true }));

  test('hostPaths prefixes every path, with or without a trailing slash', () => {
    assert.deepEqual(hostPaths(), { root: '/', proc: '/proc', sys: '/sys', etc: '/etc' });
    assert.deepEqual(hostPaths('/host/'), { root: '/host', proc: '/host/proc', sys: '/host/sys', etc: '/host/etc' });
    assert.deepEqual(hostPaths('/host'), hostPaths('/host/'));
  });

  test('reads the host root: pure v2 cgroup mount, its passwd, comm with ") "', () => {
    writeProcess(100, 'odd) name', ['app', '--api-key', 'k']);
    const description = describeProcess(pid, paths) ?? assert.fail('fixture process not found');
    assert.deepEqual(description, {
      pid,
      comm: 'odd) name',
      cmdline: 'app --api-key ***',
      uid: 1001,
      user: 'app',
      cgroupId: statSync(join(paths.sys, 'fs', 'cgroup', 'system.slice', 'app.service')).ino,
      startTimeTicks: 100,
    });
  });

  test('ProcessDescriber re-reads a reused pid', () => {
    const describer = new ProcessDescriber(paths);
    writeProcess(100, 'first', ['first']);
    assert.equal(describer.describe(pid)?.comm, 'first');
    writeProcess(100, 'renamed', ['renamed']);
    assert.equal(describer.describe(pid)?.comm, 'first', 'same start time: cached');
    writeProcess(200, 'second', ['second']);
    assert.equal(describer.describe(pid)?.cmdline, 'second');
  });

  test('ProcessDescriber forgets the least recently described pid beyond its limit', () => {
    const otherPid = pid + 1;
    const describer = new ProcessDescriber(paths, 1);
    writeProcess(100, 'a', ['a']);
    writeProcess(100, 'b', ['b'], otherPid);
    const first = describer.describe(pid);
    assert.equal(describer.describe(pid), first, 'cached');
    assert.equal(describer.describe(otherPid)?.comm, 'b');
    const again = describer.describe(pid);
    assert.notEqual(again, first, 'evicted, so read afresh');
    assert.deepEqual(again, first);
  });

  test('userName: first entry per uid, the uid as text when unknown or without passwd', () => {
    assert.equal(userName(1001, paths), 'app');
    assert.equal(userName(4000, paths), '4000');
    assert.equal(userName(0, hostPaths(join(hostRoot, 'nowhere'))), '0');
  });
});

describe('describeProcess caps the command line at 4 KiB', () => {
  const CUT_MARK = '… [cut at 4,096 bytes]';
  /** A shell that stays itself (a loop, not an exec'd sleep), then the arguments under test. */
  const SHELL_ARGV = ['sh', '-c', 'while :; do sleep 1; done', 'nstest'];
  const SHELL_BYTES = Buffer.byteLength(SHELL_ARGV.map((arg) => `${arg}\0`).join(''));
  const children: ChildProcess[] = [];

  after(() => children.forEach((child) => child.kill('SIGKILL')));

  async function describeChildWith(args: string[]): Promise<string> {
    const child = spawn(SHELL_ARGV[0] as string, [...SHELL_ARGV.slice(1), ...args], { stdio: 'ignore' });
    children.push(child);
    await once(child, 'spawn');
    const pid = child.pid ?? assert.fail('child has no pid');
    return (describeProcess(pid) ?? assert.fail('child not found')).cmdline;
  }

  test('a command line of exactly 4 KiB is whole and unmarked', async () => {
    const filler = 'x'.repeat(4096 - SHELL_BYTES - 1);
    assert.equal(await describeChildWith([filler]), `${SHELL_ARGV.join(' ')} ${filler}`);
  });

  test('one byte more is cut at 4 KiB and marked', async () => {
    const filler = 'x'.repeat(4096 - SHELL_BYTES);
    // 4,096 bytes read: the filler whole but its NUL, which the kernel would have given next.
    assert.equal(await describeChildWith([filler]), `${SHELL_ARGV.join(' ')} ${filler}${CUT_MARK}`);
  });

  test('a 524 KB command line shows its first 4 KiB, redacted, and the mark', async () => {
    const letters = 'a'.repeat(131_000);
    const cmdline = await describeChildWith(['--password=hunter2', letters, letters, letters, letters, 'postgres://u:pw@db/x']);
    assert.equal(cmdline, `${SHELL_ARGV.join(' ')} --password=*** ${letters.slice(0, 4096 - SHELL_BYTES - '--password=hunter2\0'.length)}${CUT_MARK}`);
  });

  test('a URL password cut before its @ is hidden, not shown in part', async () => {
    const url = 'postgres://u:secretpassword@db/x';
    const filler = 'x'.repeat(4096 - SHELL_BYTES - 1 - 'postgres://u:secr'.length);
    const cmdline = await describeChildWith([filler, url]);
    assert.equal(cmdline, `${SHELL_ARGV.join(' ')} ${filler} postgres://u:***${CUT_MARK}`);
  });

  test('a UTF-8 character split by the cut is dropped, not shown as U+FFFD', async () => {
    // 'é' is two bytes; an odd byte budget splits the last one.
    const budget = 4096 - SHELL_BYTES;
    assert.equal(budget % 2, 1, 'the budget is odd');
    const accents = 'é'.repeat(Math.ceil(budget / 2) + 10);
    const cmdline = await describeChildWith([accents]);
    assert.equal(cmdline, `${SHELL_ARGV.join(' ')} ${'é'.repeat(Math.floor(budget / 2))}${CUT_MARK}`);
  });
});
