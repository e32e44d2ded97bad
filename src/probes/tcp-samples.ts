/**
 * Decodes `struct tcp_sample` records (bpf/tcp_sample.h), written by the addon from sock_diag.
 * Keep aligned with bpf/tcp_sample.h (checked against the addon's compiled size in tests).
 */
import type { SocketSampleRecord, TcpStateNumber } from '../model/records.js';
import { formatAddress } from './ip-address.js';
import { readCounters, readU64 } from './record-fields.js';

/** Byte offsets of `struct tcp_sample`'s fields. */
export const tcpSampleLayout = {
  size: 104,
  sock_cookie: 0,
  bytes_acked: 8,
  bytes_received: 16,
  segs_out: 24,
  segs_in: 28,
  total_retrans: 32,
  srtt_us: 36,
  inode: 40,
  uid: 44,
  rqueue: 48,
  wqueue: 52,
  saddr: 56,
  daddr: 72,
  sport: 88,
  dport: 90,
  family: 92,
  state: 93,
  has_info: 94,
  sk_drops: 96,
} as const;

const AF_INET = 2;
const L = tcpSampleLayout;

/** Decodes `count` samples taken at `atMs` in the namespace `netns`. */
export function decodeTcpSamples(buffer: Buffer, count: number, atMs: number, netns: number): SocketSampleRecord[] {
  const view = new DataView(buffer.buffer, buffer.byteOffset, count * L.size);
  const records: SocketSampleRecord[] = [];
  for (let index = 0; index < count; index++) {
    const base = index * L.size;
    const familyNumber = view.getUint8(base + L.family);
    records.push({
      kind: 'sample',
      atMs,
      cookie: readU64(view, base + L.sock_cookie),
      endpoints: {
        family: familyNumber === AF_INET ? 'ipv4' : 'ipv6',
        saddr: formatAddress(buffer, base + L.saddr, familyNumber),
        sport: view.getUint16(base + L.sport, true),
        daddr: formatAddress(buffer, base + L.daddr, familyNumber),
        dport: view.getUint16(base + L.dport, true),
        netns,
      },
      state: view.getUint8(base + L.state) as TcpStateNumber,
      inode: view.getUint32(base + L.inode, true),
      uid: view.getUint32(base + L.uid, true),
      counters: view.getUint8(base + L.has_info) ? readCounters(view, base, L) : null,
      receiveQueue: view.getUint32(base + L.rqueue, true),
      sendQueue: view.getUint32(base + L.wqueue, true),
      drops: view.getUint32(base + L.sk_drops, true),
    });
  }
  return records;
}
