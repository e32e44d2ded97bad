/** The build-product verdicts from injected presence and load errors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bpfObjectResult, nativeAddonResult } from '../../src/doctor/install-checks.js';
import { ExitCode } from '../../src/errors.js';

describe('build product checks', () => {
  it('fails a missing or unloadable addon and a missing BPF object with the set-up fix, exit 69', () => {
    const results = [nativeAddonResult(false, 'ENOENT'), nativeAddonResult(true, 'invalid ELF header'), bpfObjectResult(false)];
    for (const result of results) {
      assert.equal(result.status, 'fail');
      assert.equal(result.status === 'fail' && result.exitCode, ExitCode.unavailable);
      assert.match(result.fix ?? '', /scripts\/setup \(npm start does the same\)/);
    }
    assert.match(results[1]?.detail ?? '', /does not load: invalid ELF header/);
    assert.equal(nativeAddonResult(true, null).status, 'pass');
    assert.equal(bpfObjectResult(true).status, 'pass');
  });
});
