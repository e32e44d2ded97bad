import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandLine } from '../../src/app/cli-options.js';
import { helpText } from '../../src/app/flag-table.js';

function flightMinutes(...argv: string[]): number {
  const command = parseCommandLine(argv, import.meta);
  assert.ok(command.mode !== 'help' && command.mode !== 'version');
  return command.flightWindowMs / 60_000;
}

describe('the flight recorder on the command line', () => {
  it('keeps the last 10 minutes where the capture runs until a signal', () => {
    assert.equal(flightMinutes(), 10);
    assert.equal(flightMinutes('--headless'), 10);
    assert.equal(flightMinutes('--events'), 10);
    assert.equal(flightMinutes('--json', '--duration', '0'), 10);
  });

  it('keeps nothing for a --json capture with a duration, or triage: they print and exit', () => {
    assert.equal(flightMinutes('--json'), 0);
    assert.equal(flightMinutes('--json', '--duration', '8'), 0);
    assert.equal(flightMinutes('triage'), 0);
    assert.equal(flightMinutes('triage', '--json'), 0);
  });

  it('keeps what is asked for: --flight-minutes, or --flight-dumps, which write it out', () => {
    assert.equal(flightMinutes('--json', '--flight-minutes', '3'), 3);
    assert.equal(flightMinutes('--json', '--flight-dumps', '2'), 10);
    assert.equal(flightMinutes('triage', '--flight-dumps', '1'), 10);
    assert.equal(flightMinutes('--flight-minutes', '0'), 0);
  });

  it('says so in --help', () => {
    assert.match(helpText, /--flight-minutes N +Keep the last N minutes in memory for w \/ SIGUSR1 \(default 10; 0 = off; none for a --json capture with a duration, or triage, unless --flight-dumps\)/);
  });
});
