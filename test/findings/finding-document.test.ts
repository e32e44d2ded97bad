import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
// The named export: with NodeNext, the default import is the CommonJS module object.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Finding } from '../../src/findings/finding.js';
import { findingDocument, withFindings } from '../../src/findings/finding-document.js';
import { scopeFindings } from '../../src/findings/finding-scope.js';
import { toSnapshotDocument } from '../../src/model/snapshot-document.js';
import { snapshotDocumentJson } from '../../src/model/snapshot-document-json.js';
import { containerIdentity, snapshot, source } from '../ui/view-model/snapshot-builder.js';

const schemaPath = new URL('../../../schema/snapshot.schema.json', import.meta.url);
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(schemaPath, 'utf8')));

const T = Date.UTC(2025, 0, 1, 3, 12, 4);

function finding(fields: Partial<Finding> = {}): Finding {
  return {
    id: 'refused:pid=412:peer=127.0.0.1:9',
    kind: 'refused',
    severity: 'critical',
    state: 'open',
    summary: 'hammer (pid 412) is refused by 127.0.0.1:9: 25 connects answered by a reset in the last 10 s',
    nextStep: 'nothing listens on 127.0.0.1:9',
    subject: { pid: 412, comm: 'hammer', container: null, peerAddress: '127.0.0.1', peerPort: 9, localPort: null },
    sinceMs: T,
    lastSeenMs: T + 4500,
    resolvedAtMs: null,
    evidence: { connectionIds: [90071992547, 12], listenerIds: [], counters: [{ name: 'refused connects', value: 25, unit: 'connections' }], reasons: [], absorbed: [] },
    ...fields,
  };
}

function documentWith(findings: readonly Finding[]) {
  return withFindings(toSnapshotDocument(snapshot(), { host: { hostname: 'vm', kernel: '6.8.0' }, source: source(), generatedAtMs: T + 5000 }), findings);
}

describe('findings in the JSON document', () => {
  test('times as RFC 3339, ids as decimal strings, the subject flat like the rest of the document', () => {
    assert.deepEqual(findingDocument(finding()), {
      id: 'refused:pid=412:peer=127.0.0.1:9',
      kind: 'refused',
      severity: 'critical',
      state: 'open',
      summary: 'hammer (pid 412) is refused by 127.0.0.1:9: 25 connects answered by a reset in the last 10 s',
      nextStep: 'nothing listens on 127.0.0.1:9',
      pid: 412,
      comm: 'hammer',
      container: null,
      peerAddress: '127.0.0.1',
      peerPort: 9,
      localPort: null,
      since: '2025-01-01T03:12:04.000Z',
      lastSeen: '2025-01-01T03:12:08.500Z',
      resolvedAt: null,
      evidence: { connectionIds: ['90071992547', '12'], listenerIds: [], counters: [{ name: 'refused connects', value: 25, unit: 'connections' }], reasons: [], absorbed: [] },
    });
  });

  test('the document validates against the schema, resolved findings and containers included', () => {
    const document = documentWith([
      finding(),
      finding({ id: 'acceptQueueOverflow:pid=5:listen=0.0.0.0:80', kind: 'acceptQueueOverflow', state: 'resolved', resolvedAtMs: T + 3000, subject: { pid: 5, comm: 'nginx', container: containerIdentity({ pod: 'web', namespace: 'shop' }), peerAddress: null, peerPort: null, localPort: 80 }, evidence: { connectionIds: [], listenerIds: [7], counters: [{ name: 'accept queue', value: 129, unit: 'connections' }], reasons: [], absorbed: ['unreachable'] } }),
    ]);
    const parsed = JSON.parse(JSON.stringify(document)) as unknown;
    assert.equal(validate(parsed), true, JSON.stringify(validate.errors, null, 2));
  });

  test('the schema is strict: an unknown field, an unknown kind or a numeric id is refused', () => {
    const valid = JSON.parse(JSON.stringify(documentWith([finding()]))) as { findings: Record<string, unknown>[] };
    const broken = (change: (item: Record<string, unknown>) => void) => {
      const copy = structuredClone(valid);
      change(copy.findings[0] as Record<string, unknown>);
      return validate(copy);
    };
    assert.equal(broken((item) => (item.extra = 1)), false);
    assert.equal(broken((item) => (item.kind = 'gremlins')), false);
    assert.equal(broken((item) => ((item.evidence as { connectionIds: unknown[] }).connectionIds = [12])), false);
    assert.equal(broken((item) => (item.since = 1735700000000)), false);
  });

  test('streamed exactly as JSON.stringify writes it, findings before a save\'s view', () => {
    const document = { ...documentWith([finding()]) };
    assert.equal([...snapshotDocumentJson(document)].join(''), `${JSON.stringify(document, null, 2)}\n`);
    const saved = withFindings({ ...toSnapshotDocument(snapshot(), { host: { hostname: 'vm', kernel: '6' }, source: source(), generatedAtMs: T }), view: { filter: '', scope: null, pane: 'connections', sort: { column: 'rate', descending: true }, closedHidden: false } }, [finding()]);
    assert.deepEqual(Object.keys(saved).slice(-2), ['findings', 'view']);
  });

  test('--pid and --port keep the findings about that process and port', () => {
    const findings = [finding(), finding({ id: 'closeWaitLeak:pid=7', subject: { pid: 7, comm: 'leaky', container: null, peerAddress: null, peerPort: null, localPort: 8080 } })];
    const ids = (scope: { pid: number | null; port: number | null }) => scopeFindings(findings, { container: null, pod: null, ...scope }).map((item) => item.id);
    assert.deepEqual(ids({ pid: 412, port: null }), ['refused:pid=412:peer=127.0.0.1:9']);
    assert.deepEqual(ids({ pid: null, port: 8080 }), ['closeWaitLeak:pid=7']);
    assert.deepEqual(ids({ pid: null, port: 9 }), ['refused:pid=412:peer=127.0.0.1:9']);
    assert.deepEqual(ids({ pid: null, port: null }).length, 2);
  });
});
