/**
 * Decodes `struct udp_sample` records (bpf/udp_sample.h), written by the addon from sock_diag.
 * Keep aligned with bpf/udp_sample.h (test/probes/record-layout.test.ts checks these offsets).
 */
import type { UdpSocketRecord } from '../model/records.js';
import { formatAddress } from './ip-address.js';
import { readU64 } from './record-fields.js';

/** Byte offsets of `struct udp_sample`'s fields. */
export const udpSampleLayout = {
  size: 64,
  sock_cookie: 0,
  inode: 8,
  uid: 12,
  rqueue: 16,
  drops: 20,
  saddr: 24,
  daddr: 40,
  sport: 56,
  dport: 58,
  family: 60,
  state: 61,
  has_meminfo: 62,
} as const;

const AF_INET = 2;
/** A connected UDP socket reports TCP_ESTABLISHED; an unconnected one TCP_CLOSE. */
const TCP_ESTABLISHED = 1;
const L = udpSampleLayout;

/** The ports the kernel picks for sockets bound to port 0 (ip_local_port_range), inclusive. */
export interface EphemeralPorts {
  low: number;
  high: number;
}

/** Linux's default ip_local_port_range, for when the sysctl cannot be read. */
export const defaultEphemeralPorts: EphemeralPorts = { low: 32768, high: 60999 };

/** Reads `net.ipv4.ip_local_port_range` as the sysctl file gives it (`32768\t60999`). */
export function parseEphemeralPorts(text: string): EphemeralPorts {
  const [low, high] = text.trim().split(/\s+/).map(Number);
  return low !== undefined && high !== undefined && Number.isInteger(low) && Number.isInteger(high) && low <= high
    ? { low, high }
    : defaultEphemeralPorts;
}

/** Decodes `count` samples taken at `atMs` in the namespace `netns`. */
export function decodeUdpSamples(
  buffer: Buffer,
  count: number,
  atMs: number,
  netns: number,
  ephemeral: EphemeralPorts = defaultEphemeralPorts,
): UdpSocketRecord[] {
  const view = new DataView(buffer.buffer, buffer.byteOffset, count * L.size);
  const records: UdpSocketRecord[] = [];
  for (let index = 0; index < count; index++) {
    const base = index * L.size;
    const familyNumber = view.getUint8(base + L.family);
    const connected = view.getUint8(base + L.state) === TCP_ESTABLISHED;
    const localPort = view.getUint16(base + L.sport, true);
    records.push({
      kind: 'udpSocket',
      atMs,
      cookie: readU64(view, base + L.sock_cookie),
      endpoints: {
        family: familyNumber === AF_INET ? 'ipv4' : 'ipv6',
        saddr: formatAddress(buffer, base + L.saddr, familyNumber),
        sport: localPort,
        daddr: formatAddress(buffer, base + L.daddr, familyNumber),
        dport: view.getUint16(base + L.dport, true),
        netns,
      },
      connected,
      listening: !connected && localPort !== 0 && (localPort < ephemeral.low || localPort > ephemeral.high),
      inode: view.getUint32(base + L.inode, true),
      uid: view.getUint32(base + L.uid, true),
      receiveQueue: view.getUint32(base + L.rqueue, true),
      drops: view.getUint8(base + L.has_meminfo) ? view.getUint32(base + L.drops, true) : null,
    });
  }
  return records;
}
