import type { UdpFlowCounters, UdpFlowRecord, UdpSocketRecord } from './records.js';
import type { UdpFlowSnapshot } from './snapshot-types.js';
import type { ConnectionColumns } from './connection-columns.js';
import { ConnectionEntry } from './connection-entry.js';
import { TcpState } from './records.js';

/**
 * One UDP flow in the connection table: a socket and one peer. It is a connection as far as
 * every view and export goes (owner, bytes each way, rates, ageing out); its datagrams fill the
 * segment counters, and `ESTABLISHED`/`CLOSE` stand for active and over, as `ss` shows a
 * connected UDP socket. What only UDP has lives here.
 */
export class UdpFlowEntry extends ConnectionEntry {
  readonly socketCookie: number;
  readonly connected: boolean;
  private receiveQueue = 0;
  private socketDrops = 0;
  private lastPacketAtMs: number;

  constructor(id: number, record: UdpFlowRecord, maxStateHistory: number, columns: ConnectionColumns) {
    super(id, record.endpoints, { preexisting: false, atMs: record.counters.firstPacketAtMs }, columns);
    this.socketCookie = record.cookie;
    this.connected = record.connected;
    this.lastPacketAtMs = record.counters.firstPacketAtMs;
    this.recordState(TcpState.ESTABLISHED, record.counters.firstPacketAtMs, maxStateHistory);
  }

  override get protocol(): 'udp' {
    return 'udp';
  }

  /** The latest datagram either way, ms since the epoch. */
  get lastPacketAt(): number {
    return this.lastPacketAtMs;
  }

  foldUdpCounters(counters: UdpFlowCounters): void {
    this.foldCounters(
      {
        bytesAcked: counters.bytesSent,
        bytesReceived: counters.bytesReceived,
        segsOut: counters.packetsSent,
        segsIn: counters.packetsReceived,
        totalRetrans: 0,
        srttUs: 0,
      },
      counters.lastPacketAtMs,
    );
    if (counters.lastPacketAtMs > this.lastPacketAtMs) {
      this.lastPacketAtMs = counters.lastPacketAtMs;
      this.noteChanged();
    }
  }

  /** The socket's sample: its queue and drops, its namespace, its uid. */
  applySocketSample(sample: UdpSocketRecord): void {
    this.noteActivity(sample.atMs);
    this.learnNetns(sample.endpoints.netns);
    this.noteSampleUid(sample.uid);
    const drops = sample.drops ?? this.socketDrops;
    if (sample.receiveQueue === this.receiveQueue && drops === this.socketDrops) return;
    this.receiveQueue = sample.receiveQueue;
    this.socketDrops = drops;
    this.noteChanged();
  }

  protected override udpFacts(): UdpFlowSnapshot {
    return {
      socketCookie: this.socketCookie,
      connected: this.connected,
      receiveQueue: this.receiveQueue,
      socketDrops: this.socketDrops,
      lastPacketAtMs: this.lastPacketAtMs,
    };
  }
}
