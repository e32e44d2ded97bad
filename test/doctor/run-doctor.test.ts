/**
 * The doctor end to end: on this machine as root every needed check passes; without privilege
 * it exits 77 naming sudo; a check that throws is a failure, never a crash; and the probes it
 * loads to prove they load are gone afterwards.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { fail, pass, type Check } from '../../src/doctor/check-result.js';
import { doctorChecks } from '../../src/doctor/checks.js';
import { reportChecks, runDoctor } from '../../src/doctor/run-doctor.js';
import { packageRoot } from '../../src/probes/package-paths.js';
import { ExitCode } from '../../src/errors.js';
import { bpfProgramsOf, programsLeftAfter } from '../support/processes.js';

/** Runs the doctor into memory: its exit code and the lines it printed. */
async function doctorLines(run: (output: PassThrough) => Promise<number> | number): Promise<{ code: number; lines: string[] }> {
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const code = await run(output);
  output.end();
  return { code, lines: text.trimEnd().split('\n') };
}

/** The report line of the check named `name` (symbol, space, name, padding). */
function lineOf(lines: readonly string[], name: string): string | undefined {
  return lines.find((line) => line.slice(2).startsWith(`${name} `));
}

describe('netscope doctor', () => {
  after(async () => assert.deepEqual(await programsLeftAfter(), [], 'no handle_* program stays loaded'));

  it('passes every needed check on this machine as root, one line per check, and holds no program after', async () => {
    const { code, lines } = await doctorLines((output) => runDoctor(output));
    assert.equal(code, ExitCode.ok, lines.join('\n'));
    for (const check of doctorChecks()) assert.ok(lineOf(lines, check.name), `a line for ${check.name}:\n${lines.join('\n')}`);
    assert.match(lineOf(lines, 'CAP_BPF, CAP_PERFMON') ?? '', /^✔ /);
    assert.match(lineOf(lines, 'probes') ?? '', /^✔ probes +all 5 loaded, attached and released/);
    assert.match(lineOf(lines, 'sock:inet_sock_set_state') ?? '', /^✔ .*tp_btf/);
    assert.equal(lines.at(-1), 'all needed checks pass — sudo netscope');
    assert.deepEqual(bpfProgramsOf(process.pid), []);
  });

  it('exits 77 without privilege, with ✖ on the capabilities and sudo as their fix', () => {
    const child = spawnSync(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        '--inh-caps=-all',
        '--bounding-set=-all',
        path.join(packageRoot, 'bin/node-runtime'),
        path.join(packageRoot, 'dist/test/doctor/doctor-as-child.js'),
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines = child.stdout.trimEnd().split('\n');
    assert.equal(child.status, ExitCode.noPermission, `${child.stdout}${child.stderr}`);
    assert.equal(child.stderr, '');
    const capability = lineOf(lines, 'CAP_BPF, CAP_PERFMON') ?? '';
    assert.match(capability, /^✖ .*missing CAP_BPF and CAP_PERFMON \(uid 65534\)/);
    assert.match(lines[lines.indexOf(capability) + 1] ?? '', /^ {4}fix: .*sudo/);
    assert.match(lineOf(lines, 'probes') ?? '', /^✖ /);
    assert.match(lineOf(lines, 'kernel') ?? '', /^✔ /);
    assert.match(lines.at(-1) ?? '', /needed checks fail — netscope runs degraded on sock_diag and \/proc/);
  });

  it('turns a check that throws into a failure naming the error, and goes on with the rest', async () => {
    const checks: Check[] = [
      {
        name: 'exploding',
        run: () => {
          throw new Error('EIO reading /sys/kernel/btf/vmlinux');
        },
      },
      { name: 'after', run: () => pass('still checked') },
    ];
    const { code, lines } = await doctorLines((output) => reportChecks(checks, output));
    assert.equal(code, ExitCode.unavailable);
    assert.deepEqual(lines, [
      '✖ exploding  the check itself failed: EIO reading /sys/kernel/btf/vmlinux',
      '    fix: report it, with this output',
      '✔ after      still checked',
      '1 needed check fails — netscope cannot run here until they are fixed',
    ]);
  });

  it('returns 77 when the only needed failure is privilege', async () => {
    const checks: Check[] = [{ name: 'caps', run: () => fail('missing CAP_BPF', 'sudo netscope', ExitCode.noPermission) }];
    const { code } = await doctorLines((output) => reportChecks(checks, output));
    assert.equal(code, ExitCode.noPermission);
  });
});
