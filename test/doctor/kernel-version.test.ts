/** Kernel release strings as `uname -r` prints them, and the feature floors they are held to. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kernelAtLeast, kernelFeatureSince, parseKernelVersion } from '../../src/doctor/kernel-version.js';

describe('kernel version', () => {
  it('parses mainline, distribution and two-part releases', () => {
    assert.deepEqual(parseKernelVersion('6.18.44-fc-v657'), { major: 6, minor: 18, patch: 44 });
    assert.deepEqual(parseKernelVersion('4.18.0-553.el8_10.x86_64'), { major: 4, minor: 18, patch: 0 });
    assert.deepEqual(parseKernelVersion('6.1'), { major: 6, minor: 1, patch: 0 });
    assert.equal(parseKernelVersion('linux'), null);
  });

  it('compares major before minor, and never looks at the patch level', () => {
    const at = (release: string) => parseKernelVersion(release)!;
    assert.equal(kernelAtLeast(at('5.8.0'), kernelFeatureSince.ringBuffer), true);
    assert.equal(kernelAtLeast(at('5.7.19'), kernelFeatureSince.ringBuffer), false);
    assert.equal(kernelAtLeast(at('6.0.0'), kernelFeatureSince.memcgAccounting), true);
    assert.equal(kernelAtLeast(at('4.19.300'), kernelFeatureSince.typedTracepoints), false);
  });
});
