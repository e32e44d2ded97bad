import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
// The named export: with NodeNext, the default import is the CommonJS module object.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { partialViewOf, triageDocument, triageExitCode } from '../../src/app/triage.js';
import { ExitCode } from '../../src/errors.js';
import { worstFirst } from '../../src/export/triage-report.js';
import { toSnapshotDocument } from '../../src/model/snapshot-document.js';
import { buildFinding, T0 } from '../export/finding-builders.js';
import { snapshot, source } from '../ui/view-model/snapshot-builder.js';

const schema = (name: string) => JSON.parse(readFileSync(new URL(`../../../schema/${name}`, import.meta.url), 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true });
ajv.addSchema(schema('snapshot.schema.json'), 'snapshot.schema.json');
const validate = ajv.compile(schema('triage.schema.json'));

const document = toSnapshotDocument(snapshot(), { host: { hostname: 'vm', kernel: '6.8.0' }, source: source(), generatedAtMs: T0 + 5000 });
const warning = buildFinding({ id: 'refused:pid=412:peer=127.0.0.1:9' });
const critical = buildFinding({ id: 'acceptQueueOverflow:pid=7:port=80', kind: 'acceptQueueOverflow', severity: 'critical', subject: { pid: 7, comm: 'nginx', container: null, peerAddress: null, peerPort: null, localPort: 80 } });
const info = buildFinding({ id: 'slowHandshake:pid=5', kind: 'slowHandshake', severity: 'info' });

describe('triage exit codes', () => {
  it('0 with nothing open or information only, 10 with warnings at worst, 11 with a critical finding', () => {
    assert.equal(triageExitCode([]), ExitCode.ok);
    assert.equal(triageExitCode([info]), ExitCode.ok);
    assert.equal(triageExitCode([info, warning]), 10);
    assert.equal(triageExitCode([warning, critical]), 11);
    assert.equal(triageExitCode([{ ...critical, state: 'resolved', resolvedAtMs: T0 + 1 }]), ExitCode.ok, 'a resolved critical finding is over');
  });
});

describe('what triage could not see', () => {
  it('nothing with every probe attached; without eBPF, or the probes that are off', () => {
    const attached = { name: 'tcp_state', status: 'attached', reason: null } as const;
    assert.equal(partialViewOf([attached, { ...attached, name: 'kfree_skb' }]), null);
    assert.equal(partialViewOf([{ ...attached, status: 'off', reason: 'eBPF off: missing CAP_BPF' }, { ...attached, name: 'kfree_skb', status: 'off', reason: 'eBPF off: missing CAP_BPF' }]), 'without eBPF: no retransmit, reset or drop events');
    assert.equal(partialViewOf([attached, { name: 'kfree_skb', status: 'unsupported', reason: 'no such tracepoint' }]), 'probes off: kfree_skb (unsupported)');
  });
});

describe('triage --json', () => {
  it('the header, the verdict with its exit code, and the findings as the snapshot document writes them, valid against its schema', () => {
    const triage = triageDocument(document, worstFirst([warning, critical]));
    assert.ok(validate(triage), JSON.stringify(validate.errors));
    assert.deepEqual([triage.schemaVersion, triage.generatedAt, triage.verdict, triage.exitCode], [2, new Date(T0 + 5000).toISOString(), 'critical', 11]);
    assert.deepEqual(triage.findings.map((finding) => [finding.id, finding.since, finding.localPort]), [
      [critical.id, new Date(T0).toISOString(), 80],
      [warning.id, new Date(T0).toISOString(), null],
    ]);
  });

  it('nothing open is valid too, and its verdict says so', () => {
    const triage = triageDocument(document, []);
    assert.ok(validate(triage), JSON.stringify(validate.errors));
    assert.deepEqual([triage.verdict, triage.exitCode, triage.findings], ['nothingOpen', 0, []]);
  });

  it('the schema holds the verdict to its exit code values', () => {
    assert.equal(validate({ ...triageDocument(document, []), exitCode: 1 }), false);
    assert.equal(validate({ ...triageDocument(document, []), verdict: 'fine' }), false);
  });
});
