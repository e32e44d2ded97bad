import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
// The named export: with NodeNext, the default import is the CommonJS module object.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { SnapshotDocument, ViewDocument } from '../../src/model/snapshot-document.js';
import type { SourceInfo } from '../../src/model/snapshot-types.js';
import { ConnectionModel } from '../../src/model/connection-model.js';
import { TcpState } from '../../src/model/records.js';
import { toSnapshotDocument } from '../../src/model/snapshot-document.js';
import {
  T0,
  clientHandshake,
  counters,
  dropRecord,
  endpoints,
  ownerRecord,
  sampleRecord,
  stateRecord,
  taskOwner,
} from './record-builders.js';

// Tests run from dist/test/model; the schema lives at the repository root.
const schemaPath = new URL('../../../schema/snapshot.schema.json', import.meta.url);
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(schemaPath, 'utf8')));

const source: SourceInfo = {
  kind: 'ebpf',
  probes: [
    { name: 'tcp_events', status: 'attached', reason: null },
    { name: 'tcp_drops', status: 'unsupported', reason: 'kernel 5.15 has no drop reasons' },
  ],
};

function sampleDocument(): SnapshotDocument {
  const model = new ConnectionModel();
  for (const record of clientHandshake(18446744, T0, 12.3456)) model.ingest(record);
  model.ingest(ownerRecord({ cookie: 0, atMs: T0 + 1, cmdline: 'curl https://example.com', user: 'alice' }));
  model.tick(T0 + 1000);
  model.ingest(
    sampleRecord({
      cookie: 18446744,
      atMs: T0 + 1900,
      counters: counters({ bytesAcked: 1_500_001, bytesReceived: 333, segsOut: 1100, segsIn: 400, srttUs: 1234 }),
    }),
  );
  model.ingest(dropRecord({ cookie: 18446744, atMs: T0 + 1950, packet: endpoints(), reason: 'TCP_OFOMERGE' }));
  model.ingest(
    sampleRecord({
      cookie: 5,
      atMs: T0 + 1950,
      state: TcpState.LISTEN,
      receiveQueue: 1,
      sendQueue: 4096,
      counters: null,
    }),
  );
  model.ingest(
    sampleRecord({
      cookie: 6,
      atMs: T0 + 1960,
      endpoints: endpoints({ family: 'ipv6', saddr: '::1', daddr: '::1', sport: 5000 }),
    }),
  );
  model.ingest(
    stateRecord({
      cookie: 6,
      atMs: T0 + 1970,
      oldState: TcpState.ESTABLISHED,
      newState: TcpState.CLOSE,
      owner: taskOwner({ cgroupId: 0 }),
    }),
  );
  // Three seconds after the first tick: rates of a third of the bytes, rounded in the document.
  const snapshot = model.tick(T0 + 4000);
  return toSnapshotDocument(snapshot, {
    host: { hostname: 'web-1', kernel: '6.8.0-45-generic' },
    source,
    generatedAtMs: T0 + 4000.7,
  });
}

/** What `s` records of the view: filter `nginx`, scoped to process 4242, on Peers. */
const savedView: ViewDocument = {
  filter: 'nginx',
  scope: { kind: 'process', pid: 4242 },
  pane: 'peers',
  sort: { column: 'rate', descending: true },
  closedHidden: true,
};

