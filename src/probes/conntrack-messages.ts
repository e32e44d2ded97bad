/**
 * ctnetlink messages, built and read here so the addon only moves bytes: a GET request per
 * connection (its tuple local side first) and the conntrack entry that answers it.
 *
 * The kernel finds an entry by either of its tuples, so one request serves both directions:
 * for a connection this host opened, the socket's tuple (local → remote) is the entry's
 * original tuple; for one it accepted, it is the reply tuple. Layouts follow
 * include/uapi/linux/netfilter/nfnetlink_conntrack.h; netlink headers are in host byte order
 * (little-endian on every architecture netscope builds for), attribute payloads in network order.
 */
import { formatAddress } from './ip-address.js';

const NLMSG_HEADER_BYTES = 16;
const NFGENMSG_BYTES = 4;
const NLMSG_ERROR = 2;
const NLM_F_REQUEST = 1;
const NFNL_SUBSYS_CTNETLINK = 1;
const IPCTNL_MSG_CT_NEW = 0;
const IPCTNL_MSG_CT_GET = 1;
const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;
const CTA_TUPLE_ORIG = 1;
const CTA_TUPLE_REPLY = 2;
const CTA_STATUS = 3;
const CTA_TUPLE_IP = 1;
const CTA_TUPLE_PROTO = 2;
const CTA_IP_V4_SRC = 1;
const CTA_IP_V4_DST = 2;
const CTA_IP_V6_SRC = 3;
const CTA_IP_V6_DST = 4;
const CTA_PROTO_NUM = 1;
const CTA_PROTO_SRC_PORT = 2;
const CTA_PROTO_DST_PORT = 3;
const AF_INET = 2;
const AF_INET6 = 10;
/** IPS_SRC_NAT and IPS_DST_NAT in the entry's status (enum ip_conntrack_status). */
const IPS_SRC_NAT = 1 << 4;
const IPS_DST_NAT = 1 << 5;

/** IP protocol numbers a lookup may name (IPPROTO_*). */
export const TransportProtocol = { tcp: 6, udp: 17 } as const;
export type TransportProtocolName = keyof typeof TransportProtocol;

/** One direction of a conntrack entry, or a socket's tuple: source first, ports in host order. */
export interface ConntrackTuple {
  family: 'ipv4' | 'ipv6';
  protocol: TransportProtocolName;
  /** Canonical text (`10.96.0.10`, `fd00::1`). */
  saddr: string;
  sport: number;
  daddr: string;
  dport: number;
}

/** What conntrack answered for one request. */
export type ConntrackAnswer =
  | { seq: number; found: true; original: ConntrackTuple; reply: ConntrackTuple; sourceNat: boolean; destinationNat: boolean }
  | { seq: number; found: false; errno: number };

/** The netlink message size of one GET request for `family`, in bytes. */
export function conntrackRequestBytes(family: ConntrackTuple['family']): number {
  const addressBytes = family === 'ipv4' ? 4 : 16;
  const ipNest = 4 + 2 * (4 + addressBytes);
  const protoNest = 4 + (4 + 4) + 2 * (4 + 4);
  return NLMSG_HEADER_BYTES + NFGENMSG_BYTES + 4 + ipNest + protoNest;
}

/**
 * Writes a GET request for `tuple` at `offset` of `target`; returns the offset after it.
 * The tuple goes as CTA_TUPLE_ORIG: the kernel matches it against either direction.
 */
export function writeConntrackRequest(target: Buffer, offset: number, tuple: ConntrackTuple, seq: number): number {
  const length = conntrackRequestBytes(tuple.family);
  const view = new DataView(target.buffer, target.byteOffset + offset, length);
  const bytes = new Uint8Array(target.buffer, target.byteOffset + offset, length);
  bytes.fill(0);
  view.setUint32(0, length, true);
  view.setUint16(4, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET, true);
  view.setUint16(6, NLM_F_REQUEST, true);
  view.setUint32(8, seq, true);
  view.setUint8(NLMSG_HEADER_BYTES, tuple.family === 'ipv4' ? AF_INET : AF_INET6);
  const addressBytes = tuple.family === 'ipv4' ? 4 : 16;
  let at = NLMSG_HEADER_BYTES + NFGENMSG_BYTES;
  /** Writes an attribute header; a nest's members follow it, a leaf's payload is written at `at` by the caller. */
  const header = (type: number, payloadBytes: number): void => {
    view.setUint16(at, 4 + payloadBytes, true);
    view.setUint16(at + 2, type, true);
    at += 4;
  };
  const leaf = (type: number, payload: Uint8Array): void => {
    header(type, payload.length);
    bytes.set(payload, at);
    at += align(payload.length);
  };
  const port = (value: number): Uint8Array => new Uint8Array([value >> 8, value & 0xff]);
  header(CTA_TUPLE_ORIG | NLA_F_NESTED, length - at - 4);
  header(CTA_TUPLE_IP | NLA_F_NESTED, 2 * (4 + addressBytes));
  leaf(tuple.family === 'ipv4' ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, addressToBytes(tuple.saddr, tuple.family));
  leaf(tuple.family === 'ipv4' ? CTA_IP_V4_DST : CTA_IP_V6_DST, addressToBytes(tuple.daddr, tuple.family));
  header(CTA_TUPLE_PROTO | NLA_F_NESTED, 3 * 8);
  leaf(CTA_PROTO_NUM, new Uint8Array([TransportProtocol[tuple.protocol]]));
  leaf(CTA_PROTO_SRC_PORT, port(tuple.sport));
  leaf(CTA_PROTO_DST_PORT, port(tuple.dport));
  return offset + length;
}

