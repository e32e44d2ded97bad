/**
 * The page of one finding: its whole text — the summary and the next step wrapped, never cut —
 * who it is about, since when and until when, the counters with their units, the kernel's
 * reasons, the symptoms it took in, and its evidence connections and listeners as the model has
 * them now.
 *
 * A finding that leaves the list while its page is open keeps its last known text, marked
 * `present: false`, as the connection page does.
 */
import type { EvidenceCounter, Finding } from '../../findings/finding.js';
import type { ConnectionSnapshot, ListenerSnapshot, ModelSnapshot } from '../../model/snapshot-types.js';
import type { ScreenInput } from './screen-input.js';
import type { FindingDetailView, Tone } from './view-types.js';
import { findingKindName, findingTone, formatAgo, formatClockTime, severityMark } from './finding-format.js';
import { formatContainer, formatCount, formatEndpoint, formatLatency, formatState } from './format.js';
import { wrapText } from './wrap-text.js';

/** The labels of the page, so the values start in one column (`Next step` is the longest). */
const LABEL_WIDTH = 'Next step'.length;
/** Cells the page component puts between the label column and the values. */
export const FINDING_LABEL_GAP = 2;

/** The last finding the page showed, kept for when it leaves the list. */
let lastShown: Finding | null = null;

/** The page of finding `findingId`, its long lines wrapped to `width`. */
export function selectFindingDetail(input: ScreenInput, findingId: string, width: number): FindingDetailView {
  const current = input.findings.find((finding) => finding.id === findingId);
  if (current !== undefined) lastShown = current;
  const finding = current ?? (lastShown?.id === findingId ? lastShown : null);
  if (finding === null) return { title: `finding ${findingId}`, titleTone: 'dim', groups: [], present: false };
  const valueWidth = Math.max(1, width - LABEL_WIDTH - FINDING_LABEL_GAP);
  const nowMs = input.snapshot.atMs;
  const group = (label: string, lines: string[], tone: Tone = 'normal') => ({ label, lines, tone });
  const { evidence } = finding;
  return {
    title: `${severityMark(finding.severity)} · ${findingKindName(finding.kind)} · ${finding.state}`,
    titleTone: findingTone(finding),
    groups: [
      group('Summary', wrapText(finding.summary, valueWidth)),
      group('Next step', wrapText(finding.nextStep, valueWidth), 'accent'),
      group('Process', [describeProcess(finding)]),
      group('Peer', [describePeer(finding)]),
      group('Since', [`${formatClockTime(finding.sinceMs)} · ${formatAgo(finding.sinceMs, nowMs)}`]),
      group('Last seen', [`${formatClockTime(finding.lastSeenMs)} · ${formatAgo(finding.lastSeenMs, nowMs)}`]),
      ...(finding.resolvedAtMs === null ? [] : [group('Resolved', [`${formatClockTime(finding.resolvedAtMs)} · ${formatAgo(finding.resolvedAtMs, nowMs)}`], 'dim')]),
      group('Counters', evidence.counters.length === 0 ? ['none'] : evidence.counters.map(describeCounter)),
      ...(evidence.reasons.length === 0 ? [] : [group('Reasons', wrapText(evidence.reasons.join(', '), valueWidth))]),
      ...(evidence.absorbed.length === 0
        ? []
        : [group('Absorbed', wrapText(`${evidence.absorbed.map(findingKindName).join(', ')}: symptoms of this cause, not findings of their own`, valueWidth), 'dim')]),
      group('Evidence', describeConnections(evidence.connectionIds, input.snapshot)),
      ...(evidence.listenerIds.length === 0 ? [] : [group('Listeners', describeListeners(evidence.listenerIds, input.snapshot))]),
    ],
    present: current !== undefined,
  };
}

/** `curl · pid 4242 · container web (docker)`; `unknown` when the engine could not tell. */
function describeProcess(finding: Finding): string {
  const { pid, comm, container } = finding.subject;
  if (pid === null && comm === null) return 'unknown';
  const process = `${comm ?? '?'} · pid ${pid ?? '?'}`;
  return container === null ? process : `${process} · container ${formatContainer(container)}`;
}

/** `93.184.216.34:443`, `93.184.216.34 (many ports)`, or the local port a listener finding is about. */
function describePeer(finding: Finding): string {
  const { peerAddress, peerPort, localPort } = finding.subject;
  const local = localPort === null ? null : `local port ${localPort}`;
  if (peerAddress === null) return local ?? 'none';
  const peer = peerPort === null ? peerAddress : formatEndpoint(peerAddress, peerPort);
  return local === null ? peer : `${peer} · ${local}`;
}

/** `retransmitted  412 segments`, `loss  8.2%`, `connect latency  312.0ms`. */
function describeCounter(counter: EvidenceCounter): string {
  const value = Number.isInteger(counter.value) ? formatCount(counter.value) : String(Number(counter.value.toFixed(1)));
  switch (counter.unit) {
    case null:
      return `${counter.name}  ${value}`;
    case '%':
      return `${counter.name}  ${value}%`;
    case 'ms':
      return `${counter.name}  ${formatLatency(counter.value)}`;
    default:
      return `${counter.name}  ${value} ${counter.unit}`;
  }
}

const connectionsById = new WeakMap<ModelSnapshot, Map<number, ConnectionSnapshot>>();

function connectionIndex(snapshot: ModelSnapshot): Map<number, ConnectionSnapshot> {
  let index = connectionsById.get(snapshot);
  if (index === undefined) {
    index = new Map(snapshot.connections.map((connection) => [connection.id, connection]));
    connectionsById.set(snapshot, index);
  }
  return index;
}

/** `curl (4242)  10.0.0.5:40522 → 93.184.216.34:443  ESTAB  retrans 7`, one a connection; `socket 81920: gone` once evicted. */
function describeConnections(ids: readonly number[], snapshot: ModelSnapshot): string[] {
  if (ids.length === 0) return ['no connection'];
  const index = connectionIndex(snapshot);
  return ids.map((id) => {
    const connection = index.get(id);
    if (connection === undefined) return `socket ${id}: gone from the model`;
    const { comm, pid } = connection.owner;
    const trouble = [
      connection.retransmits > 0 ? `retrans ${formatCount(connection.retransmits)}` : null,
      connection.resetsSent + connection.resetsReceived > 0 ? `rst ${connection.resetsSent}/${connection.resetsReceived}` : null,
    ].filter((part) => part !== null);
    return [
      `${comm ?? '?'} (${pid ?? '?'})`,
      `${formatEndpoint(connection.saddr, connection.sport)} → ${formatEndpoint(connection.daddr, connection.dport)}`,
      formatState(connection.state),
      ...trouble,
    ].join('  ');
  });
}

/** `nginx (812)  0.0.0.0:443  queue 511/511`. */
function describeListeners(ids: readonly number[], snapshot: ModelSnapshot): string[] {
  const byId = new Map<number, ListenerSnapshot>(snapshot.listeners.map((listener) => [listener.id, listener]));
  return ids.map((id) => {
    const listener = byId.get(id);
    if (listener === undefined) return `socket ${id}: gone from the model`;
    const { comm, pid } = listener.owner;
    return `${comm ?? '?'} (${pid ?? '?'})  ${formatEndpoint(listener.saddr, listener.sport)}  queue ${formatCount(listener.acceptQueue)}/${formatCount(listener.acceptQueueLimit)}`;
  });
}
