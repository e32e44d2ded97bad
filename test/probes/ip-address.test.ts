import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalAddressText, formatAddress, MAX_INTERNED_ADDRESSES } from '../../src/probes/ip-address.js';

const AF_INET = 2;
const AF_INET6 = 10;

/** 16 kernel-order address bytes after `offset` bytes of padding, as in a record. */
function addressBytes(octets: number[], offset = 8): Uint8Array {
  const bytes = new Uint8Array(offset + 16);
  bytes.set(octets, offset);
  return bytes;
}

function ipv6(groups: number[]): number[] {
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

describe('formatAddress', () => {
  it('writes IPv4 as a dotted quad and IPv6 in RFC 5952 form, read at the offset', () => {
    assert.equal(formatAddress(addressBytes([127, 0, 0, 1]), 8, AF_INET), '127.0.0.1');
    assert.equal(formatAddress(addressBytes([255, 254, 10, 0]), 8, AF_INET), '255.254.10.0');
    assert.equal(formatAddress(addressBytes(ipv6([0, 0, 0, 0, 0, 0, 0, 1])), 8, AF_INET6), '::1');
    assert.equal(formatAddress(addressBytes(ipv6([0, 0, 0, 0, 0, 0xffff, 0x7f00, 1])), 8, AF_INET6), '::ffff:127.0.0.1');
    assert.equal(formatAddress(addressBytes(ipv6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 0xab])), 8, AF_INET6), '2001:db8::1:0:0:ab');
  });

  it('gives the right text for an address met again, also after the memory started over', () => {
    const first = formatAddress(addressBytes([10, 1, 2, 3]), 8, AF_INET);
    // Enough distinct addresses, of both families, to make the memory start over at least once.
    for (let index = 0; index < MAX_INTERNED_ADDRESSES + 10; index++) {
      const octets = [10, (index >> 16) & 0xff, (index >> 8) & 0xff, index & 0xff];
      assert.equal(formatAddress(addressBytes(octets), 8, AF_INET), octets.join('.'));
      if (index % 1000 === 1) {
        assert.equal(formatAddress(addressBytes(ipv6([0xfd00, 0, 0, 0, 0, 0, 0, index])), 8, AF_INET6), `fd00::${index.toString(16)}`);
      }
    }
    assert.equal(formatAddress(addressBytes([10, 1, 2, 3]), 8, AF_INET), first);
    assert.equal(formatAddress(addressBytes([192, 168, 100, 200]), 8, AF_INET), '192.168.100.200');
  });

  it('writes an address that came as text (a DNS answer, a hosts file) as formatAddress does; a mapped IPv4 as IPv4', () => {
    assert.equal(canonicalAddressText('10.0.0.7'), '10.0.0.7');
    assert.equal(canonicalAddressText('2001:DB8:0:0:1:0:0:AB'), formatAddress(addressBytes(ipv6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 0xab])), 8, AF_INET6));
    assert.equal(canonicalAddressText('1:0:0:2:0:0:0:3'), '1:0:0:2::3');
    assert.equal(canonicalAddressText('::ffff:102:304'), '1.2.3.4');
    assert.equal(canonicalAddressText('::FFFF:10.0.0.7'), '10.0.0.7');
    assert.equal(canonicalAddressText('::1'), '::1');
    assert.equal(canonicalAddressText('not-an-address'), null);
    assert.equal(canonicalAddressText('10.0.0.256'), null);
  });
});
