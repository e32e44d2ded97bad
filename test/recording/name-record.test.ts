import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseRecord } from '../../src/recording/record-shapes.js';
import type { PeerNameRecord } from '../../src/model/records.js';

const ptrName: PeerNameRecord = { kind: 'name', atMs: Date.UTC(2026, 0, 1), netns: 4026531840, address: '127.0.0.16', name: 'db-7.reverse.test', source: 'ptr', ttlSeconds: 600, cgroupId: 0 };

describe('name records in a recording', () => {
  test('a PTR lookup\'s name (--resolve) reads back as it was written', () => {
    assert.deepEqual(parseRecord('name', JSON.parse(JSON.stringify(ptrName))), { value: ptrName });
  });

  test('a source netscope does not know is refused, naming the field', () => {
    const parsed = parseRecord('name', { ...ptrName, source: 'mdns' });
    assert.ok('problem' in parsed);
    assert.match(parsed.problem, /source/);
  });
});
