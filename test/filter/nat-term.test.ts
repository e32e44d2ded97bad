import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseFilter } from '../../src/filter/filter-query.js';
import { natMatchesTerm } from '../../src/filter/nat-term.js';
import type { NatSnapshot } from '../../src/model/snapshot-types.js';

const nat: NatSnapshot = {
  destination: { address: '10.244.1.7', port: 8080 },
  originalDestination: { address: '10.96.0.10', port: 80 },
  direction: 'outgoing',
  table: 'host',
};

function natTerm(text: string) {
  const parsed = parseFilter(text);
  assert.equal(parsed.error, null, text);
  const term = parsed.groups[0]?.[0];
  if (term?.kind !== 'nat') throw new Error(`${text} is not a nat: term`);
  return term;
}

describe('the nat: filter word', () => {
  test('parses *, a port, an address and an endpoint (IPv6 in brackets)', () => {
    assert.deepEqual(natTerm('nat:*'), { kind: 'nat', address: null, port: null, negated: false });
    assert.deepEqual(natTerm('nat:80'), { kind: 'nat', address: null, port: 80, negated: false });
    assert.deepEqual(natTerm('!nat:10.96.0.10'), { kind: 'nat', address: '10.96.0.10', port: null, negated: true });
    assert.deepEqual(natTerm('NAT:[FD00::1]:53'), { kind: 'nat', address: 'fd00::1', port: 53, negated: false });
    assert.match(parseFilter('nat:coredns').error ?? '', /nat:coredns — give an address, address:port or port/);
    assert.match(parseFilter('nat:70000').error ?? '', /a port is a number from 0 to 65535/);
  });

  test('matches either side of the translation, and never an untranslated connection', () => {
    assert.equal(natMatchesTerm(nat, natTerm('nat:*')), true);
    assert.equal(natMatchesTerm(null, natTerm('nat:*')), false);
    assert.equal(natMatchesTerm(nat, natTerm('nat:10.96.0.10')), true, 'what was addressed');
    assert.equal(natMatchesTerm(nat, natTerm('nat:10.244.1.7:8080')), true, 'where it went');
    assert.equal(natMatchesTerm(nat, natTerm('nat:10.244.1.7:80')), false, 'an address and a port of different sides');
    assert.equal(natMatchesTerm(nat, natTerm('nat:443')), false);
  });
});
