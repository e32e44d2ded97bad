import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EventLine } from '../../src/export/event-lines.js';
import { eventSelection } from '../../src/export/event-selection.js';
import type { ContainerIdentityDocument } from '../../src/model/snapshot-document.js';

const db: ContainerIdentityDocument = {
  id: 'b'.repeat(64),
  name: 'postgres',
  runtime: 'containerd',
  image: 'docker.io/library/postgres:16',
  pod: 'db-0',
  namespace: 'prod',
  podUid: null,
  workload: { kind: 'StatefulSet', name: 'db', source: 'podName' },
};

const base = {
  time: '2025-01-01T00:00:00.000Z',
  connectionId: '1',
  family: 'ipv4',
  saddr: '10.0.0.1',
  sport: 40000,
  daddr: '93.184.216.34',
  dport: 443,
  netns: '4026531840',
  pid: 1234,
  comm: 'curl',
  ownerProvisional: false,
  container: null,
  nat: null,
  protocol: 'tcp',
  peerName: null,
} as const;

const lines: EventLine[] = [
  { ...base, type: 'connect', fromState: 'CLOSE', toState: 'SYN_SENT' },
  { ...base, type: 'accept', connectionId: '2', saddr: '10.0.0.2', sport: 5432, dport: 51000, pid: 77, comm: 'postgres', container: db, fromState: 'SYN_RECV', toState: 'ESTABLISHED' },
  { ...base, type: 'retransmit', connectionId: '3', sport: 40001, dport: 22, pid: 500, comm: 'ssh', state: 'ESTABLISHED' },
  { ...base, type: 'reset', connectionId: null, sport: 1, dport: 46000, pid: null, comm: null, direction: 'sent', reason: 'NO_SOCKET' },
  { ...base, type: 'drop', connectionId: '2', sport: 51000, dport: 5432, pid: 77, comm: 'postgres', container: db, reason: 'NETFILTER_DROP' },
  {
    ...base,
    type: 'close',
    connectionId: '4',
    sport: 40002,
    dport: 8080,
    pid: 900,
    comm: 'nginx',
    fromState: 'TIME_WAIT',
    toState: 'CLOSE',
    bytesSent: 1,
    bytesReceived: 2,
    segmentsSent: 3,
    segmentsReceived: 4,
    retransmits: 0,
    srttMs: 0.1,
    durationMs: 10,
    preexisting: false,
    limit: null,
    limitedSeconds: {},
  },
];

type Selection = Parameters<typeof eventSelection>[0];
const noScope: Selection = { pid: null, port: null, container: null, pod: null, filter: null };

function kept(scope: Partial<Selection>): string[] {
  return eventSelection({ ...noScope, ...scope })(lines).map((line) => `${line.type}:${line.comm ?? '-'}`);
}

describe('which event lines --events writes', () => {
  test('no scope and no filter keep every line, in order', () => {
    assert.deepEqual(kept({}), ['connect:curl', 'accept:postgres', 'retransmit:ssh', 'reset:-', 'drop:postgres', 'close:nginx']);
  });

  test('--pid keeps the lines of that process; a line without an owner is not its', () => {
    assert.deepEqual(kept({ pid: 77 }), ['accept:postgres', 'drop:postgres']);
  });

  test('--port keeps lines with the port on either side', () => {
    assert.deepEqual(kept({ port: 5432 }), ['accept:postgres', 'drop:postgres']);
    assert.deepEqual(kept({ port: 8080 }), ['close:nginx']);
  });

  test('--container and --pod mean what they mean for the snapshot', () => {
    assert.deepEqual(kept({ container: 'postgres' }), ['accept:postgres', 'drop:postgres']);
    assert.deepEqual(kept({ container: 'bbbb' }), ['accept:postgres', 'drop:postgres'], 'an id prefix');
    assert.deepEqual(kept({ pod: 'prod/db-0' }), ['accept:postgres', 'drop:postgres']);
    assert.deepEqual(kept({ pod: 'db-1' }), []);
  });

  test('-F workload: keeps the lines of its pods, by the workload name alone', () => {
    assert.deepEqual(kept({ filter: 'workload:db' }), ['accept:postgres', 'drop:postgres']);
    assert.deepEqual(kept({ filter: 'workload:db-0' }), []);
    assert.deepEqual(kept({ filter: '!workload:db' }), ['connect:curl', 'retransmit:ssh', 'reset:-', 'close:nginx']);
  });

  test('-F pid:, port:, ctr:, pod: field terms', () => {
    assert.deepEqual(kept({ filter: 'pid:500' }), ['retransmit:ssh']);
    assert.deepEqual(kept({ filter: 'port:22' }), ['retransmit:ssh']);
    assert.deepEqual(kept({ filter: 'ctr:postgres' }), ['accept:postgres', 'drop:postgres']);
    assert.deepEqual(kept({ filter: 'pod:prod/db-0' }), ['accept:postgres', 'drop:postgres']);
  });

  test('-F state: matches the states a line names: from, to, or a retransmit’s state', () => {
    assert.deepEqual(kept({ filter: 'state:estab' }), ['accept:postgres', 'retransmit:ssh']);
    assert.deepEqual(kept({ filter: 'state:syn' }), ['connect:curl', 'accept:postgres']);
    assert.deepEqual(kept({ filter: 'state:time' }), ['close:nginx']);
  });

  test('-F words match the process name fuzzily, and negation and OR work as in the live view', () => {
    assert.deepEqual(kept({ filter: 'ngix' }), ['close:nginx'], 'a typo still finds nginx');
    assert.deepEqual(kept({ filter: 'postgres !port:5432' }), []);
    assert.deepEqual(kept({ filter: '=ssh | nginx' }), ['retransmit:ssh', 'close:nginx']);
    assert.deepEqual(kept({ filter: '!postgres' }), ['connect:curl', 'retransmit:ssh', 'reset:-', 'close:nginx']);
  });

  test('-F words also match the event type, the reason and addresses', () => {
    assert.deepEqual(kept({ filter: '=reset' }), ['reset:-']);
    assert.deepEqual(kept({ filter: 'netfilter' }), ['drop:postgres']);
    assert.deepEqual(kept({ filter: "'10.0.0.2" }), ['accept:postgres']);
  });

  test('scope flags and the filter apply together', () => {
    assert.deepEqual(kept({ port: 5432, filter: 'drop' }), ['drop:postgres']);
  });
});

describe('--events --filter nat:', () => {
  test('keeps the lines of connections NAT sent elsewhere, by either side of the translation', () => {
    const translated: EventLine = {
      ...lines[0]!,
      comm: 'dig',
      nat: { destination: { address: '10.244.1.7', port: 53 }, originalDestination: { address: '10.96.0.10', port: 53 }, direction: 'outgoing', table: 'host' },
    };
    const select = (filter: string) => eventSelection({ ...noScope, filter })([...lines, translated]).map((line) => `${line.type}:${line.comm ?? '-'}`);
    assert.deepEqual(select('nat:*'), ['connect:dig']);
    assert.deepEqual(select('nat:10.244.1.7'), ['connect:dig']);
    assert.deepEqual(select('nat:10.96.0.10:53'), ['connect:dig']);
    assert.equal(select('!nat:*').length, lines.length);
  });
});
