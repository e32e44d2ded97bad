import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatEndpoint,
  formatInterval,
  formatLatency,
  formatPerSecond,
  formatRate,
  formatState,
  formatTimeOfDay,
  pad,
  truncate,
  truncateMiddle,
} from '../../../src/ui/view-model/format.js';
import { sparkline } from '../../../src/ui/view-model/sparkline.js';
import { displayWidth } from '../../../src/ui/view-model/text-width.js';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('format', () => {
  test('bytes in IEC units, three significant digits at most', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1023), '1023 B');
    assert.equal(formatBytes(1024), '1.0 KiB');
    assert.equal(formatBytes(1.2 * MiB), '1.2 MiB');
    assert.equal(formatBytes(12.44 * MiB), '12.4 MiB');
    assert.equal(formatBytes(123 * MiB), '123 MiB');
    assert.equal(formatBytes(1023.9 * KiB), '1.0 MiB');
    assert.equal(formatBytes(3 * 1024 * MiB), '3.0 GiB');
  });

  test('rates, with a trickle told apart from silence', () => {
    assert.equal(formatRate(0), '0 B/s');
    assert.equal(formatRate(0.2), '<1 B/s');
    assert.equal(formatRate(12.4 * MiB), '12.4 MiB/s');
    assert.equal(formatPerSecond(0), '0/s');
    assert.equal(formatPerSecond(0.5), '0.5/s');
    assert.equal(formatPerSecond(3), '3/s');
    assert.equal(formatPerSecond(1204), '1,204/s');
  });

  test('durations coarsen as they grow and never run ahead', () => {
    assert.equal(formatDuration(850), '850ms');
    assert.equal(formatDuration(3200), '3.2s');
    assert.equal(formatDuration(9999), '9.9s');
    assert.equal(formatDuration(42_000), '42s');
    assert.equal(formatDuration(192_000), '3m12s');
    assert.equal(formatDuration(185_000), '3m05s');
    assert.equal(formatDuration(3_720_000), '1h02m');
    assert.equal(formatDuration((2 * 24 + 3) * 3_600_000), '2d03h');
    assert.equal(formatDuration(-5), '0ms');
  });

  test('latencies keep their precision', () => {
    assert.equal(formatLatency(0.042), '42us');
    assert.equal(formatLatency(3.214), '3.21ms');
    assert.equal(formatLatency(123.44), '123.4ms');
    assert.equal(formatLatency(1200), '1.2s');
    assert.equal(formatInterval(250), '250ms');
    assert.equal(formatInterval(1000), '1s');
    assert.equal(formatInterval(2500), '2.5s');
  });

  test('times of day are local, with milliseconds', () => {
    assert.equal(formatTimeOfDay(new Date(2025, 0, 1, 12, 3, 4, 120).getTime()), '12:03:04.120');
    assert.equal(formatTimeOfDay(new Date(2025, 0, 1, 0, 0, 9, 5).getTime()), '00:00:09.005');
  });

  test('endpoints bracket IPv6 addresses; counts group thousands; ESTABLISHED is short', () => {
    assert.equal(formatEndpoint('127.0.0.1', 443), '127.0.0.1:443');
    assert.equal(formatEndpoint('::1', 443), '[::1]:443');
    assert.equal(formatEndpoint('::ffff:10.0.0.1', 80), '[::ffff:10.0.0.1]:80');
    assert.equal(formatCount(1204), '1,204');
    assert.equal(formatCount(1_234_567), '1,234,567');
    for (const count of [0, 7, 999, 1000, 99_999.5, 100_000, 12_345_678_901, -1204, 2.5, 1e20]) {
      assert.equal(formatCount(count), new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 }).format(count), `${count}`);
    }
    assert.equal(formatState('ESTABLISHED'), 'ESTAB');
    assert.equal(formatState('TIME_WAIT'), 'TIME_WAIT');
  });

  test('truncate cuts with an ellipsis and never exceeds the width, wide characters included', () => {
    assert.equal(truncate('nginx', 10), 'nginx');
    assert.equal(truncate('postgres-worker', 8), 'postgre…');
    assert.equal(truncate('abc', 1), '…');
    assert.equal(truncate('abc', 0), '');
    assert.equal(truncate('日本語テキスト', 5), '日本…');
    for (let width = 0; width < 16; width++) {
      assert.ok(displayWidth(truncate('日本語のプロセス名 node', width)) <= width);
      assert.ok(displayWidth(truncateMiddle('[2001:db8::1234:5678]:443', width)) <= width);
    }
  });

  test('middle truncation keeps the port of an endpoint', () => {
    const cut = truncateMiddle('[2001:db8:85a3::8a2e:370:7334]:443', 16);
    assert.equal(displayWidth(cut), 16);
    assert.ok(cut.endsWith(':443'), cut);
    assert.ok(cut.includes('…'));
    assert.equal(truncateMiddle('10.0.0.1:80', 16), '10.0.0.1:80');
  });

  test('pad fills exactly the width on the side opposite the alignment', () => {
    assert.equal(pad('42', 5, 'right'), '   42');
    assert.equal(pad('abc', 5, 'left'), 'abc  ');
    assert.equal(pad('abcdefgh', 5, 'left'), 'abcd…');
    assert.equal(displayWidth(pad('日本', 6, 'left')), 6);
  });
});

describe('sparkline', () => {
  test('is exactly the width asked, newest on the right', () => {
    assert.equal(sparkline([], 5), '     ');
    assert.equal(sparkline([1, 2], 4), '  ▅█');
    const long = Array.from({ length: 100 }, (_unused, index) => index);
    const line = sparkline(long, 10);
    assert.equal(line.length, 10);
    assert.equal(line.at(-1), '█');
    assert.equal(sparkline([5], 0), '');
  });

  test('all zero is the lowest bar; any traffic is above it', () => {
    assert.equal(sparkline([0, 0, 0], 3), '▁▁▁');
    assert.equal(sparkline([0, 1, 1000], 3), '▁▂█');
    assert.equal(sparkline([Number.NaN, -4, 8], 3), '▁▁█');
  });
});
