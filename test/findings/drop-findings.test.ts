import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DropCount } from '../../src/model/snapshot-types.js';
import { connection } from '../ui/view-model/snapshot-builder.js';
import { only, run, T0 } from './findings-series.js';

function drops(count: number, reason = 'NETFILTER_DROP', dropClass: DropCount['class'] = 'matters'): DropCount[] {
  return count === 0 ? [] : [{ reason, class: dropClass, count }];
}

describe('drop findings', () => {
  test('drops that matter: a warning from 10 in the window, with the reason, per process and peer', () => {
    const results = run(4, (tick) => ({ connections: [connection({ id: 1, daddr: '10.0.3.7', drops: drops(5 * tick) })] }));
    assert.equal(only(results[1] ?? [], 'drops'), undefined);
    const finding = only(results[2] ?? [], 'drops');
    assert.equal(finding?.id, 'drops:pid=1234:peer=10.0.3.7');
    assert.equal(finding?.severity, 'warning');
    assert.deepEqual(finding?.evidence.reasons, ['NETFILTER_DROP']);
    assert.match(finding?.summary ?? '', /^the kernel dropped 10 packets of curl \(pid 1234\) with 10\.0\.3\.7 .*\(NETFILTER_DROP\)/);
    assert.match(finding?.nextStep ?? '', /firewall rule/);
  });

  test('100 are critical', () => {
    const results = run(2, (tick) => ({ connections: [connection({ id: 1, drops: drops(100 * tick, 'SOCKET_RCVBUFF') })] }));
    assert.equal(only(results[1] ?? [], 'drops')?.severity, 'critical');
    assert.match(only(results[1] ?? [], 'drops')?.nextStep ?? '', /does not read fast enough/);
  });

  test("TCP's housekeeping and stray segments are no finding", () => {
    const results = run(5, (tick) => ({
      connections: [connection({ id: 1, drops: [...drops(1000 * tick, 'TCP_OLD_DATA', 'stray'), ...drops(1000 * tick, 'SOCKET_CLOSE', 'housekeeping')] })],
    }));
    assert.deepEqual(results.flat(), []);
  });

  test('one cause, one finding: firewall drops on a flow take in its loss', () => {
    const results = run(5, (tick) => ({
      connections: [connection({ id: 1, daddr: '10.0.3.7', dport: 5432, segmentsSent: 1000 * (tick + 1), retransmits: 200 * (tick + 1), drops: drops(200 * (tick + 1)) })],
    }));
    const findings = results[4] ?? [];
    assert.equal(only(findings, 'loss'), undefined);
    const finding = only(findings, 'drops');
    assert.deepEqual(finding?.evidence.absorbed, ['loss']);
    assert.ok(finding?.evidence.counters.some((counter) => counter.name === 'retransmitted share' && counter.value === 20));
    assert.equal(finding?.severity, 'critical');
  });

  test('loss without drops on this host stays a loss finding', () => {
    const results = run(5, (tick) => ({
      connections: [connection({ id: 1, daddr: '10.0.3.7', segmentsSent: 1000 * (tick + 1), retransmits: 200 * (tick + 1) }), connection({ id: 2, daddr: '10.0.4.4', drops: drops(50 * tick) })],
    }));
    assert.deepEqual(
      (results[4] ?? []).map((finding) => [finding.id, finding.evidence.absorbed]),
      [
        ['loss:pid=1234:peer=10.0.3.7', []],
        ['drops:pid=1234:peer=10.0.4.4', []],
      ],
    );
    assert.equal(T0 > 0, true);
  });
});