describe('snapshot document', () => {
  test('turns times into RFC 3339, 64-bit ids into decimal strings, and rounds rates and latencies', () => {
    const document = sampleDocument();
    assert.equal(document.schemaVersion, 2);
    assert.equal(document.generatedAt, '2025-01-01T00:00:04.000Z');
    assert.deepEqual(document.source, { ...source, lostEvents: 0, containerStateProblems: {} });
    assert.deepEqual(document.drops, { TCP_OFOMERGE: 1 });
    assert.deepEqual(document.dropClasses, { TCP_OFOMERGE: 'stray' });
    assert.deepEqual(document.totals, {
      connectionsOpened: 1,
      connectionsClosed: 1,
      bytesSent: 1_500_001,
      bytesReceived: 333,
      retransmits: 0,
      resetsSent: 0,
      resetsReceived: 0,
      drops: 0,
      evicted: 0,
      udpFlowsRefused: 0,
    });
    assert.deepEqual(document.connections[1], {
      id: '18446744',
      protocol: 'tcp',
      family: 'ipv4',
      saddr: '10.0.0.1',
      sport: 40000,
      daddr: '93.184.216.34',
      dport: 443,
      netns: '4026531840',
      pid: 1234,
      comm: 'curl',
      cmdline: 'curl https://example.com',
      uid: 1000,
      user: 'alice',
      cgroupId: '77',
      ownerProvisional: false,
      state: 'ESTABLISHED',
      stateHistory: [
        { state: 'SYN_SENT', at: '2025-01-01T00:00:00.000Z', durationMs: 12.346 },
        { state: 'ESTABLISHED', at: '2025-01-01T00:00:00.012Z', durationMs: null },
      ],
      openedAt: '2025-01-01T00:00:00.000Z',
      closedAt: null,
      preexisting: false,
      bytesSent: 1_500_001,
      bytesReceived: 333,
      segmentsSent: 1100,
      segmentsReceived: 400,
      sendRate: 500_000,
      receiveRate: 111,
      retransmits: 0,
      resetsSent: 0,
      resetsReceived: 0,
      drops: [{ reason: 'TCP_OFOMERGE', class: 'stray', count: 1 }],
      srttMs: 1.234,
      connectLatencyMs: 12.346,
      container: null,
      problems: { retransmits: null, resets: null, drops: null },
      nat: null,
      udp: null,
      limit: null,
      peerName: null,
    });
    const closed = document.connections[0];
    assert.equal(closed?.closedAt, '2025-01-01T00:00:01.970Z');
    assert.equal(closed?.cgroupId, null);
    assert.deepEqual(document.listeners, [
      {
        id: '5',
        family: 'ipv4',
        saddr: '10.0.0.1',
        sport: 40000,
        netns: '4026531840',
        pid: null,
        comm: null,
        cmdline: null,
        user: null,
        container: null,
        acceptQueue: 1,
        acceptQueueLimit: 4096,
        protocol: 'tcp',
        receiveQueue: null,
      },
    ]);
  });

  test('validates against the schema', () => {
    const document = JSON.parse(JSON.stringify(sampleDocument())) as unknown;
    assert.equal(validate(document), true, JSON.stringify(validate.errors, null, 2));
  });

  test('a saved view validates with each kind of scope; --json leaves it out', () => {
    assert.equal('view' in sampleDocument(), false);
    const scopes = [
      null,
      { kind: 'process', pid: 4242 },
      { kind: 'peer', address: '10.0.0.7' },
      { kind: 'listener', id: '5120' },
      { kind: 'container', id: 'f'.repeat(64) },
      { kind: 'containerQuery', container: 'api', pod: null },
    ];
    for (const scope of scopes) {
      const document = JSON.parse(JSON.stringify({ ...sampleDocument(), view: { ...savedView, scope } })) as unknown;
      assert.equal(validate(document), true, JSON.stringify(validate.errors, null, 2));
    }
  });

  test('the schema rejects a document that breaks the contract', () => {
    const valid = sampleDocument();
    const [firstConnection] = valid.connections;
    assert.ok(firstConnection !== undefined);
    const broken: unknown[] = [
      { ...valid, connections: [{ ...firstConnection, id: 6 }] },
      { ...valid, connections: [{ ...firstConnection, state: 'OPEN' }] },
      { ...valid, connections: [{ ...firstConnection, openedAt: '2025-01-01 00:00:00' }] },
      { ...valid, connections: [{ ...firstConnection, sendRate: 1.5 }] },
      { ...valid, connections: [{ ...firstConnection, container: undefined }] },
      { ...valid, totals: { ...valid.totals, extra: 1 } },
      { ...valid, source: { ...valid.source, kind: 'pcap' } },
      { ...valid, schemaVersion: 1 },
      { ...valid, view: { ...savedView, pane: 'sockets' } },
      { ...valid, view: { ...savedView, scope: { kind: 'host' } } },
      { ...valid, view: { ...savedView, scope: { kind: 'process', pid: '4242' } } },
      { ...valid, view: { ...savedView, sort: { column: 'rate' } } },
      { ...valid, view: { ...savedView, closedHidden: undefined } },
      { ...valid, view: { ...savedView, extra: 1 } },
      { ...valid, view: null },
    ];
    for (const document of broken) {
      assert.equal(validate(JSON.parse(JSON.stringify(document))), false, JSON.stringify(document).slice(0, 200));
    }
  });
});
