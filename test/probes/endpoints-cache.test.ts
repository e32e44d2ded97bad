import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EndpointsCache } from '../../src/probes/endpoints-cache.js';
import { tcpEventLayout } from '../../src/probes/tcp-events.js';
import { buildTcpEvent, type TcpEventFields } from './tcp-event-builder.js';

function decode(cache: EndpointsCache, fields: TcpEventFields) {
  const bytes = buildTcpEvent(fields);
  return cache.decode(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.length), 0, Number(fields.cookie ?? 42n));
}

describe('the endpoints of a socket’s events', () => {
  it('are one object while the socket’s addresses, ports and namespace stay the same', () => {
    const cache = new EndpointsCache(tcpEventLayout);
    const first = decode(cache, { cookie: 7n, saddr: [10, 0, 0, 1], sport: 40000, daddr: [10, 0, 0, 2], dport: 443 });
    assert.deepEqual(first, { family: 'ipv4', saddr: '10.0.0.1', sport: 40000, daddr: '10.0.0.2', dport: 443, netns: 4026531840 });
    assert.equal(decode(cache, { cookie: 7n, saddr: [10, 0, 0, 1], sport: 40000, daddr: [10, 0, 0, 2], dport: 443 }), first);
  });

  it('are decoded anew when any of them differs: a port bound after SYN_SENT, another namespace or address, a drop’s reversed packet', () => {
    const cache = new EndpointsCache(tcpEventLayout);
    const connecting = decode(cache, { cookie: 7n, sport: 0, dport: 443 });
    const bound = decode(cache, { cookie: 7n, sport: 40000, dport: 443 });
    assert.equal(connecting.sport, 0);
    assert.equal(bound.sport, 40000);
    assert.equal(decode(cache, { cookie: 7n, sport: 40000, dport: 443, netns: 4026532001 }).netns, 4026532001);
    assert.equal(decode(cache, { cookie: 7n, sport: 40000, dport: 443, netns: 4026532001, saddr: [127, 0, 0, 2] }).saddr, '127.0.0.2');
    assert.equal(decode(cache, { cookie: 7n, sport: 40000, dport: 443, netns: 4026532001, saddr: [127, 0, 0, 2], daddr: [127, 0, 0, 3] }).daddr, '127.0.0.3');
    const reversed = decode(cache, { cookie: 7n, saddr: [10, 0, 0, 2], daddr: [127, 0, 0, 1], sport: 443, dport: 40000 });
    assert.deepEqual([reversed.saddr, reversed.sport, reversed.daddr, reversed.dport], ['10.0.0.2', 443, '127.0.0.1', 40000]);
  });

  it('never gives one socket another’s, though both share a slot', () => {
    const cache = new EndpointsCache(tcpEventLayout);
    const one = decode(cache, { cookie: 5n, sport: 40000 });
    const other = decode(cache, { cookie: 5n + 1024n, sport: 40000 });
    assert.notEqual(other, one, 'same fields, another socket: its own object');
    assert.equal(decode(cache, { cookie: 5n, sport: 40001 }).sport, 40001);
  });

  it('decodes IPv6 every time, canonically', () => {
    const cache = new EndpointsCache(tcpEventLayout);
    const loopback = [...Array(15).fill(0), 1];
    const endpoints = decode(cache, { cookie: 9n, family: 10, saddr: loopback, daddr: loopback });
    assert.deepEqual([endpoints.family, endpoints.saddr, endpoints.daddr], ['ipv6', '::1', '::1']);
  });
});
