import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { parseResolverAddress, resolveOption } from '../../src/app/resolver-flag.js';

function refused(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof UsageError);
    assert.equal(error.message.includes('\n'), false, 'one line');
    assert.match(error.message, pattern);
    return true;
  });
}

describe('--resolve and --resolver', () => {
  test('an address, with or without a port; IPv6 bare or in brackets', () => {
    assert.deepEqual(parseResolverAddress('10.96.0.10'), { host: '10.96.0.10', port: 53 });
    assert.deepEqual(parseResolverAddress('127.0.0.53:5353'), { host: '127.0.0.53', port: 5353 });
    assert.deepEqual(parseResolverAddress('fd00::53'), { host: 'fd00::53', port: 53 });
    assert.deepEqual(parseResolverAddress('[fd00::53]:5353'), { host: 'fd00::53', port: 5353 });
    assert.deepEqual(parseResolverAddress('[::1]'), { host: '::1', port: 53 });
  });

  test('anything else is refused in one line naming the cause and showing the form', () => {
    refused(() => parseResolverAddress('dns.example'), /^--resolver dns\.example: dns\.example is not an IP address — give the DNS server's IP, e\.g\. --resolver 10\.96\.0\.10/);
    refused(() => parseResolverAddress('127.0.0.1:0'), /port 0 is not 1–65535/);
    refused(() => parseResolverAddress('127.0.0.1:'), /port \(none\) is not 1–65535/);
    refused(() => parseResolverAddress('127.0.0.1:53x'), /port 53x is not 1–65535/);
    refused(() => parseResolverAddress('[127.0.0.1]:53'), /only an IPv6 address goes in brackets/);
    refused(() => parseResolverAddress(':53'), /no address/);
    refused(() => parseResolverAddress(' '), /--resolver needs the DNS server's IP address/);
  });

  test('off by default; --resolver alone and --resolve with --replay are refused', () => {
    assert.equal(resolveOption(false, undefined, false), null);
    assert.deepEqual(resolveOption(true, undefined, false), { server: null });
    assert.deepEqual(resolveOption(true, '127.0.0.1:5353', false), { server: { host: '127.0.0.1', port: 5353 } });
    refused(() => resolveOption(false, '127.0.0.1', false), /add --resolve$/);
    refused(() => resolveOption(true, undefined, true), /drop --resolve$/);
  });
});
