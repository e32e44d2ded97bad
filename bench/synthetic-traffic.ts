/**
 * A model filled with N realistic connections (a few hundred processes talking to many peers,
 * some closed, some retransmitting), for the benches that need a big table.
 */
import { ConnectionModel } from '../src/model/connection-model.js';
import { TcpState, type Endpoints, type ModelRecord } from '../src/model/records.js';

const PROCESS_NAMES = ['nginx', 'postgres', 'redis-server', 'curl', 'java', 'node', 'envoy', 'sshd', 'python3', 'grpc-server'];
export const SYNTHETIC_START_MS = Date.UTC(2026, 10, 25, 12, 0, 0);

/** The endpoints of the synthetic connection `index` (its cookie is index + 1). */
export function syntheticEndpoints(index: number): Endpoints {
  return {
    family: index % 7 === 0 ? 'ipv6' : 'ipv4',
    saddr: index % 7 === 0 ? 'fd00::1' : '10.0.0.1',
    sport: 20_000 + (index % 40_000),
    daddr: index % 7 === 0 ? `fd00::${(index % 500).toString(16)}` : `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
    dport: [443, 5432, 6379, 80, 8080][index % 5] ?? 443,
    netns: 4026531840,
  };
}

function recordsOf(index: number, atMs: number): ModelRecord[] {
  const pid = 1000 + (index % 300);
  const comm = PROCESS_NAMES[index % PROCESS_NAMES.length] ?? 'proc';
  const endpoints = syntheticEndpoints(index);
  const counters = {
    bytesAcked: 1000 * (index % 997),
    bytesReceived: 5000 * (index % 991),
    segsOut: index % 97,
    segsIn: index % 89,
    totalRetrans: index % 50 === 0 ? 3 : 0,
    srttUs: 200 + (index % 5000),
  };
  const records: ModelRecord[] = [
    {
      kind: 'state',
      atMs,
      cookie: index + 1,
      endpoints,
      oldState: TcpState.CLOSE,
      newState: TcpState.SYN_SENT,
      owner: { pid, comm, uid: 0, cgroupId: 0 },
      counters: { ...counters, bytesAcked: 0, bytesReceived: 0 },
    },
    { kind: 'state', atMs: atMs + 1, cookie: index + 1, endpoints, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED, owner: null, counters },
  ];
  if (index % 10 === 0) {
    records.push({ kind: 'state', atMs: atMs + 2, cookie: index + 1, endpoints, oldState: TcpState.ESTABLISHED, newState: TcpState.CLOSE, owner: null, counters });
  }
  if (index % 300 === 0) {
    records.push({ kind: 'owner', atMs, cookie: 0, pid, comm, cmdline: `/usr/bin/${comm} --config /etc/${comm}/${comm}.conf --workers 8`, uid: 0, user: 'root', cgroupId: 0 });
  }
  return records;
}

/** A model holding `connections` connections, ticked once; returns it and the snapshot. */
export function syntheticModel(connections: number): ConnectionModel {
  const model = new ConnectionModel({ maxConnections: Math.max(200_000, connections * 2), maxClosedConnections: connections });
  for (let index = 0; index < connections; index++) {
    for (const record of recordsOf(index, SYNTHETIC_START_MS + index / 100)) model.ingest(record);
  }
  model.tick(SYNTHETIC_START_MS + 1000);
  return model;
}

/** What a churned-away connection's last counters say: the bench only needs it closed. */
const CLOSED_COUNTERS = { bytesAcked: 0, bytesReceived: 0, segsOut: 0, segsIn: 0, totalRetrans: 0, srttUs: 0 };

/**
 * One tick of churn: `count` new connections open (from index `firstIndex` on) and as many of the
 * oldest ones still open close, at `atMs` — the busy load balancer the live view must keep up with.
 */
export function churnTick(model: ConnectionModel, firstIndex: number, count: number, atMs: number): void {
  for (let index = firstIndex; index < firstIndex + count; index++) {
    for (const record of recordsOf(index, atMs)) model.ingest(record);
    const closing = index - firstIndex;
    const endpoints = syntheticEndpoints(closing);
    model.ingest({ kind: 'state', atMs: atMs + 1, cookie: closing + 1, endpoints, oldState: TcpState.ESTABLISHED, newState: TcpState.CLOSE, owner: null, counters: CLOSED_COUNTERS });
  }
}
