/**
 * Decodes `struct tcp_event` records (bpf/tcp_events.h) into the model's typed records.
 * Keep aligned with bpf/tcp_events.h: test/probes/record-layout.test.ts checks these
 * offsets against the struct in the compiled object's BTF.
 */
import type { ModelRecord, TcpStateNumber } from '../model/records.js';
import { EndpointsCache } from './endpoints-cache.js';
import type { KernelClock } from './kernel-clock.js';
import type { ReasonNames } from './reason-names.js';
import { readCounters, readU64 } from './record-fields.js';
import { TaskOwnerCache } from './task-owner-cache.js';

/** Byte offsets of `struct tcp_event`'s fields. */
export const tcpEventLayout = {
  size: 136,
  ts_ns: 0,
  sock_cookie: 8,
  cgroup_id: 16,
  bytes_acked: 24,
  bytes_received: 32,
  segs_out: 40,
  segs_in: 44,
  total_retrans: 48,
  srtt_us: 52,
  pid: 56,
  uid: 60,
  netns_ino: 64,
  reason: 68,
  saddr: 72,
  daddr: 88,
  sport: 104,
  dport: 106,
  kind: 108,
  family: 109,
  old_state: 110,
  new_state: 111,
  owner_known: 112,
  has_counters: 113,
  comm: 116,
} as const;

/** `enum tcp_event_kind`. */
export const TcpEventKind = {
  STATE: 1,
  RETRANSMIT: 2,
  RESET_SENT: 3,
  RESET_RECEIVED: 4,
  DROP: 5,
} as const;

const L = tcpEventLayout;

export interface TcpEventDecoder {
  /** Decodes `count` consecutive records from the start of `buffer`, handing each to `sink`. */
  decode(buffer: Buffer, count: number, sink: (record: ModelRecord) => void): void;
}

/** @param shownName the sanitiser task names pass before anything sees them (a task names itself). */
export function tcpEventDecoder(clock: KernelClock, dropReasons: ReasonNames, resetReasons: ReasonNames, shownName: (comm: string) => string): TcpEventDecoder {
  const endpointsCache = new EndpointsCache(L);
  const ownerCache = new TaskOwnerCache(L, shownName);
  return {
    decode(buffer, count, sink) {
      const view = new DataView(buffer.buffer, buffer.byteOffset, count * L.size);
      for (let index = 0; index < count; index++) {
        const record = decodeOne(buffer, view, index * L.size, clock, dropReasons, resetReasons, endpointsCache, ownerCache);
        if (record) sink(record);
      }
    },
  };
}

function decodeOne(
  bytes: Buffer,
  view: DataView,
  base: number,
  clock: KernelClock,
  dropReasons: ReasonNames,
  resetReasons: ReasonNames,
  endpointsCache: EndpointsCache,
  ownerCache: TaskOwnerCache,
): ModelRecord | null {
  const atMs = clock.toWallMs(readU64(view, base + L.ts_ns) / 1e6);
  const cookie = readU64(view, base + L.sock_cookie);
  const endpoints = endpointsCache.decode(bytes, view, base, cookie);
  const state = view.getUint8(base + L.new_state) as TcpStateNumber;
  switch (view.getUint8(base + L.kind)) {
    case TcpEventKind.STATE:
      return {
        kind: 'state',
        atMs,
        cookie,
        endpoints,
        oldState: view.getUint8(base + L.old_state) as TcpStateNumber,
        newState: state,
        owner: view.getUint8(base + L.owner_known) ? ownerCache.decode(bytes, view, base) : null,
        counters: readCounters(view, base, L),
      };
    case TcpEventKind.RETRANSMIT:
      return { kind: 'retransmit', atMs, cookie, endpoints, state, counters: readCounters(view, base, L) };
    case TcpEventKind.RESET_SENT:
    case TcpEventKind.RESET_RECEIVED: {
      const sent = view.getUint8(base + L.kind) === TcpEventKind.RESET_SENT;
      return {
        kind: 'reset',
        atMs,
        cookie,
        direction: sent ? 'sent' : 'received',
        endpoints,
        reason: sent ? resetReasons(view.getUint32(base + L.reason, true)) : 'RECEIVED',
        counters: view.getUint8(base + L.has_counters) ? readCounters(view, base, L) : null,
      };
    }
    case TcpEventKind.DROP:
      return { kind: 'drop', atMs, cookie, packet: endpoints, reason: dropReasons(view.getUint32(base + L.reason, true)) };
    default:
      return null;
  }
}

