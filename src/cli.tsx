/**
 * Entry point: flags → options → the JSON capture, the event stream, headless, triage, or the TUI. Every failure a user can meet
 * ends here as one line naming the cause and the fix, with a meaningful exit code.
 */
import { parseCommandLine } from './app/cli-options.js';
import { helpText } from './app/flag-table.js';
import { ExitCode, NetscopeError, UsageError } from './errors.js';
import { hostPaths } from './probes/host-paths.js';
import { netscopeVersion } from './probes/netscope-version.js';

async function main(argv: readonly string[]): Promise<number> {
  const command = parseCommandLine(argv, import.meta);
  switch (command.mode) {
    case 'help':
      process.stdout.write(`${helpText.trimEnd()}\n`);
      return ExitCode.ok;
    case 'version':
      process.stdout.write(`${netscopeVersion()}\n`);
      return ExitCode.ok;
    // Each mode loads only its own modules: Ink and its layout engine alone are ~45 MiB of RSS
    // that --json, headless and events never use.
    case 'json':
      return (await import('./app/json-capture.js')).runJsonCapture(command);
    case 'headless':
      await (await import('./app/headless-capture.js')).runHeadless(command);
      return ExitCode.ok;
    case 'events':
      await (await import('./app/events-capture.js')).runEventStream(command);
      return ExitCode.ok;
    case 'triage':
      return (await import('./app/triage.js')).runTriage(command);
    case 'doctor':
      return (await import('./doctor/run-doctor.js')).runDoctor(process.stdout, hostPaths(command.hostRoot));
    case 'tui':
      if (!process.stdout.isTTY || !process.stdin.isTTY) {
        throw new UsageError('the live view needs a terminal (stdin and stdout are not both a TTY) — use --json for a snapshot');
      }
      await (await import('./app/tui.js')).runTui(command);
      return ExitCode.ok;
  }
}

function report(error: unknown): number {
  if (error instanceof NetscopeError) {
    process.stderr.write(`${error.line}\n`);
    return error.exitCode;
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
