/** Field readers shared by the decoders of the records in bpf/*.h (little-endian, as the kernel writes them). */
import type { TcpCounters } from '../model/records.js';

const TWO_POW_32 = 4294967296;

/** A u64 as a JS number: exact below 2^53 (cookies, byte counters, nanoseconds of uptime). */
export function readU64(view: DataView, offset: number): number {
  return view.getUint32(offset, true) + view.getUint32(offset + 4, true) * TWO_POW_32;
}

/** Where a record keeps the socket's tcp_info counters. */
export interface CounterOffsets {
  bytes_acked: number;
  bytes_received: number;
  segs_out: number;
  segs_in: number;
  total_retrans: number;
  srtt_us: number;
}

export function readCounters(view: DataView, base: number, offsets: CounterOffsets): TcpCounters {
  return {
    bytesAcked: readU64(view, base + offsets.bytes_acked),
    bytesReceived: readU64(view, base + offsets.bytes_received),
    segsOut: view.getUint32(base + offsets.segs_out, true),
    segsIn: view.getUint32(base + offsets.segs_in, true),
    totalRetrans: view.getUint32(base + offsets.total_retrans, true),
    srttUs: view.getUint32(base + offsets.srtt_us, true),
  };
}
