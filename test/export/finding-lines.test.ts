import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Finding } from '../../src/findings/finding.js';
import { eventSelection } from '../../src/export/event-selection.js';
import { findingChanges } from '../../src/export/finding-lines.js';
import { FindingStream } from '../../src/export/finding-stream.js';
import { snapshot } from '../ui/view-model/snapshot-builder.js';

const T = Date.UTC(2025, 0, 1);

function finding(fields: Partial<Finding> = {}): Finding {
  return {
    id: 'refused:pid=412:peer=127.0.0.1:9',
    kind: 'refused',
    severity: 'warning',
    state: 'open',
    summary: 'hammer (pid 412) is refused by 127.0.0.1:9',
    nextStep: 'nothing listens on 127.0.0.1:9',
    subject: { pid: 412, comm: 'hammer', container: null, peerAddress: '127.0.0.1', peerPort: 9, localPort: null },
    sinceMs: T,
    lastSeenMs: T,
    resolvedAtMs: null,
    evidence: { connectionIds: [1], listenerIds: [], counters: [], reasons: [], absorbed: [] },
    ...fields,
  };
}

const changesOf = (previous: Finding[], current: Finding[]) =>
  findingChanges(previous, current, T + 1000).map((line) => [line.change, line.id, line.severity, line.previousSeverity]);

describe('finding lines', () => {
  test('a line when a finding opens, when its severity changes either way, and when it resolves — none while it stays', () => {
    const opened = finding();
    const critical = finding({ severity: 'critical' });
    const resolved = finding({ severity: 'critical', state: 'resolved', resolvedAtMs: T + 1000 });
    assert.deepEqual(changesOf([], [opened]), [['opened', opened.id, 'warning', null]]);
    assert.deepEqual(changesOf([opened], [{ ...opened, lastSeenMs: T + 900, summary: 'changed words' }]), []);
    assert.deepEqual(changesOf([opened], [critical]), [['severity', opened.id, 'critical', 'warning']]);
    assert.deepEqual(changesOf([critical], [opened]), [['severity', opened.id, 'warning', 'critical']]);
    assert.deepEqual(changesOf([critical], [resolved]), [['resolved', opened.id, 'critical', null]]);
    // Resolved findings listed again, or gone from the list: nothing new to say.
    assert.deepEqual(changesOf([resolved], [resolved]), []);
    assert.deepEqual(changesOf([resolved], []), []);
    // It came back.
    assert.deepEqual(changesOf([resolved], [opened]), [['opened', opened.id, 'warning', null]]);
  });

  test('a line is the document finding, typed and timed', () => {
    const [line] = findingChanges([], [finding()], T + 1000);
    assert.equal(line?.type, 'finding');
    assert.equal(line?.time, '2025-01-01T00:00:01.000Z');
    assert.equal(line?.since, '2025-01-01T00:00:00.000Z');
    assert.deepEqual(line?.evidence.connectionIds, ['1']);
  });

  test('the stream writes the changes of each tick, selected like the kernel events', () => {
    const written: string[] = [];
    let current: Finding[] = [];
    const stream = new FindingStream(() => current, eventSelection({ pid: null, port: 9, container: null, pod: null, filter: 'refused' }), { writeLines: (lines) => void written.push(...lines), finish: async () => {} });
    current = [finding(), finding({ id: 'closeWaitLeak:pid=7', kind: 'closeWaitLeak', subject: { pid: 7, comm: 'leaky', container: null, peerAddress: null, peerPort: null, localPort: 8080 } })];
    stream.tick(snapshot({ atMs: T }));
    stream.tick(snapshot({ atMs: T + 1000 }));
    assert.equal(written.length, 1);
    const line = JSON.parse(written[0] ?? '') as { type: string; change: string; id: string };
    assert.deepEqual([line.type, line.change, line.id], ['finding', 'opened', 'refused:pid=412:peer=127.0.0.1:9']);
  });
});
