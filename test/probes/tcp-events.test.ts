import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelRecord } from '../../src/model/records.js';
import { reasonNamesFrom } from '../../src/probes/reason-names.js';
import { tcpEventDecoder, TcpEventKind } from '../../src/probes/tcp-events.js';
import { buildTcpEvent } from './tcp-event-builder.js';

const clock = { toWallMs: (monotonicMs: number) => monotonicMs + 1_700_000_000_000 };
const dropReasons = reasonNamesFrom([{ name: 'SKB_DROP_REASON_NETFILTER_DROP', value: 12 }], 'SKB_DROP_REASON_');
const resetReasons = reasonNamesFrom([{ name: 'SK_RST_REASON_NOT_SPECIFIED', value: 0 }], 'SK_RST_REASON_');
const decoder = tcpEventDecoder(clock, dropReasons, resetReasons, (comm) => comm);

function decodeAll(...records: Buffer[]): ModelRecord[] {
  const decoded: ModelRecord[] = [];
  decoder.decode(Buffer.concat(records), records.length, (record) => decoded.push(record));
  return decoded;
}

describe('tcp_event decoding', () => {
  it('decodes a connect with its owner, endpoints, counters and wall-clock time', () => {
    const [record] = decodeAll(
      buildTcpEvent({
        tsNs: 2_500_000_000n,
        cookie: 0x1_0000_0007n,
        oldState: 7,
        newState: 2,
        ownerKnown: true,
        pid: 4242,
        uid: 1000,
        cgroupId: 99n,
        comm: 'curl',
        sport: 51000,
        dport: 443,
        saddr: [10, 0, 0, 2],
        daddr: [93, 184, 216, 34],
        bytesAcked: 5_000_000_000n,
        srttUs: 1500,
      }),
    );
    assert.deepEqual(record, {
      kind: 'state',
      atMs: 1_700_000_002_500,
      cookie: 0x1_0000_0007,
      endpoints: { family: 'ipv4', saddr: '10.0.0.2', sport: 51000, daddr: '93.184.216.34', dport: 443, netns: 4026531840 },
      oldState: 7,
      newState: 2,
      owner: { pid: 4242, comm: 'curl', uid: 1000, cgroupId: 99 },
      counters: { bytesAcked: 5_000_000_000, bytesReceived: 0, segsOut: 0, segsIn: 0, totalRetrans: 0, srttUs: 1500 },
    });
  });

  it('leaves the owner out when the change ran in softirq', () => {
    const [record] = decodeAll(buildTcpEvent({ ownerKnown: false, pid: 7, comm: 'swapper' }));
    assert.equal(record?.kind === 'state' && record.owner, null);
  });

  it('formats IPv6 addresses canonically', () => {
    const loopback = [...Array(15).fill(0), 1];
    const mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1];
    const [one, two] = decodeAll(
      buildTcpEvent({ family: 10, saddr: loopback, daddr: mapped }),
      buildTcpEvent({ family: 10, saddr: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1], daddr: loopback }),
    );
    assert.ok(one?.kind === 'state' && two?.kind === 'state');
    assert.equal(one.endpoints.saddr, '::1');
    assert.equal(one.endpoints.daddr, '::ffff:127.0.0.1');
    assert.equal(one.endpoints.family, 'ipv6');
    assert.equal(two.endpoints.saddr, '2001:db8::1:0:0:1');
  });

  it('names drop reasons from the kernel enum and keeps the packet direction', () => {
    const [record] = decodeAll(
      buildTcpEvent({ kind: TcpEventKind.DROP, reason: 12, cookie: 0n, saddr: [127, 0, 0, 2], sport: 9, dport: 10 }),
    );
    assert.deepEqual(record?.kind === 'drop' && [record.reason, record.packet.saddr, record.packet.sport, record.cookie], [
      'NETFILTER_DROP',
      '127.0.0.2',
      9,
      0,
    ]);
  });

  it('names an unknown reason by number rather than guessing', () => {
    const [record] = decodeAll(buildTcpEvent({ kind: TcpEventKind.DROP, reason: 999 }));
    assert.equal(record?.kind === 'drop' && record.reason, 'UNKNOWN_999');
  });

  it('decodes resets in both directions and retransmits', () => {
    const records = decodeAll(
      buildTcpEvent({ kind: TcpEventKind.RESET_SENT, hasCounters: false }),
      buildTcpEvent({ kind: TcpEventKind.RESET_RECEIVED, newState: 2 }),
      buildTcpEvent({ kind: TcpEventKind.RETRANSMIT, totalRetrans: 3, newState: 1 }),
    );
    assert.deepEqual(
      records.map((record) => [record.kind, record.kind === 'reset' ? record.direction : null]),
      [
        ['reset', 'sent'],
        ['reset', 'received'],
        ['retransmit', null],
      ],
    );
    const [sent, , retransmit] = records;
    assert.equal(sent?.kind === 'reset' && sent.counters, null);
    assert.equal(retransmit?.kind === 'retransmit' && retransmit.counters.totalRetrans, 3);
  });

  it('skips records of a kind it does not know', () => {
    assert.equal(decodeAll(buildTcpEvent({ kind: 9 as never })).length, 0);
  });
});
