/** How the doctor's findings read: one line per check, its fix beneath, a verdict, an exit code. */
import { ExitCode } from '../errors.js';
import type { CheckResult, CheckStatus } from './check-result.js';

/** A check's name with what it found. */
export interface CheckOutcome {
  name: string;
  result: CheckResult;
}

const statusSymbol: Readonly<Record<CheckStatus, string>> = { pass: '✔', fail: '✖', warn: '!', info: '·' };

/** `✔ name   detail`, and `    fix: …` beneath when there is one; `nameWidth` aligns the details. */
export function formatOutcome(outcome: CheckOutcome, nameWidth: number): string[] {
  const { name, result } = outcome;
  const lines = [`${statusSymbol[result.status]} ${name.padEnd(nameWidth)}  ${result.detail}`];
  if (result.fix !== null) lines.push(`    fix: ${result.fix}`);
  return lines;
}

function blockingFailures(outcomes: readonly CheckOutcome[]): CheckResult[] {
  return outcomes.map((outcome) => outcome.result).filter((result) => result.needed && result.status === 'fail');
}

/**
 * 0 when every needed check passes. Otherwise 69 if any failure is the host's (privilege would
 * not help, so asking for sudo first would mislead), else 77.
 */
export function doctorExitCode(outcomes: readonly CheckOutcome[]): number {
  const failures = blockingFailures(outcomes);
  if (failures.length === 0) return ExitCode.ok;
  const hostCannot = failures.some((result) => result.status === 'fail' && result.exitCode === ExitCode.unavailable);
  return hostCannot ? ExitCode.unavailable : ExitCode.noPermission;
}

/** The last line: run it, run it degraded (privilege missing: sock_diag and /proc), or cannot run. */
export function summaryLine(outcomes: readonly CheckOutcome[]): string {
  const count = blockingFailures(outcomes).length;
  const failing = `${count} needed check${count === 1 ? '' : 's'} fail${count === 1 ? 's' : ''}`;
  switch (doctorExitCode(outcomes)) {
    case ExitCode.ok:
      return 'all needed checks pass — sudo netscope';
    case ExitCode.noPermission:
      return `${failing} — netscope runs degraded on sock_diag and /proc until they are fixed`;
    default:
      return `${failing} — netscope cannot run here until they are fixed`;
  }
}
