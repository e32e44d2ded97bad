/** Byte fixtures for `struct tcp_event`, written field by field through the decoder's own layout. */
import { tcpEventLayout as L, TcpEventKind } from '../../src/probes/tcp-events.js';

export interface TcpEventFields {
  tsNs?: bigint;
  cookie?: bigint;
  cgroupId?: bigint;
  bytesAcked?: bigint;
  bytesReceived?: bigint;
  segsOut?: number;
  segsIn?: number;
  totalRetrans?: number;
  srttUs?: number;
  pid?: number;
  uid?: number;
  netns?: number;
  reason?: number;
  saddr?: number[];
  daddr?: number[];
  sport?: number;
  dport?: number;
  kind?: (typeof TcpEventKind)[keyof typeof TcpEventKind];
  family?: number;
  oldState?: number;
  newState?: number;
  ownerKnown?: boolean;
  hasCounters?: boolean;
  comm?: string;
}

export function buildTcpEvent(fields: TcpEventFields = {}): Buffer {
  const buffer = Buffer.alloc(L.size);
  buffer.writeBigUInt64LE(fields.tsNs ?? 1_000_000_000n, L.ts_ns);
  buffer.writeBigUInt64LE(fields.cookie ?? 42n, L.sock_cookie);
  buffer.writeBigUInt64LE(fields.cgroupId ?? 0n, L.cgroup_id);
  buffer.writeBigUInt64LE(fields.bytesAcked ?? 0n, L.bytes_acked);
  buffer.writeBigUInt64LE(fields.bytesReceived ?? 0n, L.bytes_received);
  buffer.writeUInt32LE(fields.segsOut ?? 0, L.segs_out);
  buffer.writeUInt32LE(fields.segsIn ?? 0, L.segs_in);
  buffer.writeUInt32LE(fields.totalRetrans ?? 0, L.total_retrans);
  buffer.writeUInt32LE(fields.srttUs ?? 0, L.srtt_us);
  buffer.writeUInt32LE(fields.pid ?? 0, L.pid);
  buffer.writeUInt32LE(fields.uid ?? 0, L.uid);
  buffer.writeUInt32LE(fields.netns ?? 4026531840, L.netns_ino);
  buffer.writeUInt32LE(fields.reason ?? 0, L.reason);
  Buffer.from(fields.saddr ?? [127, 0, 0, 1]).copy(buffer, L.saddr);
  Buffer.from(fields.daddr ?? [127, 0, 0, 1]).copy(buffer, L.daddr);
  buffer.writeUInt16LE(fields.sport ?? 40000, L.sport);
  buffer.writeUInt16LE(fields.dport ?? 8080, L.dport);
  buffer.writeUInt8(fields.kind ?? TcpEventKind.STATE, L.kind);
  buffer.writeUInt8(fields.family ?? 2, L.family);
  buffer.writeUInt8(fields.oldState ?? 7, L.old_state);
  buffer.writeUInt8(fields.newState ?? 2, L.new_state);
  buffer.writeUInt8(fields.ownerKnown ? 1 : 0, L.owner_known);
  buffer.writeUInt8(fields.hasCounters === false ? 0 : 1, L.has_counters);
  buffer.write(fields.comm ?? '', L.comm, 15, 'utf8');
  return buffer;
}
