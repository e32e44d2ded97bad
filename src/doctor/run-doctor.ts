/** `netscope doctor`: run every pre-flight check, print each with its fix, exit 0, 69 or 77. */
import { ExitCode } from '../errors.js';
import { fail, type Check, type CheckResult } from './check-result.js';
import { doctorChecks } from './checks.js';
import { hostPaths, type HostPaths } from '../probes/host-paths.js';
import { doctorExitCode, formatOutcome, summaryLine, type CheckOutcome } from './doctor-report.js';

/** A check that throws is a failure naming the error: the doctor itself must never crash. */
function runSafely(check: Check): CheckResult {
  try {
    return check.run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return fail(`the check itself failed: ${message}`, 'report it, with this output', ExitCode.unavailable);
  }
}

/**
 * Runs `checks` in order, writing each line as soon as its check is done (loading the probes
 * takes a moment), then the summary line.
 * @returns the exit code: 0 every needed check passes, 69 the host cannot, 77 privilege is missing.
 */
export function reportChecks(checks: readonly Check[], output: NodeJS.WritableStream): number {
  const nameWidth = Math.max(0, ...checks.map((check) => check.name.length));
  const outcomes: CheckOutcome[] = [];
  for (const check of checks) {
    const outcome = { name: check.name, result: runSafely(check) };
    outcomes.push(outcome);
    for (const line of formatOutcome(outcome, nameWidth)) output.write(`${line}\n`);
  }
  output.write(`${summaryLine(outcomes)}\n`);
  return doctorExitCode(outcomes);
}

/**
 * Entry point of `netscope doctor`: every pre-flight check with pass/fail and the fix, on
 * `output` (default stdout). Never throws.
 * @returns the exit code for the CLI: 0 ok, 69 kernel/host cannot run the probes, 77 missing privilege.
 */
export async function runDoctor(output: NodeJS.WritableStream = process.stdout, paths: HostPaths = hostPaths()): Promise<number> {
  return reportChecks(doctorChecks(paths), output);
}
