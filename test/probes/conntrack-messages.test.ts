import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type ConntrackTuple,
  addressToBytes,
  conntrackRequestBytes,
  readConntrackAnswers,
  writeConntrackRequest,
} from '../../src/probes/conntrack-messages.js';
import { natTranslation, socketTuple } from '../../src/probes/nat-translation.js';
import { endpoints } from '../model/record-builders.js';

const client: ConntrackTuple = { family: 'ipv4', protocol: 'tcp', saddr: '10.244.1.5', sport: 40000, daddr: '10.96.0.10', dport: 53 };

/** A netlink attribute: length and type in host order (little-endian here), payload padded to 4. */
function attribute(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(4 + payload.length, 0);
  head.writeUInt16LE(type, 2);
  return Buffer.concat([head, payload, Buffer.alloc((4 - (payload.length % 4)) % 4)]);
}

const nested = (type: number, ...members: Buffer[]) => attribute(type | 0x8000, Buffer.concat(members));
const be16 = (value: number) => Buffer.from([value >> 8, value & 0xff]);
const be32 = (value: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes;
};

/** The tuple attribute (CTA_TUPLE_ORIG 1 / CTA_TUPLE_REPLY 2) as the kernel writes it. */
function tupleAttribute(type: number, tuple: ConntrackTuple): Buffer {
  const v4 = tuple.family === 'ipv4';
  return nested(
    type,
    nested(1, attribute(v4 ? 1 : 3, Buffer.from(addressToBytes(tuple.saddr, tuple.family))), attribute(v4 ? 2 : 4, Buffer.from(addressToBytes(tuple.daddr, tuple.family)))),
    nested(2, attribute(1, Buffer.from([tuple.protocol === 'tcp' ? 6 : 17])), attribute(2, be16(tuple.sport)), attribute(3, be16(tuple.dport))),
  );
}

function message(type: number, seq: number, body: Buffer): Buffer {
  const head = Buffer.alloc(16);
  head.writeUInt32LE(16 + body.length, 0);
  head.writeUInt16LE(type, 4);
  head.writeUInt32LE(seq, 8);
  return Buffer.concat([head, body]);
}

/** An IPCTNL_MSG_CT_NEW answer: nfgenmsg, the tuples, the status (IPS_DST_NAT = 1 << 5), a timeout the reader skips. */
function entryMessage(seq: number, original: ConntrackTuple, reply: ConntrackTuple, status: number): Buffer {
  const nfgenmsg = Buffer.from([original.family === 'ipv4' ? 2 : 10, 0, 0, 0]);
  return message(0x100, seq, Buffer.concat([nfgenmsg, tupleAttribute(1, original), tupleAttribute(2, reply), attribute(3, be32(status)), attribute(7, be32(120))]));
}

function errorMessage(seq: number, errno: number): Buffer {
  const body = Buffer.alloc(20);
  body.writeInt32LE(-errno, 0);
  return message(2, seq, body);
}

