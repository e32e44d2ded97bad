import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import dnsPacket from 'dns-packet';
import type { DnsAnswerCapture } from '../../src/probes/dns-answers.js';
import { namesFromDnsAnswer } from '../../src/sources/dns-answer-names.js';

const AT = Date.UTC(2026, 11, 2);

function capture(packet: dnsPacket.Packet, cut = 0): DnsAnswerCapture {
  const message = dnsPacket.encode(packet);
  return { atMs: AT, cookie: 5, cgroupId: 77, netns: 4026532001, server: '127.0.0.1', message: message.subarray(0, message.length - cut), cut: cut > 0 };
}

function response(question: string, answers: dnsPacket.Answer[], type: dnsPacket.RecordType = 'A'): dnsPacket.Packet {
  return { type: 'response', id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name: question }], answers };
}

describe('names from a DNS answer', () => {
  test('an A answer names its address with the asked name, its TTL, namespace and cgroup', () => {
    const outcome = namesFromDnsAnswer(capture(response('db.names.test', [{ type: 'A', name: 'db.names.test', ttl: 30, data: '10.96.14.7' }])));
    assert.deepEqual(outcome, {
      records: [{ kind: 'name', atMs: AT, netns: 4026532001, address: '10.96.14.7', name: 'db.names.test', source: 'dns', ttlSeconds: 30, cgroupId: 77 }],
    });
  });

  test('a CNAME chain (in any order, any case) names every address with the asked name', () => {
    const outcome = namesFromDnsAnswer(
      capture(
        response('Web.Names.Test', [
          { type: 'A', name: 'pool7.cdn.test', ttl: 60, data: '10.0.0.1' },
          { type: 'CNAME', name: 'EDGE.cdn.test', ttl: 300, data: 'pool7.cdn.test' },
          { type: 'AAAA', name: 'pool7.cdn.test', ttl: 60, data: '2001:db8::1' },
          { type: 'CNAME', name: 'web.names.test', ttl: 300, data: 'edge.cdn.test' },
        ]),
      ),
    );
    assert.ok('records' in outcome);
    assert.deepEqual(
      outcome.records.map((record) => [record.address, record.name]),
      [
        ['10.0.0.1', 'Web.Names.Test'],
        ['2001:db8::1', 'Web.Names.Test'],
      ],
    );
  });

  test('a CNAME loop stops, naming the address by the chain it found', () => {
    const outcome = namesFromDnsAnswer(
      capture(
        response('asked.test', [
          { type: 'CNAME', name: 'a.test', ttl: 1, data: 'b.test' },
          { type: 'CNAME', name: 'b.test', ttl: 1, data: 'a.test' },
          { type: 'A', name: 'b.test', ttl: 1, data: '10.0.0.2' },
        ]),
      ),
    );
    assert.ok('records' in outcome);
    assert.equal(outcome.records.length, 1);
    assert.ok(['a.test', 'b.test'].includes(outcome.records[0]!.name));
  });

  test('escape sequences in a name arrive escaped', () => {
    const outcome = namesFromDnsAnswer(capture(response('\x1b]0;pwned\x07.test', [{ type: 'A', name: '\x1b]0;pwned\x07.test', ttl: 5, data: '10.0.0.3' }])));
    assert.ok('records' in outcome);
    assert.equal(outcome.records[0]!.name, '\\x1b]0;pwned\\x07.test');
  });

  test('a query, a message cut short and garbage name nothing', () => {
    assert.deepEqual(namesFromDnsAnswer(capture({ type: 'query', id: 1, questions: [{ type: 'A', name: 'x.test' }] })), { problem: 'notAnswer' });
    assert.deepEqual(namesFromDnsAnswer(capture(response('x.test', [{ type: 'A', name: 'x.test', ttl: 5, data: '10.0.0.4' }]), 3)), { problem: 'malformed' });
    const garbage: DnsAnswerCapture = { atMs: AT, cookie: 0, cgroupId: 0, netns: 0, server: '127.0.0.1', message: Buffer.from([0xff, 0xff, 0x81]), cut: false };
    assert.deepEqual(namesFromDnsAnswer(garbage), { problem: 'malformed' });
  });
});
