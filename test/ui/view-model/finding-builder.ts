/**
 * Synthetic findings for UI tests, shaped as the findings engine states them, about the fake
 * store's host: curl losing segments to 93.184.216.34 (critical), postgres's accept queue
 * (warning) and a refused connection that has since resolved (info).
 */
import type { Finding } from '../../../src/findings/finding.js';
import { containers, cookies, T0 } from '../fake-store.js';

/** A finding with every field set; `fields` replaces what it names (evidence and subject whole). */
export function buildFinding(fields: Partial<Finding> & Pick<Finding, 'id' | 'kind'>): Finding {
  return {
    severity: 'warning',
    state: 'open',
    summary: `${fields.kind} finding`,
    nextStep: 'check it',
    subject: { pid: null, comm: null, container: null, peerAddress: null, peerPort: null, localPort: null },
    sinceMs: T0 - 60_000,
    lastSeenMs: T0 - 1_000,
    resolvedAtMs: null,
    evidence: { connectionIds: [], listenerIds: [], counters: [], reasons: [], absorbed: [] },
    ...fields,
  };
}

/** curl (4242) loses 8% of its segments to 93.184.216.34:443 since 3m12s: the fake store's lossy connection. */
export const curlLoss = buildFinding({
  id: 'loss:pid=4242:peer=93.184.216.34',
  kind: 'loss',
  severity: 'critical',
  summary: 'curl (pid 4242) loses 8.2% of its segments to 93.184.216.34:443 since 11:56:48; the firewall drops them (NETFILTER_DROP)',
  nextStep: 'a firewall on this host drops them: check the nftables rules that match 93.184.216.34 and port 443',
  subject: { pid: 4242, comm: 'curl', container: null, peerAddress: '93.184.216.34', peerPort: 443, localPort: null },
  sinceMs: T0 - 192_000,
  lastSeenMs: T0 - 2_000,
  evidence: {
    connectionIds: [cookies.curl],
    listenerIds: [],
    counters: [
      { name: 'retransmitted', value: 7, unit: 'segments' },
      { name: 'segments sent', value: 800, unit: 'segments' },
      { name: 'loss', value: 8.2, unit: '%' },
    ],
    reasons: ['NETFILTER_DROP'],
    absorbed: ['drops'],
  },
});

/** postgres's listener on 5432 queues connections it does not accept fast enough. */
export const postgresQueue = buildFinding({
  id: 'acceptQueueOverflow:pid=1311:port=5432',
  kind: 'acceptQueueOverflow',
  severity: 'warning',
  summary: 'postgres (pid 1311, container postgres in pod prod/db-0) is not accepting fast enough on port 5432',
  nextStep: 'postgres is not accepting fast enough: its accept queue is full',
  subject: { pid: 1311, comm: 'postgres', container: containers.db, peerAddress: null, peerPort: null, localPort: 5432 },
  sinceMs: T0 - 30_000,
  lastSeenMs: T0,
  evidence: { connectionIds: [cookies.postgres], listenerIds: [2002], counters: [{ name: 'queue', value: 2, unit: 'connections' }], reasons: [], absorbed: [] },
});

/** The closed curl (4250) was refused by 198.51.100.9:80, a while ago. */
export const refusedResolved = buildFinding({
  id: 'refused:pid=4250:peer=198.51.100.9:80',
  kind: 'refused',
  severity: 'info',
  state: 'resolved',
  summary: 'curl (pid 4250) was refused by 198.51.100.9:80: nothing listens there',
  nextStep: 'check that the service on 198.51.100.9 runs and listens on port 80',
  subject: { pid: 4250, comm: 'curl', container: null, peerAddress: '198.51.100.9', peerPort: 80, localPort: null },
  sinceMs: T0 - 9_000,
  lastSeenMs: T0 - 8_500,
  resolvedAtMs: T0 - 4_000,
  evidence: { connectionIds: [cookies.closedCurl], listenerIds: [], counters: [{ name: 'resets received', value: 1, unit: null }], reasons: [], absorbed: [] },
});

/** All three, in an order no sort gives (the pane sorts them). */
export const fixtureFindings: readonly Finding[] = [refusedResolved, postgresQueue, curlLoss];
