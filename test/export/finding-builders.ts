/** Synthetic findings for the surfaces that read them (triage's report, its exit code, the dumps a critical one asks for). */
import type { Finding } from '../../src/findings/finding.js';

export const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);

/** A finding as the engine would state it; open, warning, about pid 412's connect to 127.0.0.1:9 unless told otherwise. */
export function buildFinding(fields: Partial<Finding> & Pick<Finding, 'id'>): Finding {
  return {
    kind: 'refused',
    severity: 'warning',
    state: 'open',
    summary: 'client (pid 412) is refused by 127.0.0.1:9: nothing listens there',
    nextStep: 'check that the service on 127.0.0.1:9 is running, or the port the client dials',
    subject: { pid: 412, comm: 'client', container: null, peerAddress: '127.0.0.1', peerPort: 9, localPort: null },
    sinceMs: T0,
    lastSeenMs: T0 + 4000,
    resolvedAtMs: null,
    evidence: { connectionIds: [11, 12], listenerIds: [], counters: [{ name: 'refused', value: 12, unit: 'connections' }], reasons: [], absorbed: [] },
    ...fields,
  };
}
