/**
 * A scripted capture for the recording tests: a fake source that hands the model a small host's
 * records — a listener, a client and the server side of its connection that live and close, a
 * preexisting connection with retransmits, a reset and a drop, owners and containers, sweeps and
 * lost-event counts — some between ticks (as the ring buffer drains) and some at the tick (as
 * the sampling pass does), on a clock the test drives.
 */
import { Capture } from '../../src/app/capture.js';
import type { CaptureObserver, CaptureSource } from '../../src/model/capture-contracts.js';
import type { ModelOptions } from '../../src/model/connection-model.js';
import type { ContainerRecord, ModelRecord } from '../../src/model/records.js';
import { TcpState } from '../../src/model/records.js';
import type { ModelSnapshot, ProbeStatus } from '../../src/model/snapshot-types.js';
import type { FlightRecorder } from '../../src/recording/flight-recorder.js';
import { RECORDING_VERSION, type RecordingHeader } from '../../src/recording/recording-format.js';
import {
  counters,
  dropRecord,
  endpoints,
  lostRecord,
  ownerRecord,
  resetRecord,
  retransmitRecord,
  sampleRecord,
  stateRecord,
  sweepRecord,
  taskOwner,
  T0,
} from '../model/record-builders.js';

export { T0 };

export const TICK_MS = 1000;

/** When tick `index` (from 0) happens. */
export function tickAt(index: number): number {
  return T0 + (index + 1) * TICK_MS;
}

export const probes: ProbeStatus[] = [
  { name: 'inet_sock_set_state', status: 'attached', reason: null },
  { name: 'tcp_retransmit_skb', status: 'attached', reason: null },
  { name: 'kfree_skb', status: 'unsupported', reason: 'tracepoint skb:kfree_skb not found' },
];

export const host = { hostname: 'web-1', kernel: '6.8.0-45-generic' };

export function header(fields: Partial<RecordingHeader> = {}): RecordingHeader {
  return {
    netscopeRecording: RECORDING_VERSION,
    host,
    startedAt: new Date(T0).toISOString(),
    netscopeVersion: '0.1.0',
    source: { kind: 'ebpf', probes },
    ...fields,
  };
}

export const cookies = { client: 1, server: 2, preexisting: 3, listener: 10 } as const;
/** The tick during which the client and server sides close. */
export const CLOSING_TICK = 9;

const clientSide = endpoints({ saddr: '10.0.0.1', sport: 40000, daddr: '10.0.0.2', dport: 80 });
const serverSide = endpoints({ saddr: '10.0.0.2', sport: 80, daddr: '10.0.0.1', dport: 40000 });
const preexistingSide = endpoints({ saddr: '10.0.0.1', sport: 5000, daddr: '10.0.0.3', dport: 5432 });
const listenerSide = endpoints({ saddr: '0.0.0.0', sport: 80, daddr: '0.0.0.0', dport: 0 });

const curl = taskOwner({ pid: 1234, comm: 'curl', uid: 1000, cgroupId: 55 });
const nginx = taskOwner({ pid: 99, comm: 'nginx', uid: 33, cgroupId: 77 });

const web: ContainerRecord = {
  kind: 'container',
  atMs: T0 + 20,
  cgroupId: 77,
  pid: null,
  container: { id: 'a'.repeat(64), name: 'web', runtime: 'docker', image: 'nginx:1.27', pod: null, namespace: null, podUid: null },
  problem: null,
};

