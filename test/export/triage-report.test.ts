import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { shortDuration, triageReportText, triageVerdict, worstFirst, type TriageContext } from '../../src/export/triage-report.js';
import { buildFinding, T0 } from './finding-builders.js';

const context: TriageContext = { endedAtMs: T0 + 5000, durationMs: 5000, connections: 42, processes: 7, note: null, partialView: null, color: false };

const critical = buildFinding({
  id: 'acceptQueueOverflow:pid=7:port=8080',
  kind: 'acceptQueueOverflow',
  severity: 'critical',
  summary: 'nginx (pid 7) is not accepting fast enough: its accept queue on :8080 is full',
  nextStep: 'nginx is not accepting fast enough: look at its workers',
  sinceMs: T0 + 2000,
  evidence: {
    connectionIds: [],
    listenerIds: [99],
    counters: [
      { name: 'queued', value: 129, unit: 'connections' },
      { name: 'limit', value: 128, unit: null },
      { name: 'share dropped', value: 12.345, unit: '%' },
      { name: 'oldest waiting', value: 10_366, unit: 'ms' },
      { name: 'slowest', value: 250, unit: 'ms' },
    ],
    reasons: ['TCP_LISTEN_OVERFLOW'],
    absorbed: ['unreachable'],
  },
});
const warning = buildFinding({ id: 'refused:pid=412:peer=127.0.0.1:9', sinceMs: T0 });
const info = buildFinding({ id: 'slowHandshake:pid=5', kind: 'slowHandshake', severity: 'info', summary: 'slow handshakes' });
const resolvedCritical = buildFinding({ id: 'loss:pid=3', kind: 'loss', severity: 'critical', state: 'resolved', resolvedAtMs: T0 + 3000 });

describe('triage verdict', () => {
  it('nothing open, or information only, is nothing wrong', () => {
    assert.equal(triageVerdict([]), 'nothingOpen');
    assert.equal(triageVerdict([info]), 'nothingOpen');
    assert.equal(triageVerdict([resolvedCritical]), 'nothingOpen');
  });

  it('warnings at worst, then a critical finding, by what is open', () => {
    assert.equal(triageVerdict([info, warning]), 'warnings');
    assert.equal(triageVerdict([warning, resolvedCritical]), 'warnings');
    assert.equal(triageVerdict([warning, critical]), 'critical');
  });
});

describe('worst first', () => {
  it('open before resolved, then by severity, then the oldest, then by id', () => {
    const olderWarning = buildFinding({ id: 'refused:b', sinceMs: T0 - 1000 });
    const twinWarning = buildFinding({ id: 'refused:a', sinceMs: T0 - 1000 });
    const ordered = worstFirst([info, resolvedCritical, warning, olderWarning, critical, twinWarning]).map((finding) => finding.id);
    assert.deepEqual(ordered, [critical.id, twinWarning.id, olderWarning.id, warning.id, info.id, resolvedCritical.id]);
  });
});

describe('triage report', () => {
  it('says nothing is wrong, over what it watched, when nothing is open', () => {
    assert.equal(triageReportText([], context), 'netscope triage: nothing is wrong — no warning or critical finding in 5 s over 42 connections of 7 processes\n');
    assert.match(triageReportText([info], { ...context, note: 'replay of a.ndjson' }), /^netscope triage: nothing is wrong .* \(replay of a\.ndjson\), 1 note for information\n/);
  });

  it('in a partial view, nothing found is not "nothing is wrong"', () => {
    const partial = { ...context, partialView: 'without eBPF: no retransmit, reset or drop events' };
    assert.equal(
      triageReportText([], partial),
      'netscope triage: no warning or critical finding in 5 s over 42 connections of 7 processes — a partial view (without eBPF: no retransmit, reset or drop events): run it as root to rule the rest out\n',
    );
    assert.match(triageReportText([warning], partial), /^netscope triage: 1 finding open \(1 warning\) in 5 s .* — a partial view \(without eBPF/);
  });

  it('lists the findings worst first, each with since, evidence and the next step', () => {
    const text = triageReportText([warning, critical], context);
    assert.equal(
      text,
      [
        'netscope triage: 2 findings open (1 critical, 1 warning) in 5 s over 42 connections of 7 processes',
        '',
        '1.  CRITICAL nginx (pid 7) is not accepting fast enough: its accept queue on :8080 is full',
        '    since 09:00:02Z (for 3 s), last seen 09:00:04Z',
        '    evidence: queued 129 connections · limit 128 · share dropped 12.3% · oldest waiting 10 s · slowest 250 ms · kernel reasons TCP_LISTEN_OVERFLOW · 1 socket',
        '    also explains: unanswered SYNs',
        '    next: nginx is not accepting fast enough: look at its workers',
        '',
        '2.  WARNING  client (pid 412) is refused by 127.0.0.1:9: nothing listens there',
        '    since 09:00:00Z (for 5 s), last seen 09:00:04Z',
        '    evidence: refused 12 connections · 2 sockets',
        '    next: check that the service on 127.0.0.1:9 is running, or the port the client dials',
        '',
      ].join('\n'),
    );
  });

  it('a resolved finding says when it resolved, after the open ones', () => {
    const text = triageReportText([resolvedCritical, warning], context);
    assert.match(text, /1 finding open \(1 warning\)/);
    assert.match(text, /2\.  CRITICAL .*\n    resolved at 09:00:03Z, after 3 s since 09:00:00Z\n/);
  });

  it('colour only when asked, and only on the severity word', () => {
    assert.doesNotMatch(triageReportText([critical, warning], context), /\u001b/);
    const coloured = triageReportText([critical, warning], { ...context, color: true });
    assert.match(coloured, /\u001b\[1;31mCRITICAL {0,}\u001b\[0m nginx/);
    assert.match(coloured, /\u001b\[33mWARNING {0,}\u001b\[0m client/);
  });

  it('text a process or a recording controls never reaches the terminal raw', () => {
    const hostile = buildFinding({
      id: 'refused:hostile',
      summary: 'evil\u001b[2J\u001b]0;pwned\u0007 (pid 6) is refused\u202e',
      nextStep: 'check \u009b31m',
      evidence: { connectionIds: [], listenerIds: [], counters: [{ name: 'x\u001by', value: 1, unit: '\u0007' }], reasons: ['R\u001b'], absorbed: [] },
    });
    const text = triageReportText([hostile], context);
    assert.doesNotMatch(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    assert.match(text, /evil\\x1b\[2J\\x1b\]0;pwned\\x07 \(pid 6\) is refused\\u202e/);
    assert.match(text, /next: check \\x9b31m/);
  });
});

describe('short durations', () => {
  it('seconds, then minutes and seconds, then hours and minutes', () => {
    assert.equal(shortDuration(-5), '0 s');
    assert.equal(shortDuration(59_400), '59 s');
    assert.equal(shortDuration(185_000), '3m05s');
    assert.equal(shortDuration(7_440_000), '2h04m');
  });
});
