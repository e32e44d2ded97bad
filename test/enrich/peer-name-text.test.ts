import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PEER_NAME_MAX_CHARACTERS, peerNameText } from '../../src/enrich/peer-name-text.js';

describe('a peer name as shown', () => {
  test('a plain name is kept as it is', () => {
    assert.equal(peerNameText('orders-db.prod.svc.cluster.local'), 'orders-db.prod.svc.cluster.local');
  });

  test('253 characters are kept; 254 are cut to 252 and …', () => {
    const exact = 'a'.repeat(PEER_NAME_MAX_CHARACTERS);
    assert.equal(peerNameText(exact), exact);
    assert.equal(peerNameText(`${exact}b`), `${'a'.repeat(252)}…`);
  });

  test('control and bidi characters are escaped, and a cut never splits an escape', () => {
    const name = peerNameText(`${'a'.repeat(250)}\x1b[2J`);
    assert.equal(name, `${'a'.repeat(250)}…`);
    const escapes = peerNameText('\u202e'.repeat(100));
    assert.ok(escapes.length <= PEER_NAME_MAX_CHARACTERS);
    assert.match(escapes, /^(\\u202e)+…$/);
  });

  test('an astral character is never split into a lone surrogate', () => {
    const name = peerNameText('😀'.repeat(300));
    assert.equal([...name].length, PEER_NAME_MAX_CHARACTERS);
    assert.ok(name.isWellFormed());
  });
});
