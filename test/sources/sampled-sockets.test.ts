import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TcpState } from '../../src/model/records.js';
import { SampledSockets, type NamespaceSockets } from '../../src/sources/sampled-sockets.js';
import { HOST_NETNS, T0, endpoints, sampleRecord } from '../model/record-builders.js';

const OTHER_NETNS = HOST_NETNS + 7;

function client(cookie: number, sport: number, netns = HOST_NETNS, state: number = TcpState.ESTABLISHED) {
  return sampleRecord({ cookie, atMs: T0, state: state as never, endpoints: endpoints({ sport, daddr: `10.1.${cookie % 256}.1`, dport: 443 + (cookie % 3), netns }) });
}

/** The namespace's destinations as the gauges read them: `count` entries of the three columns. */
function destinations(sockets: NamespaceSockets): string[] {
  return Array.from({ length: sockets.count }, (_, index) => `${sockets.localPorts[index]}→${sockets.destinationAddresses[index]}:${sockets.destinationPorts[index]}`);
}

describe('a pass\'s sockets for the gauges', () => {
  test('each namespace gets its own sockets, however the samples alternate between them', () => {
    const sockets = new SampledSockets();
    sockets.add(client(1, 40001));
    sockets.add(client(2, 40002, OTHER_NETNS));
    sockets.add(client(3, 40003));
    sockets.add(sampleRecord({ cookie: 4, atMs: T0, state: TcpState.LISTEN, endpoints: endpoints({ sport: 8080, dport: 0, daddr: '0.0.0.0', netns: OTHER_NETNS }) }));
    assert.deepEqual(destinations(sockets.in(HOST_NETNS)), ['40001→10.1.1.1:444', '40003→10.1.3.1:443']);
    assert.deepEqual(destinations(sockets.in(OTHER_NETNS)), ['40002→10.1.2.1:445']);
    assert.deepEqual([...sockets.in(OTHER_NETNS).listeningPorts], [8080]);
  });

  test('cleared for the next pass, the columns hold only that pass\'s sockets, past the room they started with', () => {
    const sockets = new SampledSockets();
    for (let cookie = 1; cookie <= 1000; cookie++) sockets.add(client(cookie, 20000 + cookie, HOST_NETNS, cookie % 10 === 0 ? TcpState.CLOSE_WAIT : TcpState.ESTABLISHED));
    assert.equal(sockets.in(HOST_NETNS).count, 1000);
    assert.equal(sockets.in(HOST_NETNS).closeWait, 100);
    sockets.clear();
    for (let cookie = 2001; cookie <= 2600; cookie++) sockets.add(client(cookie, 10000 + cookie));
    const second = sockets.in(HOST_NETNS);
    assert.equal(second.count, 600);
    assert.equal(second.closeWait, 0);
    const expected = Array.from({ length: 600 }, (_, offset) => {
      const cookie = 2001 + offset;
      return `${10000 + cookie}→10.1.${cookie % 256}.1:${443 + (cookie % 3)}`;
    });
    assert.deepEqual(destinations(second), expected);
  });

  test('a namespace with no socket in a pass is forgotten at the next clear', () => {
    const sockets = new SampledSockets();
    sockets.add(client(1, 40001, OTHER_NETNS));
    sockets.clear();
    sockets.add(client(2, 40002));
    sockets.clear();
    assert.equal(sockets.in(OTHER_NETNS).count, 0);
    sockets.add(client(3, 40003, OTHER_NETNS));
    assert.deepEqual(destinations(sockets.in(OTHER_NETNS)), ['40003→10.1.3.1:443']);
  });

  test('a TIME_WAIT part attached from sockets of its own outlives the clear of the pass it was attached to', () => {
    const timeWait = new SampledSockets();
    timeWait.add(client(9, 50009, HOST_NETNS, TcpState.TIME_WAIT));
    const part = timeWait.in(HOST_NETNS);
    const sockets = new SampledSockets();
    sockets.add(client(1, 40001));
    sockets.attachTimeWait(HOST_NETNS, part);
    assert.equal(sockets.in(HOST_NETNS).timeWaitPart, part);
    sockets.clear();
    assert.equal(sockets.in(HOST_NETNS).timeWaitPart, null);
    assert.equal(part.timeWait, 1);
    assert.deepEqual(destinations(part), ['50009→10.1.9.1:443']);
  });
});
