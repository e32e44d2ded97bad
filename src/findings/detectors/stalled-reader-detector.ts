/**
 * A process that stopped reading: connections whose flow limit is `stalled-reader` (its receive
 * queue full, a zero window advertised to the peer) for a while, per process. The peer is held
 * back by this host — the one flow limit that is always a local fault.
 */
import type { ConnectionSnapshot, ModelSnapshot } from '../../model/snapshot-types.js';
import type { FindingSeverity } from '../finding.js';
import type { FindingCandidate } from '../finding-candidate.js';
import type { FindingDetector } from '../finding-detector.js';
import { pidKey, peerText, processText, secondsText, sharedValue, subjectOf } from '../finding-subject.js';
import type { FindingThresholds } from '../finding-thresholds.js';

export class StalledReaderDetector implements FindingDetector {
  /** When each connection was first seen stalled, in its current stall. */
  private readonly stalledSince = new Map<number, number>();

  constructor(private readonly thresholds: FindingThresholds) {}

  detect(snapshot: ModelSnapshot): FindingCandidate[] {
    const { stalledForMs } = this.thresholds.stalledReader;
    const stalledNow = new Set<number>();
    const byProcess = new Map<string, ConnectionSnapshot[]>();
    // Indexed: a for-of over the table made an iterator result per connection, tick after tick.
    const { connections } = snapshot;
    for (let index = 0; index < connections.length; index++) {
      const connection = connections[index]!;
      if (connection.closedAtMs !== null || connection.limit?.verdict !== 'stalled-reader') continue;
      stalledNow.add(connection.id);
      const since = this.stalledSince.get(connection.id) ?? snapshot.atMs;
      this.stalledSince.set(connection.id, since);
      if (snapshot.atMs - since < stalledForMs) continue;
      const key = pidKey(connection.owner.pid);
      const held = byProcess.get(key);
      if (held === undefined) byProcess.set(key, [connection]);
      else held.push(connection);
    }
    for (const id of this.stalledSince.keys()) if (!stalledNow.has(id)) this.stalledSince.delete(id);
    return [...byProcess].map(([key, stalled]) => this.candidate(key, stalled, snapshot.atMs));
  }

  private candidate(key: string, stalled: ConnectionSnapshot[], nowMs: number): FindingCandidate {
    const { criticalConnections } = this.thresholds.stalledReader;
    const sinceMs = Math.min(...stalled.map((connection) => this.stalledSince.get(connection.id) ?? nowMs));
    const owner = stalled[0]?.owner ?? { pid: null, comm: null, container: null };
    const subject = subjectOf(owner, { address: sharedValue(stalled.map((connection) => connection.daddr)), port: null }, sharedValue(stalled.map((connection) => connection.sport)));
    const unread = stalled.reduce((sum, connection) => sum + (connection.limit?.receiveQueue ?? 0), 0);
    const severity: FindingSeverity = stalled.length >= criticalConnections ? 'critical' : 'warning';
    const count = stalled.length;
    return {
      id: `stalledReader:${key}`,
      kind: 'stalledReader',
      subject,
      summary: `${processText(subject)} stopped reading ${count} connection${count === 1 ? '' : 's'} from ${peerText(subject)}: ${unread} bytes wait unread and it advertises a zero window, for ${secondsText(nowMs - sinceMs)}`,
      nextStep: `${subject.comm ?? 'the process'} is not reading its sockets, so its peers cannot send: a blocked thread or event loop, or a consumer slower than its producer — look at what it is busy with (a stack dump, its logs)`,
      evidence: {
        connectionIds: stalled.slice(0, this.thresholds.maxEvidenceConnections).map((connection) => connection.id),
        listenerIds: [],
        counters: [
          { name: 'stalled connections', value: count, unit: 'connections' },
          { name: 'unread', value: unread, unit: 'bytes' },
          { name: 'stalled for', value: Math.round(nowMs - sinceMs), unit: 'ms' },
        ],
        reasons: [],
        absorbed: [],
      },
      openLevel: severity,
      holdLevel: severity,
      firstEvidenceAtMs: sinceMs,
      lastEvidenceAtMs: nowMs,
    };
  }
}
