import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { Capture } from '../../src/app/capture.js';
import type { EventLine, UdpFlowLine } from '../../src/export/event-lines.js';
import { eventSelection } from '../../src/export/event-selection.js';
import { EventStream, type EventStreamOptions } from '../../src/export/event-stream.js';
import type { ContainerIdentity, ModelRecord } from '../../src/model/records.js';
import { TcpState } from '../../src/model/records.js';
import { T0, endpoints, natRecord, ownerRecord, retransmitRecord, stateRecord, taskOwner, udpFlowRecord, udpSocketRecord } from '../model/record-builders.js';

const unbound = endpoints({ saddr: '0.0.0.0', sport: 0, daddr: '127.0.0.1', dport: 8080 });
const client = endpoints({ saddr: '127.0.0.1', sport: 50000, daddr: '127.0.0.1', dport: 8080 });
const server = endpoints({ saddr: '127.0.0.1', sport: 8080, daddr: '127.0.0.1', dport: 50000 });
const other = endpoints({ saddr: '127.0.0.1', sport: 50001, daddr: '127.0.0.1', dport: 9090 });

const web: ContainerIdentity = { id: 'c'.repeat(64), name: 'web', runtime: 'docker', image: null, pod: null, namespace: null, podUid: null };

/**
 * A capture over a scripted source, as the live one runs: records reach the model and then the
 * stream; `tick` lets the source hand over what it resolved at the tick first.
 */
function streamedCapture(scope: Partial<Parameters<typeof eventSelection>[0]> = {}, options?: EventStreamOptions) {
  let sink: (record: ModelRecord) => void = () => undefined;
  let atTick: ModelRecord[] = [];
  let nowMs = T0;
  const capture = new Capture(
    (handOver) => {
      sink = handOver;
      return {
        kind: 'ebpf',
        probes: [],
        degradedNotice: null,
        collect: () => atTick.splice(0).forEach(handOver),
        stop: () => undefined,
      };
    },
    { hostname: 'test', kernel: 'test' },
    {},
    () => nowMs,
  );
  const written: EventLine[] = [];
  let finished = false;
  capture.observe(
    new EventStream(capture.model, eventSelection({ pid: null, port: null, container: null, pod: null, filter: null, ...scope }), {
      writeLines: (lines) => written.push(...lines.map((line) => JSON.parse(line) as EventLine)),
      finish: async () => void (finished = true),
    }, options),
  );
  return {
    capture,
    written,
    finished: () => finished,
    /** Records of one drain of the ring buffer; their lines go out once it is over. */
    async drain(...records: ModelRecord[]) {
      records.forEach(sink);
      await nextTurn();
    },
    /** A tick at which the source hands over `records` (owners resolved from /proc, say). */
    tick(...records: ModelRecord[]) {
      atTick = records;
      nowMs += 1000;
      capture.tick();
    },
    summary: () => written.map((line) => `${line.type} ${line.connectionId} pid=${line.pid} sport=${line.sport}`),
  };
}

const connect = (cookie: number, atMs = T0) =>
  stateRecord({ cookie, atMs, endpoints: unbound, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner() });
const child = (cookie: number, atMs = T0) => stateRecord({ cookie, atMs, endpoints: server, oldState: TcpState.LISTEN, newState: TcpState.SYN_RECV });
const accept = (cookie: number, atMs = T0) => stateRecord({ cookie, atMs, endpoints: server, oldState: TcpState.SYN_RECV, newState: TcpState.ESTABLISHED });

