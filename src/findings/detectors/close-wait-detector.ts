/**
 * CLOSE_WAIT leak: a process holding sockets its peers closed — the kernel waits for the
 * process's close(), which a leak never makes. Per process: a warning when the count grew over
 * the window past a minimum, or when a socket has waited long; critical past a large count. It
 * holds while any such socket is left: each one is a descriptor the process will not get back.
 */
import type { ConnectionSnapshot, ModelSnapshot } from '../../model/snapshot-types.js';
import type { FindingSeverity } from '../finding.js';
import type { FindingCandidate } from '../finding-candidate.js';
import type { FindingDetector } from '../finding-detector.js';
import { pidKey, processText, secondsText, sharedValue, subjectOf } from '../finding-subject.js';
import type { FindingThresholds } from '../finding-thresholds.js';

interface CountAt {
  atMs: number;
  count: number;
}

export class CloseWaitDetector implements FindingDetector {
  /** Per process, its CLOSE_WAIT count at each tick of the window (oldest first). */
  private readonly counts = new Map<string, CountAt[]>();

  constructor(private readonly thresholds: FindingThresholds) {}

  detect(snapshot: ModelSnapshot): FindingCandidate[] {
    const byProcess = new Map<string, ConnectionSnapshot[]>();
    // Indexed: a for-of over the table made an iterator result per connection, tick after tick.
    const { connections } = snapshot;
    for (let index = 0; index < connections.length; index++) {
      const connection = connections[index]!;
      if (connection.state !== 'CLOSE_WAIT') continue;
      const key = pidKey(connection.owner.pid);
      const held = byProcess.get(key);
      if (held === undefined) byProcess.set(key, [connection]);
      else held.push(connection);
    }
    const oldestMs = snapshot.atMs - this.thresholds.windowMs;
    for (const [key, history] of this.counts) {
      while (history.length > 0 && (history[0] as CountAt).atMs < oldestMs) history.shift();
      if (!byProcess.has(key)) this.counts.delete(key);
    }
    const candidates: FindingCandidate[] = [];
    for (const [key, held] of byProcess) {
      let history = this.counts.get(key);
      if (history === undefined) this.counts.set(key, (history = []));
      const countBefore = history[0]?.count ?? 0;
      history.push({ atMs: snapshot.atMs, count: held.length });
      candidates.push(this.candidate(key, held, countBefore, snapshot.atMs));
    }
    return candidates.filter((candidate) => candidate.holdLevel !== null);
  }

  private candidate(key: string, held: ConnectionSnapshot[], countBefore: number, nowMs: number): FindingCandidate {
    const { closeWaitLeak, hysteresisRatio } = this.thresholds;
    const count = held.length;
    const oldestSinceMs = held.reduce((oldest, connection) => Math.min(oldest, closeWaitSinceMs(connection)), nowMs);
    const oldestAgeMs = nowMs - oldestSinceMs;
    const grew = count >= closeWaitLeak.minSockets && count > countBefore;
    const openLevel: FindingSeverity | null =
      count >= closeWaitLeak.criticalSockets ? 'critical' : grew || oldestAgeMs >= closeWaitLeak.oldAfterMs ? 'warning' : null;
    const holdLevel: FindingSeverity = count >= closeWaitLeak.criticalSockets * hysteresisRatio ? 'critical' : 'warning';
    const owner = held[0]?.owner ?? { pid: null, comm: null, container: null };
    const localPort = sharedValue(held.map((connection) => connection.sport));
    const peerAddress = sharedValue(held.map((connection) => connection.daddr));
    const subject = subjectOf(owner, { address: peerAddress, port: null }, localPort);
    const name = processText(subject);
    return {
      id: `closeWaitLeak:${key}`,
      kind: 'closeWaitLeak',
      subject,
      summary: `${name} holds ${count} socket${count === 1 ? '' : 's'} its peers closed (CLOSE_WAIT${localPort === null ? '' : ` on port ${localPort}`}), the oldest for ${secondsText(oldestAgeMs)}${count > countBefore && countBefore > 0 ? `, up from ${countBefore}` : ''}`,
      nextStep: `${subject.comm ?? 'the process'} never closes sockets its peers closed: a missing close() in the app (a leak on an error path, or a pool that never drops dead connections)`,
      evidence: {
        connectionIds: held
          .toSorted((a, b) => closeWaitSinceMs(a) - closeWaitSinceMs(b) || a.id - b.id)
          .slice(0, this.thresholds.maxEvidenceConnections)
          .map((connection) => connection.id),
        listenerIds: [],
        counters: [
          { name: 'sockets in CLOSE_WAIT', value: count, unit: 'connections' },
          { name: 'a window ago', value: countBefore, unit: 'connections' },
          { name: 'oldest waiting', value: Math.round(oldestAgeMs), unit: 'ms' },
        ],
        reasons: [],
        absorbed: [],
      },
      openLevel,
      holdLevel,
      firstEvidenceAtMs: oldestSinceMs,
      lastEvidenceAtMs: nowMs,
    };
  }
}

/** When the connection entered CLOSE_WAIT (its current stay). */
function closeWaitSinceMs(connection: ConnectionSnapshot): number {
  return connection.stateHistory.findLast((stay) => stay.state === 'CLOSE_WAIT')?.atMs ?? connection.openedAtMs;
}
