/**
 * One pre-flight check and what it found. A check reads the host; a pure decision function
 * turns what it read into a result, so every verdict can be tested with injected inputs.
 */
import { ExitCode } from '../errors.js';

/** `pass` fine; `fail` something netscope needs is missing; `warn` works with less; `info` for the record. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'info';

/** The exit code a failed needed check implies: 77 when privilege would fix it, 69 when the host cannot. */
export type FailureExitCode = typeof ExitCode.noPermission | typeof ExitCode.unavailable;

interface ResultFields {
  /** What was found, in one line (`6.18.44: typed tracepoints (5.5+), …`). */
  detail: string;
  /** What to do about it, or null when nothing needs doing. */
  fix: string | null;
  /** Netscope needs this check to pass; only a needed `fail` decides the exit code. */
  needed: boolean;
}

/** What one check found; a failure also says which exit code it implies. */
export type CheckResult =
  | (ResultFields & { status: 'pass' | 'warn' | 'info' })
  | (ResultFields & { status: 'fail'; exitCode: FailureExitCode });

/** A named pre-flight check. `run` may throw: the runner turns that into a failure. */
export interface Check {
  /** Short, shown padded in the first column (`lockdown`, `sock:inet_sock_set_state`). */
  name: string;
  run(): CheckResult;
}

/** Something netscope needs is there. */
export function pass(detail: string): CheckResult {
  return { status: 'pass', detail, fix: null, needed: true };
}

/** Something netscope can use but does without (a capability for owners of other users' sockets). */
export function passOptional(detail: string): CheckResult {
  return { status: 'pass', detail, fix: null, needed: false };
}

/** Something netscope needs is missing; `exitCode` says whether privilege would fix it. */
export function fail(detail: string, fix: string, exitCode: FailureExitCode): CheckResult {
  return { status: 'fail', detail, fix, needed: true, exitCode };
}

/** Netscope runs, with less (a fallback, a missing optional capability). */
export function warn(detail: string, fix: string | null): CheckResult {
  return { status: 'warn', detail, fix, needed: false };
}

/** For the record: nothing is wrong, but the reader may want to know. */
export function info(detail: string): CheckResult {
  return { status: 'info', detail, fix: null, needed: false };
}

