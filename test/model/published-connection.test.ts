import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ModelRecord, PeerNameRecord } from '../../src/model/records.js';
import type { ModelSnapshot } from '../../src/model/snapshot-types.js';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { TcpState } from '../../src/model/records.js';
import { plainSnapshot } from '../support/plain-snapshot.js';
import {
  HOST_NETNS,
  T0,
  counters,
  dropRecord,
  endpoints,
  flowLimits,
  natRecord,
  ownerRecord,
  resetRecord,
  retransmitRecord,
  sampleRecord,
  stateRecord,
  sweepRecord,
  taskOwner,
  udpFlowRecord,
  udpSocketRecord,
} from './record-builders.js';

const LIMITS = flowLimits({ busyUs: 3.6e9, rwndLimitedUs: 3.6e9 });

const peerName: PeerNameRecord = {
  kind: 'name',
  atMs: T0,
  netns: HOST_NETNS,
  address: '93.184.216.34',
  name: 'example.test',
  source: 'dns',
  ttlSeconds: 600,
  cgroupId: 77,
};

/**
 * One connection's life, a change of every kind each step: a step's records are ingested, then
 * the model ticks a second later.
 */
function lifeSteps(): { name: string; records: (atMs: number) => ModelRecord[] }[] {
  const established = endpoints({ sport: 40000 });
  return [
    {
      name: 'connect, before the local port is bound',
      records: (atMs) => [stateRecord({ cookie: 1, atMs, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, endpoints: endpoints({ sport: 0 }), owner: taskOwner() })],
    },
    {
      name: 'established, its local port learnt',
      records: (atMs) => [stateRecord({ cookie: 1, atMs, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED, endpoints: established })],
    },
    { name: 'bytes and a round trip sampled', records: (atMs) => [sampleRecord({ cookie: 1, atMs, endpoints: established, counters: counters({ bytesAcked: 800, segsOut: 4, srttUs: 1200 }) })] },
    { name: 'nothing more: its rates fall to 0', records: () => [] },
    { name: 'a new round trip alone', records: (atMs) => [sampleRecord({ cookie: 1, atMs, endpoints: established, counters: counters({ bytesAcked: 800, segsOut: 4, srttUs: 1500 }) })] },
    { name: 'a retransmit', records: (atMs) => [retransmitRecord({ cookie: 1, atMs, endpoints: established })] },
    { name: 'a reset received', records: (atMs) => [resetRecord({ cookie: 1, atMs, endpoints: established, direction: 'received' })] },
    { name: 'a drop', records: (atMs) => [dropRecord({ cookie: 1, atMs, packet: established })] },
    { name: 'a translated destination', records: (atMs) => [natRecord({ cookie: 1, atMs })] },
    { name: 'a name for its peer', records: (atMs) => [{ ...peerName, atMs }] },
    {
      name: 'what limits its sending',
      records: (atMs) => [
        sampleRecord({ cookie: 1, atMs, endpoints: established, counters: counters({ bytesAcked: 800, segsOut: 4, srttUs: 1500 }), limits: LIMITS }),
        sampleRecord({ cookie: 1, atMs: atMs + 100, endpoints: established, counters: counters({ bytesAcked: 800, segsOut: 4, srttUs: 1500 }), limits: { ...LIMITS, busyUs: LIMITS.busyUs + 1e5, rwndLimitedUs: LIMITS.rwndLimitedUs + 1e5 } }),
      ],
    },
    { name: 'its process described anew', records: (atMs) => [ownerRecord({ cookie: 0, atMs, cmdline: 'curl -v https://example.test' })] },
    {
      name: 'closed',
      records: (atMs) => [
        stateRecord({ cookie: 1, atMs, oldState: TcpState.ESTABLISHED, newState: TcpState.FIN_WAIT1, endpoints: established }),
        stateRecord({ cookie: 1, atMs: atMs + 1, oldState: TcpState.FIN_WAIT1, newState: TcpState.CLOSE, endpoints: established, counters: counters({ bytesAcked: 900, segsOut: 10, srttUs: 1300 }) }),
      ],
    },
    { name: 'its timewait sock found', records: (atMs) => [sampleRecord({ cookie: 1, atMs, endpoints: established, state: TcpState.TIME_WAIT, counters: null, inode: 0, uid: 0 })] },
    { name: 'its timewait sock gone', records: (atMs) => [sweepRecord({ atMs, sinceMs: atMs - 10 })] },
    { name: 'sampled before its opening was seen', records: (atMs) => [sampleRecord({ cookie: 2, atMs, endpoints: endpoints({ sport: 40002 }) })] },
    { name: 'its opening seen late: born during the capture', records: (atMs) => [stateRecord({ cookie: 2, atMs: atMs - 1500, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, endpoints: endpoints({ sport: 40002 }) })] },
    { name: 'a UDP flow', records: (atMs) => [udpFlowRecord({ atMs, counters: { firstPacketAtMs: atMs - 10, lastPacketAtMs: atMs - 5 } })] },
    { name: 'more datagrams', records: (atMs) => [udpFlowRecord({ atMs, counters: { bytesSent: 80, packetsSent: 2, firstPacketAtMs: atMs - 1010, lastPacketAtMs: atMs - 1 } })] },
    { name: 'its socket sampled in another namespace, a datagram queued', records: (atMs) => [udpSocketRecord({ atMs, receiveQueue: 768, endpoints: endpoints({ saddr: '127.0.0.1', sport: 40000, daddr: '0.0.0.0', dport: 0, netns: HOST_NETNS + 1 }) })] },
    { name: 'no datagram for longer than a flow idles: it closes', records: () => [] },
    {
      name: 'a datagram again: it reopens',
      records: (atMs) => [udpFlowRecord({ atMs: atMs + 600, counters: { bytesSent: 120, packetsSent: 3, firstPacketAtMs: atMs - 3010, lastPacketAtMs: atMs + 500 } })],
    },
    { name: 'the closed connection past its retention, evicted', records: () => [] },
    {
      name: 'a new connection, in the row the evicted one left',
      records: (atMs) => [stateRecord({ cookie: 3, atMs, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, endpoints: endpoints({ sport: 40003 }), owner: taskOwner() })],
    },
  ];
}

