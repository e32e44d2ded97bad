/**
 * Decodes `struct tcp_sample` records (bpf/tcp_sample.h), written by the addon from sock_diag.
 * Keep aligned with bpf/tcp_sample.h (checked against the addon's compiled size in tests).
 */
import type { FlowLimitCounters, SocketSampleRecord, TcpStateNumber } from '../model/records.js';
import { formatAddress } from './ip-address.js';
import { readCounters, readU64 } from './record-fields.js';

/** Byte offsets of `struct tcp_sample`'s fields. */
export const tcpSampleLayout = {
  size: 160,
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
  busy_time_us: 96,
  rwnd_limited_us: 104,
  sndbuf_limited_us: 112,
  delivery_rate_bps: 120,
  notsent_bytes: 128,
  snd_cwnd: 132,
  snd_ssthresh: 136,
  snd_wnd: 140,
  rcv_wnd: 144,
  probes: 148,
  timer: 149,
  limit_fields: 150,
  sk_drops: 152,
} as const;

/** `limit_fields` bits (TCP_SAMPLE_HAS_* in bpf/tcp_sample.h). */
const HAS_CHRONO = 0x01;
const HAS_SND_WND = 0x02;
const HAS_RCV_WND = 0x04;
const APP_LIMITED = 0x08;
/** idiag_timer of a socket probing a zero window (ICSK_TIME_PROBE0 as inet_diag reports it). */
const TIMER_ZERO_WINDOW_PROBE = 4;

const AF_INET = 2;
const L = tcpSampleLayout;

/** Decodes `count` samples taken at `atMs` in the namespace `netns`. */
export function decodeTcpSamples(buffer: Buffer, count: number, atMs: number, netns: number): SocketSampleRecord[] {
  const records: SocketSampleRecord[] = [];
  decodeEachTcpSample(buffer, count, atMs, netns, (record) => records.push(record));
  return records;
}

/** Decodes the samples one by one, each handed to `visit` before the next is made. */
export function decodeEachTcpSample(buffer: Buffer, count: number, atMs: number, netns: number, visit: (record: SocketSampleRecord) => void): void {
  const view = new DataView(buffer.buffer, buffer.byteOffset, count * L.size);
  for (let index = 0; index < count; index++) {
    const base = index * L.size;
    const familyNumber = view.getUint8(base + L.family);
    visit({
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
      limits: readLimits(view, base),
    });
  }
}

function readLimits(view: DataView, base: number): FlowLimitCounters | null {
  const fields = view.getUint8(base + L.limit_fields);
  if ((fields & HAS_CHRONO) === 0) return null;
  return {
    busyUs: readU64(view, base + L.busy_time_us),
    rwndLimitedUs: readU64(view, base + L.rwnd_limited_us),
    sndbufLimitedUs: readU64(view, base + L.sndbuf_limited_us),
    deliveryRate: readU64(view, base + L.delivery_rate_bps),
    appLimited: (fields & APP_LIMITED) !== 0,
    notsentBytes: view.getUint32(base + L.notsent_bytes, true),
    sndCwnd: view.getUint32(base + L.snd_cwnd, true),
    sndSsthresh: view.getUint32(base + L.snd_ssthresh, true),
    sndWnd: (fields & HAS_SND_WND) === 0 ? null : view.getUint32(base + L.snd_wnd, true),
    rcvWnd: (fields & HAS_RCV_WND) === 0 ? null : view.getUint32(base + L.rcv_wnd, true),
    probes: view.getUint8(base + L.probes),
    probeTimerArmed: view.getUint8(base + L.timer) === TIMER_ZERO_WINDOW_PROBE,
  };
}