/** What the ring buffer delivers during tick `index` (before its sampling pass). */
function drained(index: number): ModelRecord[] {
  const start = tickAt(index) - TICK_MS;
  switch (index) {
    case 0:
      return [
        stateRecord({ cookie: cookies.listener, atMs: T0 + 10, endpoints: listenerSide, oldState: TcpState.CLOSE, newState: TcpState.LISTEN, owner: nginx }),
        web,
        stateRecord({ cookie: cookies.client, atMs: T0 + 100, endpoints: { ...clientSide, sport: 0 }, oldState: TcpState.CLOSE, newState: TcpState.SYN_SENT, owner: curl }),
        stateRecord({ cookie: cookies.server, atMs: T0 + 101, endpoints: serverSide, oldState: TcpState.LISTEN, newState: TcpState.SYN_RECV, owner: null }),
        stateRecord({ cookie: cookies.client, atMs: T0 + 102, endpoints: clientSide, oldState: TcpState.SYN_SENT, newState: TcpState.ESTABLISHED, owner: null, counters: counters({ bytesAcked: 1 }) }),
        stateRecord({ cookie: cookies.server, atMs: T0 + 102.5, endpoints: serverSide, oldState: TcpState.SYN_RECV, newState: TcpState.ESTABLISHED, owner: null }),
      ];
    case 3:
      return [
        retransmitRecord({ cookie: cookies.client, atMs: start + 500, endpoints: clientSide, counters: clientCounters(index, 1) }),
        dropRecord({ cookie: 0, atMs: start + 510, packet: endpoints({ saddr: '10.0.0.2', sport: 80, daddr: '10.0.0.1', dport: 40000 }) }),
        resetRecord({ cookie: cookies.preexisting, atMs: start + 520, direction: 'received', endpoints: preexistingSide }),
      ];
    case CLOSING_TICK:
      return [
        stateRecord({ cookie: cookies.client, atMs: start + 500, endpoints: clientSide, oldState: TcpState.ESTABLISHED, newState: TcpState.FIN_WAIT1, owner: curl, counters: clientCounters(index, 1) }),
        stateRecord({ cookie: cookies.server, atMs: start + 501, endpoints: serverSide, oldState: TcpState.ESTABLISHED, newState: TcpState.CLOSE_WAIT, owner: null, counters: serverCounters(index) }),
        stateRecord({ cookie: cookies.client, atMs: start + 502, endpoints: clientSide, oldState: TcpState.FIN_WAIT1, newState: TcpState.FIN_WAIT2, owner: null, counters: clientCounters(index, 1) }),
        stateRecord({ cookie: cookies.server, atMs: start + 503, endpoints: serverSide, oldState: TcpState.CLOSE_WAIT, newState: TcpState.LAST_ACK, owner: nginx, counters: serverCounters(index) }),
        stateRecord({ cookie: cookies.server, atMs: start + 504, endpoints: serverSide, oldState: TcpState.LAST_ACK, newState: TcpState.CLOSE, owner: null, counters: serverCounters(index) }),
        stateRecord({ cookie: cookies.client, atMs: start + 505, endpoints: clientSide, oldState: TcpState.FIN_WAIT2, newState: TcpState.TIME_WAIT, owner: null, counters: clientCounters(index, 1) }),
        stateRecord({ cookie: cookies.client, atMs: start + 506, endpoints: clientSide, oldState: TcpState.TIME_WAIT, newState: TcpState.CLOSE, owner: null, counters: clientCounters(index, 1) }),
      ];
    default:
      return [];
  }
}

function clientCounters(index: number, retransmits: number) {
  return counters({ bytesAcked: 1 + 40_000 * index, bytesReceived: 1 + 120_000 * index, segsOut: 10 * index, segsIn: 30 * index, totalRetrans: retransmits, srttUs: 250 });
}

function serverCounters(index: number) {
  return counters({ bytesAcked: 1 + 120_000 * index, bytesReceived: 1 + 40_000 * index, segsOut: 30 * index, segsIn: 10 * index, srttUs: 240 });
}

