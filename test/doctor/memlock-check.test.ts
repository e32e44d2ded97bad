/** ulimit -l verdicts from injected /proc/PID/limits text, kernel versions and capabilities. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseKernelVersion } from '../../src/doctor/kernel-version.js';
import { formatLimit, memlockResult, parseMemlockLimit } from '../../src/doctor/memlock-check.js';
import type { CapabilityName } from '../../src/probes/capabilities.js';
import { ExitCode } from '../../src/errors.js';

function limitsText(soft: string, hard: string): string {
  return [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max open files            1024                 524288               files     ',
    `Max locked memory         ${soft.padEnd(20)} ${hard.padEnd(20)} bytes     `,
    '',
  ].join('\n');
}

const nothingHeld = new Set<CapabilityName>();
const kernel54 = parseKernelVersion('5.4.0-150-generic');

describe('memlock check', () => {
  it('parses the soft and hard limits, unlimited as Infinity', () => {
    assert.deepEqual(parseMemlockLimit(limitsText('65536', '65536')), { softBytes: 65536, hardBytes: 65536 });
    assert.deepEqual(parseMemlockLimit(limitsText('8388608', 'unlimited')), { softBytes: 8388608, hardBytes: Infinity });
    assert.equal(parseMemlockLimit('Max open files 1024 1024 files\n'), null);
    assert.deepEqual([formatLimit(65536), formatLimit(8 << 20), formatLimit(Infinity)], ['64 KiB', '8 MiB', 'unlimited']);
  });

  it('does not matter on 5.11+, whatever the limit', () => {
    const result = memlockResult(limitsText('65536', '65536'), parseKernelVersion('5.15.0'), nothingHeld);
    assert.equal(result.status, 'info');
    assert.equal(result.needed, false);
    assert.match(result.detail, /not needed: BPF memory is charged to the cgroup .*ulimit -l is 64 KiB/);
  });

  it('fails 64 KiB on 5.4 without CAP_SYS_RESOURCE: exit 77, with the ways to raise it', () => {
    const result = memlockResult(limitsText('65536', '65536'), kernel54, nothingHeld);
    assert.equal(result.status, 'fail');
    assert.equal(result.status === 'fail' && result.exitCode, ExitCode.noPermission);
    assert.match(result.detail, /ulimit -l is 64 KiB \(hard 64 KiB\), below the 64 MiB/);
    assert.match(result.fix ?? '', /ulimit -l unlimited.*LimitMEMLOCK=infinity.*--ulimit memlock=-1/);
  });

  it('passes on 5.4 when the limit is enough, or when libbpf can lift it', () => {
    assert.equal(memlockResult(limitsText('unlimited', 'unlimited'), kernel54, nothingHeld).status, 'pass');
    assert.equal(memlockResult(limitsText(String(64 << 20), String(64 << 20)), kernel54, nothingHeld).status, 'pass');
    assert.match(memlockResult(limitsText('65536', 'unlimited'), kernel54, nothingHeld).detail, /hard limit is unlimited/);
    assert.match(memlockResult(limitsText('65536', '65536'), kernel54, new Set(['SYS_RESOURCE'])).detail, /CAP_SYS_RESOURCE/);
  });

  it('judges an unknown kernel as an old one', () => {
    assert.equal(memlockResult(limitsText('65536', '65536'), null, nothingHeld).status, 'fail');
  });
});
