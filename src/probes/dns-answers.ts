/**
 * Decodes `struct dns_answer` records (bpf/dns_answers.h): the first bytes of a DNS response a
 * local socket received, with the socket's cookie, cgroup and network namespace. Keep aligned
 * with bpf/dns_answers.h: test/probes/dns-answer-layout.test.ts checks these offsets against
 * the struct in the compiled object's BTF.
 */
import { formatAddress } from './ip-address.js';
import type { KernelClock } from './kernel-clock.js';
import { readU64 } from './record-fields.js';

/** Byte offsets of `struct dns_answer`'s fields. */
export const dnsAnswerLayout = {
  size: 568,
  ts_ns: 0,
  sock_cookie: 8,
  cgroup_id: 16,
  netns_ino: 24,
  payload_bytes: 28,
  udp_payload_bytes: 30,
  family: 32,
  server: 36,
  payload: 52,
} as const;

const L = dnsAnswerLayout;

/** One DNS response as it reached a local socket. */
export interface DnsAnswerCapture {
  /** Arrival, wall-clock ms since the epoch. */
  atMs: number;
  /** The receiving socket's cookie (0 when unknown). */
  cookie: number;
  /** The receiving socket's cgroup v2 id (0 when unknown). */
  cgroupId: number;
  /** The receiving socket's network namespace inode (0 when unknown). */
  netns: number;
  /** The answering server's address. */
  server: string;
  /** The DNS message's first bytes (a copy: the drain buffer is reused). */
  message: Buffer;
  /** True when the message was longer than the capture keeps. */
  cut: boolean;
}

/** Decodes `count` consecutive records from the start of `buffer`, handing each to `sink`. */
export function decodeDnsAnswers(buffer: Buffer, count: number, clock: KernelClock, sink: (capture: DnsAnswerCapture) => void): void {
  const view = new DataView(buffer.buffer, buffer.byteOffset, count * L.size);
  for (let index = 0; index < count; index++) {
    const base = index * L.size;
    const payloadBytes = Math.min(view.getUint16(base + L.payload_bytes, true), L.size - L.payload);
    const start = base + L.payload;
    sink({
      atMs: clock.toWallMs(readU64(view, base + L.ts_ns) / 1e6),
      cookie: readU64(view, base + L.sock_cookie),
      cgroupId: readU64(view, base + L.cgroup_id),
      netns: view.getUint32(base + L.netns_ino, true),
      server: formatAddress(buffer, base + L.server, view.getUint8(base + L.family)),
      message: Buffer.from(buffer.subarray(start, start + payloadBytes)),
      cut: view.getUint16(base + L.udp_payload_bytes, true) > payloadBytes,
    });
  }
}