describe('the --events stream', () => {
  test('a UDP flow: udp-open at its first sight, nothing while it only moves datagrams, udp-close with its last counters', async () => {
    const stream = streamedCapture();
    const peer = endpoints({ saddr: '127.0.0.1', sport: 40000, daddr: '127.0.0.53', dport: 53 });
    await stream.drain(udpFlowRecord({ cookie: 30, endpoints: peer }));
    await stream.drain(udpFlowRecord({ cookie: 30, endpoints: peer, counters: { bytesSent: 80, packetsSent: 2, lastPacketAtMs: T0 + 500 } }));
    await stream.drain(udpFlowRecord({ cookie: 30, endpoints: peer, socketClosed: true, counters: { bytesSent: 120, packetsSent: 3, lastPacketAtMs: T0 + 900 } }));
    assert.deepEqual(stream.summary(), ['udp-open 30 pid=4321 sport=40000', 'udp-close 30 pid=4321 sport=40000']);
    const close = stream.written[1] as UdpFlowLine;
    assert.deepEqual(
      [close.protocol, close.socketCookie, close.connected, close.bytesSent, close.datagramsSent, close.bytesReceived, close.durationMs],
      ['udp', '30', true, 120, 3, 56, 800],
    );
  });

  test('a UDP flow whose first datagram came in waits for the owner /proc resolves, as an accept does', async () => {
    const stream = streamedCapture();
    const peer = endpoints({ saddr: '0.0.0.0', sport: 5353, daddr: '10.0.0.9', dport: 6000 });
    await stream.drain(udpSocketRecord({ cookie: 31 }), udpFlowRecord({ cookie: 31, connected: false, owner: null, endpoints: peer }));
    assert.equal(stream.written.length, 0);
    stream.tick(ownerRecord({ cookie: 31, atMs: T0 + 1000, pid: 4242, comm: 'ns-dns' }));
    assert.deepEqual(stream.summary(), ['udp-open 4503599627370496 pid=4242 sport=5353']);
    assert.deepEqual(stream.written.filter((line) => line.protocol === 'tcp'), []);
  });

  test('a connect waits for the local port its next event carries, then goes out completed and in order', async () => {
    const stream = streamedCapture();
    await stream.drain(connect(1));
    assert.equal(stream.written.length, 0, 'SYN_SENT comes before the kernel binds the port');
    await stream.drain(stateRecord({ cookie: 1, atMs: T0 + 1, endpoints: client, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED }));
    assert.deepEqual(stream.summary(), ['connect 1 pid=1234 sport=50000', 'state 1 pid=1234 sport=50000']);
  });

  test('an accepted connection’s lines wait for the owner /proc resolves at the tick, and carry it — never pid 0', async () => {
    const stream = streamedCapture();
    await stream.drain(child(2), accept(2, T0 + 1));
    assert.equal(stream.written.length, 0);
    stream.tick(ownerRecord({ cookie: 2, atMs: T0 + 1000, pid: 4242, comm: 'ns-server' }));
    assert.deepEqual(stream.summary(), ['state 2 pid=4242 sport=8080', 'accept 2 pid=4242 sport=8080']);
    assert.equal(stream.written[1]?.comm, 'ns-server');
  });

  test('an event in the owner’s own context (its close, say) names the owner before the tick', async () => {
    const stream = streamedCapture();
    await stream.drain(
      child(3),
      accept(3, T0 + 1),
      stateRecord({ cookie: 3, atMs: T0 + 5, endpoints: server, oldState: TcpState.CLOSE_WAIT, newState: TcpState.LAST_ACK, owner: taskOwner({ pid: 77, comm: 'nginx' }) }),
    );
    assert.deepEqual(stream.summary(), ['state 3 pid=77 sport=8080', 'accept 3 pid=77 sport=8080', 'state 3 pid=77 sport=8080']);
  });

  test('an owner never found: the lines go out at the second tick with pid null', async () => {
    const stream = streamedCapture();
    await stream.drain(child(4), accept(4, T0 + 1));
    stream.tick();
    assert.equal(stream.written.length, 0, 'the process may not have accepted it yet at the first tick');
    stream.tick();
    assert.deepEqual(stream.summary(), ['state 4 pid=null sport=8080', 'accept 4 pid=null sport=8080']);
  });

  test("a listener's owner lent meanwhile does not end the wait; past it the lines carry it, marked ownerProvisional", async () => {
    const listen = stateRecord({ cookie: 1, atMs: T0, endpoints: { ...server, saddr: '0.0.0.0', dport: 0, daddr: '0.0.0.0' }, oldState: TcpState.CLOSE, newState: TcpState.LISTEN, owner: taskOwner({ pid: 80, comm: 'nginx' }) });
    const stream = streamedCapture();
    await stream.drain(listen, child(5), accept(5, T0 + 1));
    stream.tick();
    assert.equal(stream.written.length, 0, "its own owner may still come: a worker's, from /proc");
    stream.tick();
    assert.deepEqual(stream.summary(), ['state 5 pid=80 sport=8080', 'accept 5 pid=80 sport=8080']);
    assert.deepEqual(stream.written.map((line) => line.ownerProvisional), [true, true]);
  });

  test('a close lets a waiting connection’s lines go with what is known', async () => {
    const stream = streamedCapture();
    await stream.drain(child(5), accept(5, T0 + 1), stateRecord({ cookie: 5, atMs: T0 + 2, endpoints: server, oldState: TcpState.ESTABLISHED, newState: TcpState.CLOSE }));
    assert.deepEqual(stream.summary(), ['state 5 pid=null sport=8080', 'accept 5 pid=null sport=8080', 'close 5 pid=null sport=8080']);
  });

  test('other connections’ lines do not wait', async () => {
    const stream = streamedCapture();
    await stream.drain(child(6), retransmitRecord({ cookie: 7, atMs: T0 + 3, endpoints: other }));
    assert.deepEqual(stream.summary(), ['retransmit 7 pid=null sport=50001']);
    stream.tick(ownerRecord({ cookie: 6, atMs: T0 + 1000, pid: 9 }));
    assert.deepEqual(stream.summary().slice(1), ['state 6 pid=9 sport=8080']);
  });

  test('a container resolved right after the drain is on its lines', async () => {
    const stream = streamedCapture();
    await stream.drain(
      stateRecord({ cookie: 8, atMs: T0, endpoints: client, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: taskOwner({ cgroupId: 99 }) }),
      { kind: 'container', atMs: T0, cgroupId: 99, pid: null, container: web, problem: null },
    );
    assert.equal(stream.written[0]?.container?.name, 'web');
  });

  test('--pid selects the accepted side once its owner is known', async () => {
    const stream = streamedCapture({ pid: 4242 });
    await stream.drain(child(10), accept(10, T0 + 1), connect(11));
    await stream.drain(retransmitRecord({ cookie: 11, atMs: T0 + 2, endpoints: client }));
    stream.tick(ownerRecord({ cookie: 10, atMs: T0 + 1000, pid: 4242, comm: 'ns-server' }));
    assert.deepEqual(stream.summary(), ['state 10 pid=4242 sport=8080', 'accept 10 pid=4242 sport=8080']);
  });

  test('-F applies to the completed lines', async () => {
    const stream = streamedCapture({ filter: 'ns-server state:estab' });
    await stream.drain(child(12), accept(12, T0 + 1));
    stream.tick(ownerRecord({ cookie: 12, atMs: T0 + 1000, pid: 4242, comm: 'ns-server' }));
    assert.deepEqual(stream.summary(), ['accept 12 pid=4242 sport=8080']);
  });

  test('waiting lines are bounded: past the limit the longest-waiting connection goes out as it is', async () => {
    const stream = streamedCapture();
    await stream.drain(...Array.from({ length: 10_001 }, (_, index) => connect(100 + index)));
    assert.deepEqual(stream.summary(), ['connect 100 pid=1234 sport=0']);
  });

  test('stopping lets every waiting line out, then waits for the output to finish', async () => {
    const stream = streamedCapture();
    await stream.drain(child(13), connect(14));
    await stream.capture.stop();
    assert.deepEqual(stream.summary(), ['state 13 pid=null sport=8080', 'connect 14 pid=1234 sport=0']);
    assert.equal(stream.finished(), true);
  });
});

