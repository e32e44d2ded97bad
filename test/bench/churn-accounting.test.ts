import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countChurn } from '../../bench/churn-accounting.js';
import type { ChurnOutcome } from '../../bench/host-load.js';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';

type Entry = Pick<SnapshotDocument['connections'][number], 'protocol' | 'preexisting' | 'saddr' | 'sport' | 'daddr' | 'dport' | 'pid'>;

const GENERATOR = { port: 7000, pid: 100, made: 2 } as ChurnOutcome;

/** Both ends of each of the generator's connections: client port → 7000, and the accepted side. */
function generatorEntries(made: number): Entry[] {
  return Array.from({ length: made }, (_, index) => [
    { protocol: 'tcp', preexisting: false, saddr: '127.0.0.1', sport: 40_000 + index, daddr: '127.0.0.1', dport: 7000, pid: 100 },
    { protocol: 'tcp', preexisting: false, saddr: '127.0.0.1', sport: 7000, daddr: '127.0.0.1', dport: 40_000 + index, pid: 100 },
  ]).flat() as Entry[];
}

function documentOf(connections: Entry[], connectionsOpened: number): SnapshotDocument {
  return { connections, totals: { connectionsOpened, evicted: 0 }, source: { lostEvents: 0 } } as unknown as SnapshotDocument;
}

describe('counting the churn generator’s connections', () => {
  it('finds every opening when the table holds both ends of each', () => {
    const count = countChurn(documentOf(generatorEntries(2), 4), GENERATOR);
    assert.deepEqual([count.expected, count.attributed, count.missed, count.othersBorn], [4, 4, 0, 0]);
  });

  it('takes another process’s TCP connection born meanwhile out of the totals', () => {
    const other: Entry = { protocol: 'tcp', preexisting: false, saddr: '10.0.0.1', sport: 5000, daddr: '10.0.0.2', dport: 443, pid: 7 };
    const count = countChurn(documentOf([...generatorEntries(2), other], 5), GENERATOR);
    assert.deepEqual([count.attributed, count.missed, count.othersBorn], [4, 0, 1]);
  });

  it('does not count a UDP flow born meanwhile as an opening missed: the totals count TCP only', () => {
    const datagrams: Entry = { protocol: 'udp', preexisting: false, saddr: '10.0.0.1', sport: 41_000, daddr: '10.0.0.53', dport: 123, pid: 9 };
    const count = countChurn(documentOf([...generatorEntries(2), datagrams], 4), GENERATOR);
    assert.deepEqual([count.attributed, count.missed, count.othersBorn], [4, 0, 0]);
  });

  it('says an opening is missed when the totals lack it', () => {
    const count = countChurn(documentOf(generatorEntries(2), 3), GENERATOR);
    assert.equal(count.missed, 1);
  });
});