/** Reads the answers the addon copied into `source` (`bytes` long), one per request. */
export function readConntrackAnswers(source: Buffer, bytes: number): ConntrackAnswer[] {
  const answers: ConntrackAnswer[] = [];
  const view = new DataView(source.buffer, source.byteOffset, bytes);
  for (let at = 0; at + NLMSG_HEADER_BYTES <= bytes; ) {
    const length = view.getUint32(at, true);
    if (length < NLMSG_HEADER_BYTES || at + length > bytes) break;
    const type = view.getUint16(at + 4, true);
    const seq = view.getUint32(at + 8, true);
    if (type === NLMSG_ERROR) {
      answers.push({ seq, found: false, errno: -view.getInt32(at + NLMSG_HEADER_BYTES, true) });
    } else if (type === ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW)) {
      const answer = readEntry(view, at + NLMSG_HEADER_BYTES, at + length, seq);
      if (answer !== null) answers.push(answer);
    }
    at += align(length);
  }
  return answers;
}

function readEntry(view: DataView, start: number, end: number, seq: number): ConntrackAnswer | null {
  const family = view.getUint8(start) === AF_INET ? 'ipv4' : 'ipv6';
  let original: ConntrackTuple | null = null;
  let reply: ConntrackTuple | null = null;
  let status = 0;
  for (const [type, at, length] of attributes(view, start + NFGENMSG_BYTES, end)) {
    if (type === CTA_TUPLE_ORIG) original = readTuple(view, at, at + length, family);
    else if (type === CTA_TUPLE_REPLY) reply = readTuple(view, at, at + length, family);
    else if (type === CTA_STATUS && length >= 4) status = view.getUint32(at, false);
  }
  if (original === null || reply === null) return null;
  return {
    seq,
    found: true,
    original,
    reply,
    sourceNat: (status & IPS_SRC_NAT) !== 0,
    destinationNat: (status & IPS_DST_NAT) !== 0,
  };
}

function readTuple(view: DataView, start: number, end: number, family: ConntrackTuple['family']): ConntrackTuple | null {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let saddr: string | null = null;
  let daddr: string | null = null;
  let protocolNumber = -1;
  let sport = 0;
  let dport = 0;
  for (const [type, at, length] of attributes(view, start, end)) {
    if (type === CTA_TUPLE_IP) {
      for (const [ipType, ipAt, ipLength] of attributes(view, at, at + length)) {
        const kind = ipType === CTA_IP_V4_SRC || ipType === CTA_IP_V6_SRC ? 'source' : ipType === CTA_IP_V4_DST || ipType === CTA_IP_V6_DST ? 'destination' : null;
        if (kind === null || ipLength !== (family === 'ipv4' ? 4 : 16)) continue;
        const text = formatAddress(bytes, ipAt, family === 'ipv4' ? AF_INET : AF_INET6);
        if (kind === 'source') saddr = text;
        else daddr = text;
      }
    } else if (type === CTA_TUPLE_PROTO) {
      for (const [protoType, protoAt, protoLength] of attributes(view, at, at + length)) {
        if (protoType === CTA_PROTO_NUM && protoLength >= 1) protocolNumber = view.getUint8(protoAt);
        else if (protoType === CTA_PROTO_SRC_PORT && protoLength >= 2) sport = view.getUint16(protoAt, false);
        else if (protoType === CTA_PROTO_DST_PORT && protoLength >= 2) dport = view.getUint16(protoAt, false);
      }
    }
  }
  const protocol = protocolNumber === TransportProtocol.tcp ? 'tcp' : protocolNumber === TransportProtocol.udp ? 'udp' : null;
  if (saddr === null || daddr === null || protocol === null) return null;
  return { family, protocol, saddr, sport, daddr, dport };
}

/** The attributes between `start` and `end`: [type without flags, payload offset, payload length]. */
function* attributes(view: DataView, start: number, end: number): Generator<[number, number, number]> {
  for (let at = start; at + 4 <= end; ) {
    const length = view.getUint16(at, true);
    if (length < 4 || at + length > end) return;
    yield [view.getUint16(at + 2, true) & NLA_TYPE_MASK, at + 4, length - 4];
    at += align(length);
  }
}

function align(length: number): number {
  return (length + 3) & ~3;
}

/** Canonical address text to its bytes (4 for IPv4, 16 for IPv6). */
export function addressToBytes(address: string, family: ConntrackTuple['family']): Uint8Array {
  if (family === 'ipv4') return new Uint8Array(address.split('.').map(Number));
  const bytes = new Uint8Array(16);
  const [head = '', tail] = address.split('::') as [string, string | undefined];
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const result: number[] = [];
    for (const group of part.split(':')) {
      if (group.includes('.')) {
        const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
        result.push((a << 8) | b, (c << 8) | d);
      } else {
        result.push(Number.parseInt(group, 16));
      }
    }
    return result;
  };
  const headGroups = groups(head);
  const tailGroups = tail === undefined ? [] : groups(tail);
  const all = [...headGroups, ...new Array<number>(8 - headGroups.length - tailGroups.length).fill(0), ...tailGroups];
  all.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return bytes;
}
