import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { nativeAddonPath } from '../../src/probes/package-paths.js';

/**
 * In a process of its own, so its resident size is the test's: 64 MiB in 8 KiB buffers (malloc's
 * main arena, below the mmap threshold), one more kept above them so glibc cannot give the rest
 * back from the arena's top, then the 64 MiB freed. Prints VmRSS in kB before and after the
 * release, and what the release returned.
 */
const FREE_THEN_RELEASE = `
const addon = require(process.argv[1]);
const { readFileSync } = require('node:fs');
const rssKb = () => Number(/VmRSS:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
let buffers = [];
for (let i = 0; i < 8192; i++) buffers.push(Buffer.allocUnsafeSlow(8192).fill(1));
const pin = Buffer.allocUnsafeSlow(8192).fill(1);
buffers = null;
gc();
setTimeout(() => {
  gc();
  setTimeout(() => {
    const before = rssKb();
    const released = addon.releaseFreedMemory();
    console.log(JSON.stringify({ before, after: rssKb(), released, pinned: pin.length }));
  }, 200);
}, 200);
`;

describe("giving malloc's free pages back", () => {
  it('returns freed memory under a live allocation to the kernel', () => {
    const output = execFileSync(process.execPath, ['--expose-gc', '-e', FREE_THEN_RELEASE, nativeAddonPath], {
      encoding: 'utf8',
      env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '131072', MALLOC_TRIM_THRESHOLD_: '131072' },
    });
    const { before, after, released } = JSON.parse(output) as { before: number; after: number; released: boolean };
    assert.equal(released, true);
    assert.ok(before - after > 48 * 1024, `resident ${before} kB before, ${after} kB after: under 48 MiB given back`);
  });
});
