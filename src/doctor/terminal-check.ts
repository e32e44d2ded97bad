/** The live view draws on a terminal; `--json` needs none. */
import { passOptional, warn, type Check, type CheckResult } from './check-result.js';

/** Whether stdin and stdout are terminals, as the live view requires both. */
export function terminalResult(stdinIsTty: boolean, stdoutIsTty: boolean): CheckResult {
  if (stdinIsTty && stdoutIsTty) return passOptional('stdin and stdout are terminals: the live view can run');
  const notTty = !stdinIsTty && !stdoutIsTty ? 'stdin and stdout are not terminals' : `${stdinIsTty ? 'stdout' : 'stdin'} is not a terminal`;
  return warn(`${notTty}: only the live view needs one`, 'netscope --json captures and prints a snapshot without a terminal');
}

/** The terminal check, on this process's own stdin and stdout (not the doctor's output stream). */
export function terminalCheck(): Check {
  return { name: 'terminal', run: () => terminalResult(process.stdin.isTTY === true, process.stdout.isTTY === true) };
}
