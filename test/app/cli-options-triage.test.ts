import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandLine, type CliOptions } from '../../src/app/cli-options.js';
import { helpText } from '../../src/app/flag-table.js';
import { ExitCode, UsageError } from '../../src/errors.js';

function parse(...argv: string[]): CliOptions {
  const command = parseCommandLine(argv, import.meta);
  assert.ok(command.mode !== 'help' && command.mode !== 'version');
  return command;
}

function rejects(argv: string[], pattern: RegExp): void {
  assert.throws(
    () => parseCommandLine(argv, import.meta),
    (error: unknown) => error instanceof UsageError && pattern.test(error.line) && !error.line.includes('\n'),
  );
}

describe('netscope triage on the command line', () => {
  it('captures 5 s by default and prints the report', () => {
    const options = parse('triage');
    assert.equal(options.mode, 'triage');
    assert.equal(options.durationMs, 5000);
    assert.equal(options.triageOutput, 'report');
  });

  it('takes --json, --duration, the scope flags, --record and --replay with --at', () => {
    const options = parse('triage', '--json', '--duration', '2', '--port', '8080', '--pid', '7', '--record', 'r.ndjson');
    assert.deepEqual([options.mode, options.triageOutput, options.durationMs, options.port, options.pid, options.recordPath], ['triage', 'json', 2000, 8080, 7, 'r.ndjson']);
    const replay = parse('triage', '--replay', 'r.ndjson', '--at', '30');
    assert.deepEqual([replay.replayPath, replay.replayAt], ['r.ndjson', { kind: 'relative', ms: 30_000 }]);
    assert.equal(parse('triage', '--json', '-o', 'f.json').outputPath, 'f.json');
  });

  for (const [argv, pattern] of [
    [['triage', '--events'], /^netscope: triage prints its report and exits — drop --events, a mode of its own$/],
    [['triage', '--headless'], /drop --headless/],
    [['triage', '-F', 'nginx'], /scope triage with --pid, --port, --container or --pod/],
    [['triage', '--sort', 'rate'], /--filter and --sort shape the live view/],
    [['triage', 'now'], /unexpected argument now/],
    [['triage', '--output', 'f.json'], /--output writes the findings as JSON — add --json/],
    [['triage', '--duration', 'soon'], /--duration needs a number of seconds/],
  ] as const) {
    it(`rejects ${argv.join(' ')} in one line`, () => rejects([...argv], pattern));
  }
});

describe('flight dumps on the command line', () => {
  it('off unless asked; then at most N a run, within 1 GiB unless told', () => {
    assert.equal(parse('--json').flightDumps, 0);
    const options = parse('--headless', '--flight-dumps', '3');
    assert.equal(options.flightDumps, 3);
    assert.equal(options.flightDumpsMaxBytes, 1024 * 1024 * 1024);
    assert.equal(parse('--headless', '--flight-dumps', '1', '--flight-dumps-max-mb', '16').flightDumpsMaxBytes, 16 * 1024 * 1024);
  });

  for (const value of ['-1', '1.5', '101']) {
    it(`rejects --flight-dumps ${value}`, () => rejects(['--flight-dumps', value], new RegExp(`--flight-dumps ${value.replace('.', '\\.')} is out of range — use a whole number from 0 \\(none\\) to 100`)));
  }
  it('rejects --flight-dumps-max-mb 0', () => rejects(['--flight-dumps-max-mb', '0'], /--flight-dumps-max-mb 0 is out of range/));

  for (const [argv, cause] of [
    [['--headless', '--flight-dumps', '2', '--flight-minutes', '0'], /--flight-minutes 0 turns the flight recorder off/],
    [['--headless', '--flight-dumps', '2', '--record', 'r.ndjson'], /--record writes everything already/],
    [['--json', '--flight-dumps', '2', '--replay', 'r.ndjson'], /a replay records nothing/],
  ] as const) {
    it(`rejects ${argv.join(' ')}: there is no flight recorder to write`, () => rejects([...argv], cause));
  }
});

describe('--help', () => {
  it('shows triage and its own exit codes, apart from the others', () => {
    assert.match(helpText, /\$ netscope triage \[options\] +capture a few seconds, then say what is wrong/);
    assert.match(helpText, /triage: 0 nothing wrong \(info at most\) · 10 warnings only · 11 a critical finding/);
    assert.equal(ExitCode.triageWarnings, 10);
    assert.equal(ExitCode.triageCritical, 11);
    const others = Object.entries(ExitCode).filter(([name]) => !name.startsWith('triage')).map(([, code]) => code);
    assert.ok(!others.includes(10) && !others.includes(11), 'distinct from every other exit code');
  });
});
