/**
 * Entry point: flags → options → the JSON capture, the event stream, headless, or the TUI. Every failure a user can meet
 * ends here as one line naming the cause and the fix, with a meaningful exit code.
 */
import { helpText, parseCliOptions, UsageError } from './cli-options.js';
import { runDoctor } from './doctor/run-doctor.js';
import { hostPaths } from './probes/host-paths.js';
import { runEventStream } from './events-capture.js';
import { runHeadless } from './headless-capture.js';
import { runJsonCapture } from './json-capture.js';
import { runTui } from './tui.js';
import { netscopeVersion } from './netscope-version.js';
import { OutputWriteError } from './output-write-error.js';
import { ExitCode, ProbeError } from './probes/probe-error.js';
import { RecordingError } from './recording/recording-error.js';
import { UnsafeOutputError } from './safe-file-write.js';

async function main(argv: readonly string[]): Promise<number> {
  const options = parseCliOptions(argv, import.meta);
  switch (options.mode) {
    case 'help':
      process.stdout.write(`${helpText.trimEnd()}\n`);
      return ExitCode.ok;
    case 'version':
      process.stdout.write(`${netscopeVersion()}\n`);
      return ExitCode.ok;
    case 'json':
      return runJsonCapture(options);
    case 'headless':
      await runHeadless(options);
      return ExitCode.ok;
    case 'events':
      await runEventStream(options);
      return ExitCode.ok;
    case 'doctor':
      return runDoctor(process.stdout, hostPaths(options.hostRoot));
    case 'tui':
      if (!process.stdout.isTTY || !process.stdin.isTTY) {
        throw new UsageError('the live view needs a terminal (stdin and stdout are not both a TTY) — use --json for a snapshot');
      }
      await runTui(options);
      return ExitCode.ok;
  }
}

function report(error: unknown): number {
  if (error instanceof UsageError) {
    process.stderr.write(`netscope: ${error.message}\n`);
    return ExitCode.usage;
  }
  if (error instanceof ProbeError || error instanceof RecordingError) {
    process.stderr.write(`${error.line}\n`);
    return error.exitCode;
  }
  if (error instanceof OutputWriteError) {
    process.stderr.write(`${error.line}\n`);
    return error.exitCode;
  }
  if (error instanceof UnsafeOutputError) {
    process.stderr.write(`netscope: ${error.message} — ${error.fix}\n`);
    return ExitCode.cannotCreate;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`netscope: unexpected failure: ${message} — rerun with NETSCOPE_DEBUG=1 and report it\n`);
  if (process.env.NETSCOPE_DEBUG) console.error(error);
  return ExitCode.failure;
}

// A failure outside main's await (a timer's tick, a stream) still ends as one line; the 'exit'
// handlers then release the probes, and Ink restores the terminal.
const crash = (error: unknown) => {
  process.exitCode = report(error);
  process.exit();
};
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.exitCode = report(error);
}