describe('ctnetlink messages', () => {
  test('a GET request carries the tuple as CTA_TUPLE_ORIG, in network order, at its computed size', () => {
    const bytes = Buffer.alloc(conntrackRequestBytes('ipv4'));
    assert.equal(writeConntrackRequest(bytes, 0, client, 42), bytes.length);
    const expected = message(
      0x101,
      42,
      Buffer.concat([Buffer.from([2, 0, 0, 0]), tupleAttribute(1, client)]),
    );
    expected.writeUInt16LE(1, 6); // NLM_F_REQUEST
    assert.deepEqual(bytes, expected);
  });

  test('IPv6 requests, one after another in one buffer', () => {
    const v6: ConntrackTuple = { family: 'ipv6', protocol: 'udp', saddr: 'fd00::5', sport: 5353, daddr: '2001:db8::ffff:1.2.3.4', dport: 53 };
    const bytes = Buffer.alloc(conntrackRequestBytes('ipv4') + conntrackRequestBytes('ipv6'));
    const end = writeConntrackRequest(bytes, writeConntrackRequest(bytes, 0, client, 1), v6, 2);
    assert.equal(end, bytes.length);
    const second = bytes.subarray(conntrackRequestBytes('ipv4'));
    assert.equal(second.readUInt32LE(8), 2);
    assert.equal(second[16], 10, 'AF_INET6');
    assert.deepEqual(second.subarray(20), tupleAttribute(1, v6));
  });

  test('addresses to bytes: dotted quads, compressed IPv6, embedded IPv4', () => {
    assert.deepEqual([...addressToBytes('10.96.0.10', 'ipv4')], [10, 96, 0, 10]);
    assert.deepEqual([...addressToBytes('::1', 'ipv6')], [...new Array(15).fill(0), 1]);
    assert.deepEqual([...addressToBytes('fd00:1::2:3', 'ipv6')], [0xfd, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 3]);
    assert.deepEqual([...addressToBytes('::ffff:1.2.3.4', 'ipv6')], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4]);
  });

  test('answers: an entry with its tuples and NAT flags, and ENOENT where there is none', () => {
    const reply: ConntrackTuple = { ...client, saddr: '10.244.1.7', sport: 5353, daddr: '10.244.1.5', dport: 40000 };
    const bytes = Buffer.concat([entryMessage(5, client, reply, 1 << 5 | 1 << 3), errorMessage(6, 2)]);
    assert.deepEqual(readConntrackAnswers(bytes, bytes.length), [
      { seq: 5, found: true, original: client, reply, sourceNat: false, destinationNat: true },
      { seq: 6, found: false, errno: 2 },
    ]);
  });

  test('a message cut short ends the reading, and an entry missing a tuple is left out', () => {
    const reply: ConntrackTuple = { ...client, saddr: '10.244.1.7', daddr: '10.244.1.5', sport: 53, dport: 40000 };
    const whole = entryMessage(5, client, reply, 0);
    assert.deepEqual(readConntrackAnswers(whole, whole.length - 4), []);
    const withoutReply = message(0x100, 9, Buffer.concat([Buffer.from([2, 0, 0, 0]), tupleAttribute(1, client)]));
    assert.deepEqual(readConntrackAnswers(withoutReply, withoutReply.length), []);
  });
});

describe('the translation an entry records for a socket', () => {
  const backend = { ...client, saddr: '10.244.1.7', sport: 5353, daddr: '10.244.1.5', dport: 40000 };
  const entry = { seq: 1, found: true as const, original: client, reply: backend, sourceNat: false, destinationNat: true };

  test('the socket connected: the real destination is where the replies come from', () => {
    assert.deepEqual(natTranslation(client, entry), {
      destination: { address: '10.244.1.7', port: 5353 },
      originalDestination: { address: '10.96.0.10', port: 53 },
      direction: 'outgoing',
    });
  });

  test('the socket accepted: the client addressed the original destination', () => {
    const serverSide: ConntrackTuple = { ...client, saddr: '10.244.1.7', sport: 5353, daddr: '10.244.1.5', dport: 40000 };
    assert.deepEqual(natTranslation(serverSide, entry), {
      destination: { address: '10.244.1.7', port: 5353 },
      originalDestination: { address: '10.96.0.10', port: 53 },
      direction: 'incoming',
    });
  });

  test('no translation, or an entry that is another socket\'s, gives none', () => {
    const plain = { ...entry, reply: { ...client, saddr: client.daddr, sport: client.dport, daddr: client.saddr, dport: client.sport } };
    assert.equal(natTranslation(client, plain), null);
    assert.equal(natTranslation({ ...client, sport: 40001 }, entry), null);
  });

  test('the tuple conntrack knows a socket by: IPv4-mapped IPv6 as IPv4; none before the local side is bound', () => {
    assert.deepEqual(socketTuple(endpoints({ family: 'ipv6', saddr: '::ffff:127.0.0.1', daddr: '::ffff:127.0.0.1' }), 'tcp'), {
      family: 'ipv4',
      protocol: 'tcp',
      saddr: '127.0.0.1',
      sport: 40000,
      daddr: '127.0.0.1',
      dport: 443,
    });
    assert.equal(socketTuple(endpoints({ sport: 0 }), 'tcp'), null);
    assert.equal(socketTuple(endpoints({ saddr: '0.0.0.0' }), 'tcp'), null);
    assert.equal(socketTuple(endpoints({ family: 'ipv6', saddr: '::1', daddr: '::1' }), 'udp')?.family, 'ipv6');
  });
});