describe('published rows', () => {
  test('a row published once reads what it published, whatever its connection does after', () => {
    const model = new ConnectionModel({ closedRetentionMs: 10_500, udpFlowIdleMs: 2500 });
    const published: { step: string; snapshot: ModelSnapshot; asPublished: ReturnType<typeof plainSnapshot> }[] = [];
    let atMs = T0;
    for (const step of lifeSteps()) {
      for (const record of step.records(atMs)) model.ingest(record);
      atMs += 1000;
      const snapshot = model.tick(atMs);
      const asPublished = structuredClone(plainSnapshot(snapshot));
      const before = published.at(-1);
      // A step that changed no published row would test nothing.
      if (before !== undefined) assert.notDeepEqual(asPublished.connections, before.asPublished.connections, `${step.name}: a row changed`);
      published.push({ step: step.name, snapshot, asPublished });
      for (const earlier of published) assert.deepEqual(plainSnapshot(earlier.snapshot), earlier.asPublished, `after "${step.name}", the snapshot of "${earlier.step}"`);
    }
    assert.deepEqual(
      model.snapshot.connections.map((connection) => connection.id),
      [2, 3, 500],
      'the first connection was evicted',
    );
  });

  test('an unchanged connection publishes the same row; a changed one a new row that shares what did not change', () => {
    const model = new ConnectionModel();
    model.ingest(stateRecord({ cookie: 1, atMs: T0, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner() }));
    const first = model.tick(T0 + 1000).connections[0]!;
    const unchanged = model.tick(T0 + 2000).connections[0]!;
    assert.equal(unchanged, first);
    model.ingest(retransmitRecord({ cookie: 1, atMs: T0 + 2500, state: TcpState.SYN_SENT }));
    const changed = model.tick(T0 + 3000).connections[0]!;
    assert.notEqual(changed, first);
    assert.equal(changed.retransmits, 1);
    assert.equal(first.retransmits, 0);
    assert.equal(changed.owner, first.owner);
    assert.equal(changed.stateHistory, first.stateHistory);
  });
});