describe('the --events stream where conntrack is asked', () => {
  const established = (cookie: number, atMs = T0 + 1) =>
    stateRecord({ cookie, atMs, endpoints: client, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED });

  test('a described connect waits for the tick, and goes out with the real destination the tick found', async () => {
    const stream = streamedCapture({}, { awaitsNatLookup: true });
    await stream.drain(connect(1), established(1));
    assert.equal(stream.written.length, 0, 'described, but conntrack is asked only at the tick');
    stream.tick(natRecord({ cookie: 1, atMs: T0 + 1000, destination: { address: '127.0.0.1', port: 9999 }, originalDestination: { address: '127.0.0.1', port: 8080 }, table: 'socket' }));
    assert.deepEqual(stream.summary(), ['connect 1 pid=1234 sport=50000', 'state 1 pid=1234 sport=50000']);
    for (const line of stream.written) assert.deepEqual(line.nat?.destination, { address: '127.0.0.1', port: 9999 });
  });

  test('a connection that closes before the tick still waits for it; one never translated goes out with nat null', async () => {
    const stream = streamedCapture({}, { awaitsNatLookup: true });
    await stream.drain(connect(2), established(2), stateRecord({ cookie: 2, atMs: T0 + 2, endpoints: client, oldState: TcpState.ESTABLISHED, newState: TcpState.CLOSE, owner: taskOwner() }));
    assert.equal(stream.written.length, 0);
    stream.tick(natRecord({ cookie: 2, atMs: T0 + 1000 }));
    assert.deepEqual(stream.written.map((line) => [line.type, line.nat?.destination.port]), [['connect', 5353], ['state', 5353], ['close', 5353]]);
    await stream.drain(connect(3, T0 + 1001), stateRecord({ cookie: 3, atMs: T0 + 1002, endpoints: other, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED }));
    stream.tick();
    assert.deepEqual(stream.written.slice(3).map((line) => [line.type, line.nat]), [['connect', null], ['state', null]]);
  });

  test('without conntrack a described connect goes out at once, as before', async () => {
    const stream = streamedCapture();
    await stream.drain(connect(4), established(4));
    assert.equal(stream.written.length, 2);
    assert.equal(stream.written[0]?.nat, null);
  });
});
