/**
 * UDP flows in the connection model: a connected socket is one flow under its cookie, an
 * unconnected one a flow per peer under ids of their own; the socket's samples and owner reach
 * every flow of it; a flow closes with its socket or after the idle time, and comes back with
 * its next datagram.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { FIRST_PEER_FLOW_ID } from '../../src/model/udp-flow-index.js';
import { endpoints, ownerRecord, T0, udpFlowRecord, udpSocketRecord } from './record-builders.js';

const peer = (address: string, port: number) => endpoints({ saddr: '0.0.0.0', sport: 5353, daddr: address, dport: port });

describe('UDP flows in the model', () => {
  test('a connected socket is one flow under its cookie: payload bytes, datagrams, its sender, no TCP-only numbers', () => {
    const model = new ConnectionModel();
    model.ingest(udpFlowRecord({ counters: { bytesSent: 400, bytesReceived: 560, packetsSent: 10, packetsReceived: 10 } }));
    const [flow] = model.tick(T0 + 1000).connections;
    assert.equal(flow?.id, 500);
    assert.equal(flow?.protocol, 'udp');
    assert.deepEqual(
      [flow?.bytesSent, flow?.bytesReceived, flow?.segmentsSent, flow?.segmentsReceived, flow?.srttMs, flow?.connectLatencyMs],
      [400, 560, 10, 10, null, null],
    );
    assert.equal(flow?.owner.pid, 4321);
    assert.equal(flow?.owner.comm, 'resolver');
    assert.equal(flow?.state, 'ESTABLISHED');
    assert.equal(flow?.openedAtMs, T0 + 100, 'opened at its first datagram');
    assert.deepEqual(flow?.udp, { socketCookie: 500, connected: true, receiveQueue: 0, socketDrops: 0, lastPacketAtMs: T0 + 101 });
  });

  test('an unconnected socket has one flow per peer, each with an id no socket cookie can take', () => {
    const model = new ConnectionModel();
    for (const [index, address] of ['10.0.0.1', '10.0.0.2', '10.0.0.3'].entries()) {
      model.ingest(udpFlowRecord({ cookie: 77, connected: false, owner: null, endpoints: peer(address, 40000 + index) }));
    }
    model.ingest(udpFlowRecord({ cookie: 77, connected: false, owner: null, endpoints: peer('10.0.0.1', 40000), counters: { bytesReceived: 999 } }));
    const flows = model.tick(T0 + 1000).connections;
    assert.deepEqual(
      flows.map((flow) => [flow.id, flow.daddr, flow.udp?.socketCookie]),
      [
        [FIRST_PEER_FLOW_ID, '10.0.0.1', 77],
        [FIRST_PEER_FLOW_ID + 1, '10.0.0.2', 77],
        [FIRST_PEER_FLOW_ID + 2, '10.0.0.3', 77],
      ],
    );
    assert.equal(flows[0]?.bytesReceived, 999, 'the same peer again is the same flow');
  });

  test("the socket's sample and its owner from /proc reach every flow of it, including flows that come later", () => {
    const model = new ConnectionModel();
    // Read before the socket's first sample: its namespace is not known yet (0).
    model.ingest(udpFlowRecord({ cookie: 77, connected: false, owner: null, endpoints: { ...peer('10.0.0.1', 1), netns: 0 } }));
    model.ingest(udpSocketRecord({ cookie: 77, receiveQueue: 4096, drops: 12, endpoints: endpoints({ netns: 4026532999, sport: 5353 }) }));
    model.ingest(ownerRecord({ cookie: 77, atMs: T0 + 1000, pid: 600, comm: 'coredns', cmdline: 'coredns -conf x', uid: 0, user: 'root' }));
    model.ingest(udpFlowRecord({ cookie: 77, connected: false, owner: null, endpoints: { ...peer('10.0.0.2', 2), netns: 0 } }));
    const flows = model.tick(T0 + 1000).connections;
    for (const flow of flows) {
      assert.equal(flow.owner.pid, 600);
      assert.equal(flow.owner.cmdline, 'coredns -conf x');
      assert.equal(flow.netns, 4026532999);
      assert.equal(flow.udp?.receiveQueue, 4096);
      assert.equal(flow.udp?.socketDrops, 12);
    }
    assert.equal(flows.length, 2);
  });

  test('closes with its socket, or after the idle time; a datagram after that opens it again with its counters', () => {
    const model = new ConnectionModel({ udpFlowIdleMs: 30_000 });
    model.ingest(udpFlowRecord({ cookie: 1, endpoints: peer('10.0.0.1', 1) }));
    model.ingest(udpFlowRecord({ cookie: 2, endpoints: peer('10.0.0.2', 2), counters: { lastPacketAtMs: T0 + 20_000 } }));
    model.ingest(udpFlowRecord({ cookie: 1, atMs: T0 + 2000, endpoints: peer('10.0.0.1', 1), socketClosed: true }));
    let flows = model.tick(T0 + 31_000).connections;
    assert.deepEqual(flows.map((flow) => [flow.id, flow.state, flow.closedAtMs]), [
      [1, 'CLOSE', T0 + 2000],
      [2, 'ESTABLISHED', null],
    ]);
    flows = model.tick(T0 + 51_000).connections;
    assert.deepEqual(flows.map((flow) => [flow.id, flow.closedAtMs]), [
      [1, T0 + 2000],
      [2, T0 + 51_000],
    ]);
    model.ingest(udpFlowRecord({ cookie: 2, atMs: T0 + 52_000, endpoints: peer('10.0.0.2', 2), counters: { bytesSent: 80, lastPacketAtMs: T0 + 51_500 } }));
    const revived = model.tick(T0 + 52_000).connections.find((flow) => flow.id === 2);
    assert.equal(revived?.closedAtMs, null);
    assert.equal(revived?.bytesSent, 80);
    assert.equal(model.snapshot.totals.connectionsClosed, 0, 'the totals count TCP connections only');
  });

  test('a UDP server on a fixed port is a listener; refused flows are a total', () => {
    const model = new ConnectionModel();
    model.ingest(udpSocketRecord({ cookie: 9, listening: true, receiveQueue: 768, endpoints: endpoints({ saddr: '0.0.0.0', sport: 53, daddr: '0.0.0.0', dport: 0 }) }));
    model.ingest(udpSocketRecord({ cookie: 10, listening: false }));
    model.ingest({ kind: 'udpRefused', atMs: T0 + 1000, total: 3 });
    const snapshot = model.tick(T0 + 1000);
    assert.deepEqual(
      snapshot.listeners.map((listener) => [listener.id, listener.sport, listener.protocol, listener.receiveQueue]),
      [[9, 53, 'udp', 768]],
    );
    assert.equal(snapshot.totals.udpFlowsRefused, 3);
  });

  test('an evicted flow leaves the index: the same peer later is a new flow', () => {
    const model = new ConnectionModel({ maxConnections: 1, closedRetentionMs: 1000 });
    model.ingest(udpFlowRecord({ cookie: 1, endpoints: peer('10.0.0.1', 1), socketClosed: true }));
    model.tick(T0 + 1000);
    model.tick(T0 + 5000);
    assert.equal(model.snapshot.connections.length, 0, 'gone after the closed retention');
    model.ingest(udpFlowRecord({ cookie: 1, atMs: T0 + 6000, endpoints: peer('10.0.0.1', 1), counters: { lastPacketAtMs: T0 + 5500 } }));
    const [flow] = model.tick(T0 + 6000).connections;
    assert.equal(flow?.closedAtMs, null);
  });
});
