/**
 * Did netscope count every connection the churn generator made? Attribution as in
 * test/e2e/churn.test.ts: both ends of each of the generator's connections are local sockets
 * carrying its server port, so it should have 2 × made openings; `totals.connectionsOpened` is
 * host-wide, so the other connections born during the capture (still in the document) are
 * taken out. Exact while nothing was evicted; past the 10,000 kept closed connections the
 * oldest (the generator's, on a quiet host) are evicted but still counted in the totals, and
 * the generator's entries still in the table are then only a lower bound.
 */
import type { SnapshotDocument } from '../src/model/snapshot-document.js';
import type { ChurnOutcome } from './host-load.js';

export interface ChurnCount {
  made: number;
  /** 2 × made: the openings netscope should have seen. */
  expected: number;
  connectionsOpened: number;
  /** Other entries born during the capture (iperf3's, the host's), still in the table. */
  othersBorn: number;
  /** connectionsOpened − othersBorn: the openings attributed to the generator. */
  attributed: number;
  /** Generator entries still in the table (born during the capture). */
  generatorKept: number;
  /** Generator entries owned by another process than the generator (a wrong owner). */
  wrongOwner: number;
  evicted: number;
  lostEvents: number;
  /** expected − attributed when positive: openings netscope missed. */
  missed: number;
  /** Whether the count is exact (nothing evicted) or relies on no other process's entry being evicted. */
  exact: boolean;
}

/** Counts one generator's connections, or several generators' together (each its own port and pid). */
export function countChurn(document: SnapshotDocument, churns: ChurnOutcome | readonly ChurnOutcome[]): ChurnCount {
  const generators = Array.isArray(churns) ? (churns as readonly ChurnOutcome[]) : [churns as ChurnOutcome];
  const generatorOf = (entry: SnapshotDocument['connections'][number]) =>
    generators.find((churn) => (entry.saddr === '127.0.0.1' && entry.sport === churn.port) || (entry.daddr === '127.0.0.1' && entry.dport === churn.port));
  // TCP only, as the totals count: a UDP flow is born too (any datagram on the host makes one)
  // but opens no connection, and counted among the others it showed as an opening missed.
  const born = document.connections.filter((entry) => entry.protocol === 'tcp' && !entry.preexisting);
  const generatorEntries = born.filter((entry) => generatorOf(entry) !== undefined);
  const othersBorn = born.length - generatorEntries.length;
  const { connectionsOpened, evicted } = document.totals;
  const made = generators.reduce((sum, churn) => sum + churn.made, 0);
  const expected = 2 * made;
  const attributed = connectionsOpened - othersBorn;
  return {
    made,
    expected,
    connectionsOpened,
    othersBorn,
    attributed,
    generatorKept: generatorEntries.length,
    wrongOwner: generatorEntries.filter((entry) => entry.pid !== null && entry.pid !== generatorOf(entry)!.pid).length,
    evicted,
    lostEvents: document.source.lostEvents,
    // With nothing evicted every one of the generators' entries must still be in the table, too.
    missed: Math.max(0, expected - attributed, evicted === 0 ? expected - generatorEntries.length : 0),
    exact: evicted === 0,
  };
}

export function describeChurnCount(count: ChurnCount): string {
  const fmt = (value: number) => value.toLocaleString('en-US');
  return (
    `made ${fmt(count.made)} (× 2 = ${fmt(count.expected)}); connectionsOpened ${fmt(count.connectionsOpened)} − ${fmt(count.othersBorn)} others born ` +
    `= ${fmt(count.attributed)} attributed (${count.attributed >= count.expected ? `+${fmt(count.attributed - count.expected)}` : `−${fmt(count.missed)} missed`}); ` +
    `generator entries kept ${fmt(count.generatorKept)}, wrong owner ${fmt(count.wrongOwner)}, evicted ${fmt(count.evicted)}, lostEvents ${fmt(count.lostEvents)}` +
    (count.exact
      ? ''
      : ` (evicted, oldest closed first: ${fmt(count.evicted)}; kept + evicted = ${fmt(count.generatorKept + count.evicted)} ` +
        `${count.generatorKept + count.evicted === count.expected ? '= 2 × made: consistent with only the generator’s entries evicted' : '≠ 2 × made: other entries were evicted too'})`)
  );
}
