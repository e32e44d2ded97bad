import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseNetstatCounters, parseOpenFilesLimit, parseSockstatTcp, parseWholeNumber, parseWholeNumbers } from '../../src/sources/proc-gauge-parsers.js';

describe('/proc gauge parsers', () => {
  test('sysctl values', () => {
    assert.equal(parseWholeNumber('131072\n'), 131072);
    assert.equal(parseWholeNumber('-1\n'), null);
    assert.equal(parseWholeNumber(null), null);
    assert.deepEqual(parseWholeNumbers('32768\t60999\n', 2), [32768, 60999]);
    assert.deepEqual(parseWholeNumbers('287892\t383858\t575784\n', 3), [287892, 383858, 575784]);
    assert.equal(parseWholeNumbers('32768\n', 2), null);
  });

  test('sockstat: orphans and pages TCP holds', () => {
    const text = 'sockets: used 312\nTCP: inuse 25 orphan 2 tw 14 alloc 40 mem 311\nUDP: inuse 3 mem 4\n';
    assert.deepEqual(parseSockstatTcp(text), { orphans: 2, memoryPages: 311 });
    assert.equal(parseSockstatTcp('UDP: inuse 3 mem 4\n'), null);
  });

  test('netstat: the TcpExt counters by name, 0 for those this kernel lacks', () => {
    const text = [
      'TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPAbortOnMemory TCPMemoryPressures TCPBacklogDrop',
      'TcpExt: 0 7 9 1 2 3',
      'IpExt: InNoRoutes InTruncatedPkts',
      'IpExt: 0 0',
      '',
    ].join('\n');
    assert.deepEqual(parseNetstatCounters(text), {
      listenOverflows: 7,
      listenDrops: 9,
      tcpAbortOnMemory: 1,
      tcpMemoryPressures: 2,
      tcpBacklogDrop: 3,
      tcpTimeWaitOverflow: 0,
    });
    assert.equal(parseNetstatCounters('IpExt: a\nIpExt: 1\n'), null);
  });

  test('limits: the soft Max open files, null when unlimited', () => {
    const limits = (soft: string) => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 1048576              files\n`;
    assert.equal(parseOpenFilesLimit(limits('1024')), 1024);
    assert.equal(parseOpenFilesLimit(limits('unlimited')), null);
    assert.equal(parseOpenFilesLimit('Max processes 10 10 processes\n'), undefined);
  });
});
