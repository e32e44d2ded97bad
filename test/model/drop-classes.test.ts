import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DROP_CLASSES, dropClassOf, reasonsOfClass, type DropClass } from '../../src/model/drop-classes.js';

const EXPECTED: Record<DropClass, string[]> = {
  matters: [
    'NETFILTER_DROP',
    'SOCKET_FILTER',
    'SOCKET_RCVBUFF',
    'SOCKET_BACKLOG',
    'PROTO_MEM',
    'TCP_ZEROWINDOW',
    'TCP_OVERWINDOW',
    'TCP_OFO_QUEUE_PRUNE',
    'TCP_OFO_DROP',
    'TCP_LISTEN_OVERFLOW',
    'QDISC_DROP',
    'CPU_BACKLOG',
    'NOMEM',
    'TCP_CSUM',
    'IP_OUTNOROUTES',
    'TCP_MD5FAILURE',
    'TCP_AOFAILURE',
  ],
  refused: ['NO_SOCKET'],
  stray: [
    'TCP_CLOSE',
    'SOCKET_CLOSE',
    'TCP_ABORT_ON_DATA',
    'TCP_OLD_DATA',
    'TCP_OFOMERGE',
    'TCP_OLD_ACK',
    'TCP_TOO_OLD_ACK',
    'TCP_OLD_SEQUENCE',
    'TCP_RFC7323_PAWS',
    'TCP_RFC7323_PAWS_ACK',
    'TCP_RFC7323_TW_PAWS',
    'TCP_INVALID_SEQUENCE',
    'TCP_RESET',
  ],
  housekeeping: ['QUEUE_PURGE', 'OTHERHOST'],
  unclassified: ['NOT_SPECIFIED', 'UNKNOWN_4242', 'SOME_REASON_OF_A_FUTURE_KERNEL', ''],
};

describe('drop classes', () => {
  for (const dropClass of DROP_CLASSES) {
    test(`${dropClass}: ${EXPECTED[dropClass].join(', ') || '(empty name)'}`, () => {
      for (const reason of EXPECTED[dropClass]) assert.equal(dropClassOf(reason), dropClass, reason);
    });
  }

  test('a name not listed, NOT_SPECIFIED included, is unclassified: the kernel gains reasons every release', () => {
    assert.equal(dropClassOf('NOT_SPECIFIED'), 'unclassified');
    assert.equal(dropClassOf('netfilter_drop'), 'unclassified', 'names are matched exactly, as BTF spells them');
    assert.equal(dropClassOf('SKB_DROP_REASON_NETFILTER_DROP'), 'unclassified', 'the prefix is stripped before classifying');
    assert.deepEqual(reasonsOfClass('unclassified'), []);
  });

  test('no reason is listed in two classes', () => {
    const listed = DROP_CLASSES.flatMap((dropClass) => reasonsOfClass(dropClass));
    assert.equal(new Set(listed).size, listed.length);
    for (const dropClass of DROP_CLASSES) for (const reason of reasonsOfClass(dropClass)) assert.equal(dropClassOf(reason), dropClass, reason);
  });
});