/** What the sampling pass delivers at tick `index`: samples, owners, the sweep, the loss count. */
function sampled(index: number): ModelRecord[] {
  const atMs = tickAt(index);
  const open = index < CLOSING_TICK;
  return [
    sampleRecord({ cookie: cookies.listener, atMs, endpoints: listenerSide, state: TcpState.LISTEN, uid: 33, counters: null, receiveQueue: index % 3, sendQueue: 511 }),
    ...(open
      ? [
          sampleRecord({ cookie: cookies.client, atMs, endpoints: clientSide, uid: 1000, counters: clientCounters(index, index >= 3 ? 1 : 0) }),
          sampleRecord({ cookie: cookies.server, atMs, endpoints: serverSide, uid: 33, counters: serverCounters(index) }),
        ]
      : []),
    sampleRecord({
      cookie: cookies.preexisting,
      atMs,
      endpoints: preexistingSide,
      uid: 113,
      counters: counters({ bytesAcked: 5_000_000 + 7_000 * index, bytesReceived: 9_000_000 + 3_000 * index, totalRetrans: 4 + Math.floor(index / 4), srttUs: 900 }),
    }),
    ...(index === 0
      ? [
          ownerRecord({ cookie: 0, atMs, pid: 1234, comm: 'curl', cmdline: 'curl http://10.0.0.2/', uid: 1000, user: 'alice', cgroupId: 55 }),
          ownerRecord({ cookie: 0, atMs, pid: 99, comm: 'nginx', cmdline: 'nginx: worker process', uid: 33, user: 'www-data', cgroupId: 77 }),
          ownerRecord({ cookie: cookies.server, atMs, pid: 99, comm: 'nginx', cmdline: 'nginx: worker process', uid: 33, user: 'www-data', cgroupId: 77 }),
          ownerRecord({ cookie: cookies.preexisting, atMs, pid: 4321, comm: 'psql', cmdline: 'psql -h 10.0.0.3 --password=[redacted]', uid: 113, user: 'postgres', cgroupId: 56 }),
          { kind: 'container', atMs, cgroupId: 55, pid: null, container: null, problem: null } satisfies ContainerRecord,
          { kind: 'container', atMs, cgroupId: 56, pid: null, container: null, problem: 'unreadable' } satisfies ContainerRecord,
        ]
      : []),
    ...(index > 0 ? [sweepRecord({ atMs, sinceMs: tickAt(index - 1) })] : []),
    lostRecord(atMs, index >= 7 ? 3 : 0),
  ];
}

/** A source that plays the script: the drained records come through `drain`, the sampled ones at `collect`. */
class ScriptedSource implements CaptureSource {
  readonly kind = 'ebpf' as const;
  readonly probes = probes;
  readonly degradedNotice = null;
  private index = 0;

  constructor(private readonly sink: (record: ModelRecord) => void) {}

  drain(): void {
    for (const record of drained(this.index)) this.sink(record);
  }

  collect(): void {
    for (const record of sampled(this.index)) this.sink(record);
    this.index++;
  }

  stop(): void {}
}

export interface ScriptedRun {
  capture: Capture;
  /** The snapshot each tick published, in order. */
  snapshots: ModelSnapshot[];
}

/**
 * Runs `ticks` scripted ticks through a Capture with `observers` attached before the first
 * record, as attachObservers does. The capture is left running (stop it to close the observers).
 */
export function runScriptedCapture(ticks: number, observers: CaptureObserver[] = [], modelOptions: Partial<ModelOptions> = {}): ScriptedRun {
  let clockMs = T0;
  const capture = new Capture((sink) => new ScriptedSource(sink), host, modelOptions, () => clockMs);
  for (const observer of observers) capture.observe(observer);
  const source = capture.source as ScriptedSource;
  const snapshots: ModelSnapshot[] = [];
  for (let index = 0; index < ticks; index++) {
    source.drain();
    clockMs = tickAt(index);
    snapshots.push(capture.tick());
  }
  return { capture, snapshots };
}

/** A flight recorder's window as one recording text (see recording-format.ts); null before its first tick. */
export function flightRecordingText(recorder: FlightRecorder): string | null {
  const text = [...recorder.recordingLines()].map((line) => `${line}\n`).join('');
  return text === '' ? null : text;
}
