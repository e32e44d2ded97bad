/** The report's lines, verdict and exit code from injected outcomes. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fail, info, pass, warn } from '../../src/doctor/check-result.js';
import { doctorExitCode, formatOutcome, summaryLine, type CheckOutcome } from '../../src/doctor/doctor-report.js';
import { ExitCode } from '../../src/errors.js';

const fine: CheckOutcome[] = [
  { name: 'kernel', result: pass('6.18.44') },
  { name: 'terminal', result: warn('stdout is not a terminal', 'netscope --json') },
  { name: 'lockdown', result: info('no lockdown LSM') },
];
const noPrivilege: CheckOutcome = { name: 'CAP_BPF, CAP_PERFMON', result: fail('missing CAP_BPF', 'sudo netscope', ExitCode.noPermission) };
const noBtf: CheckOutcome = { name: 'BTF', result: fail('no BTF', 'CONFIG_DEBUG_INFO_BTF=y', ExitCode.unavailable) };

describe('doctor report', () => {
  it('prints symbol, padded name and detail, and the fix indented beneath', () => {
    assert.deepEqual(formatOutcome(noPrivilege, 22), ['✖ CAP_BPF, CAP_PERFMON    missing CAP_BPF', '    fix: sudo netscope']);
    assert.deepEqual(formatOutcome({ name: 'kernel', result: pass('6.18.44') }, 8), ['✔ kernel    6.18.44']);
    assert.deepEqual(formatOutcome({ name: 'lockdown', result: info('none') }, 8), ['· lockdown  none']);
    assert.equal(formatOutcome({ name: 'terminal', result: warn('piped', '--json') }, 8)[0], '! terminal  piped');
  });

  it('exits 0 when only warnings and information remain, and says to run it', () => {
    assert.equal(doctorExitCode(fine), ExitCode.ok);
    assert.equal(summaryLine(fine), 'all needed checks pass — sudo netscope');
  });

  it('exits 77 when only privilege is missing, and says netscope runs degraded', () => {
    const outcomes = [...fine, noPrivilege];
    assert.equal(doctorExitCode(outcomes), ExitCode.noPermission);
    assert.equal(summaryLine(outcomes), '1 needed check fails — netscope runs degraded on sock_diag and /proc until they are fixed');
  });

  it('exits 69 when the host cannot, even if privilege is missing too', () => {
    const outcomes = [...fine, noPrivilege, noBtf];
    assert.equal(doctorExitCode(outcomes), ExitCode.unavailable);
    assert.equal(summaryLine(outcomes), '2 needed checks fail — netscope cannot run here until they are fixed');
  });
});
