import type {
  DropRecord,
  Endpoints,
  FlowLimitCounters,
  LostEventsRecord,
  NatRecord,
  OwnerRecord,
  ResetRecord,
  RetransmitRecord,
  SocketSampleRecord,
  StateChangeRecord,
  SweepRecord,
  TaskOwner,
  TcpCounters,
  UdpFlowCounters,
  UdpFlowRecord,
  UdpSocketRecord,
} from '../../src/model/records.js';
import type { ConnectionSnapshot, ModelSnapshot } from '../../src/model/snapshot-types.js';
import { TcpState } from '../../src/model/records.js';

/** 2025-01-01T00:00:00Z: a fixed capture start so times in assertions read plainly. */
export const T0 = Date.UTC(2025, 0, 1);
export const HOST_NETNS = 4026531840;

/** A client socket on the host: 10.0.0.1:40000 → 93.184.216.34:443. */
export function endpoints(fields: Partial<Endpoints> = {}): Endpoints {
  return {
    family: 'ipv4',
    saddr: '10.0.0.1',
    sport: 40000,
    daddr: '93.184.216.34',
    dport: 443,
    netns: HOST_NETNS,
    ...fields,
  };
}

export function counters(fields: Partial<TcpCounters> = {}): TcpCounters {
  return { bytesAcked: 0, bytesReceived: 0, segsOut: 0, segsIn: 0, totalRetrans: 0, srttUs: 0, ...fields };
}

export function taskOwner(fields: Partial<TaskOwner> = {}): TaskOwner {
  return { pid: 1234, comm: 'curl', uid: 1000, cgroupId: 77, ...fields };
}

type WithRequired<Record, Keys extends keyof Record> = Partial<Record> & Pick<Record, Keys>;

export function stateRecord(
  fields: WithRequired<StateChangeRecord, 'cookie' | 'atMs' | 'oldState' | 'newState'>,
): StateChangeRecord {
  return { kind: 'state', endpoints: endpoints(), owner: null, counters: counters(), ...fields };
}

export function sampleRecord(fields: WithRequired<SocketSampleRecord, 'cookie' | 'atMs'>): SocketSampleRecord {
  return {
    kind: 'sample',
    endpoints: endpoints(),
    state: TcpState.ESTABLISHED,
    inode: 5000 + fields.cookie,
    uid: 1000,
    counters: counters(),
    receiveQueue: 0,
    sendQueue: 0,
    ...fields,
  };
}

/** A sample's flow-limit counters: an idle sender with the default windows, until told otherwise. */
export function flowLimits(fields: Partial<FlowLimitCounters> = {}): FlowLimitCounters {
  return {
    busyUs: 0,
    rwndLimitedUs: 0,
    sndbufLimitedUs: 0,
    deliveryRate: 0,
    appLimited: false,
    notsentBytes: 0,
    sndCwnd: 10,
    sndSsthresh: 2147483647,
    sndWnd: 65536,
    rcvWnd: 65536,
    probes: 0,
    probeTimerArmed: false,
    ...fields,
  };
}

export function retransmitRecord(fields: WithRequired<RetransmitRecord, 'cookie' | 'atMs'>): RetransmitRecord {
  return { kind: 'retransmit', endpoints: endpoints(), state: TcpState.ESTABLISHED, counters: counters(), ...fields };
}

export function resetRecord(fields: WithRequired<ResetRecord, 'cookie' | 'atMs' | 'direction'>): ResetRecord {
  return { kind: 'reset', endpoints: endpoints(), reason: 'NOT_SPECIFIED', counters: null, ...fields };
}

export function dropRecord(fields: WithRequired<DropRecord, 'cookie' | 'atMs' | 'packet'>): DropRecord {
  return { kind: 'drop', reason: 'NETFILTER_DROP', ...fields };
}

export function ownerRecord(fields: WithRequired<OwnerRecord, 'cookie' | 'atMs'>): OwnerRecord {
  return {
    kind: 'owner',
    pid: 1234,
    comm: 'curl',
    cmdline: 'curl https://example.com',
    uid: 1000,
    user: 'alice',
    cgroupId: 77,
    ...fields,
  };
}

export function sweepRecord(fields: WithRequired<SweepRecord, 'atMs' | 'sinceMs'>): SweepRecord {
  return { kind: 'sweep', netns: [HOST_NETNS], ...fields };
}

export function lostRecord(atMs: number, total: number): LostEventsRecord {
  return { kind: 'lost', atMs, total };
}

/** The state records of a client connection's handshake (CLOSE → SYN_SENT → ESTABLISHED). */
export function clientHandshake(
  cookie: number,
  atMs: number,
  connectMs: number,
  owner = taskOwner(),
): StateChangeRecord[] {
  return [
    stateRecord({ cookie, atMs, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner }),
    stateRecord({ cookie, atMs: atMs + connectMs, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED }),
  ];
}

export function connectionOf(snapshot: ModelSnapshot, id: number): ConnectionSnapshot {
  const connection = snapshot.connections.find((candidate) => candidate.id === id);
  if (connection === undefined) throw new Error(`no connection ${id} in the snapshot`);
  return connection;
}

/** conntrack's translation of cookie's connection: the Service 10.96.0.10:53 really reached 10.244.1.7:5353. */
export function natRecord(fields: WithRequired<NatRecord, 'cookie' | 'atMs'>): NatRecord {
  return {
    kind: 'nat',
    destination: { address: '10.244.1.7', port: 5353 },
    originalDestination: { address: '10.96.0.10', port: 53 },
    direction: 'outgoing',
    table: 'host',
    ...fields,
  };
}

/** A UDP flow record: a connected client 127.0.0.1:40000 → 127.0.0.53:53, one datagram each way, seen at T0 + 1 s. */
export function udpFlowRecord(fields: Partial<Omit<UdpFlowRecord, 'counters'>> & { counters?: Partial<UdpFlowCounters> } = {}): UdpFlowRecord {
  return {
    kind: 'udpFlow',
    atMs: T0 + 1000,
    cookie: 500,
    endpoints: endpoints({ saddr: '127.0.0.1', sport: 40000, daddr: '127.0.0.53', dport: 53 }),
    connected: true,
    owner: taskOwner({ pid: 4321, comm: 'resolver' }),
    socketClosed: false,
    ...fields,
    counters: { bytesSent: 40, bytesReceived: 56, packetsSent: 1, packetsReceived: 1, firstPacketAtMs: T0 + 100, lastPacketAtMs: T0 + 101, ...fields.counters },
  };
}

/** A UDP socket's sample at T0 + 1 s: unconnected, port 40000, nothing queued. */
export function udpSocketRecord(fields: Partial<UdpSocketRecord> = {}): UdpSocketRecord {
  return {
    kind: 'udpSocket',
    atMs: T0 + 1000,
    cookie: 500,
    endpoints: endpoints({ saddr: '127.0.0.1', sport: 40000, daddr: '0.0.0.0', dport: 0 }),
    connected: false,
    listening: false,
    inode: 9000,
    uid: 1000,
    receiveQueue: 0,
    drops: 0,
    ...fields,
  };
}
