/**
 * `netscope --json` in a namespace of the test's own: clients that closed first show as
 * TIME_WAIT rows, as `ss -tan` lists them, and the document's gauges — valid against the
 * schema — count TIME_WAIT and CLOSE_WAIT for that namespace the same.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { packageRoot } from '../../src/probes/package-paths.js';
import { startNamespacePile, type NamespacePile } from '../support/namespace-pile.js';
import { runNetscope, waitUntilCapturing } from '../support/processes.js';

const SERVER_PORT = 5000;

describe('netscope --json and TIME_WAIT', () => {
  let pile: NamespacePile;
  let document: SnapshotDocument;

  before(async () => {
    pile = await startNamespacePile(`nst-gauges-${process.pid}-j`, SERVER_PORT);
    await pile.run('open 12');
    await pile.run('timewait 3');
    const netscope = runNetscope(['--json', '--duration', '3', '--interval', '500']);
    await waitUntilCapturing(netscope.child.pid!);
    await pile.run('timewait 4');
    await pile.run('closewait 2');
    const { code, stdout, stderr } = await netscope.done;
    assert.equal(code, 0, stderr);
    document = JSON.parse(stdout) as SnapshotDocument;
  });

  after(() => pile.remove());

  it('is valid against the schema, gauges included', () => {
    const schema = JSON.parse(readFileSync(path.join(packageRoot, 'schema/snapshot.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    assert.ok(validate(document), JSON.stringify(validate.errors?.slice(0, 3)));
  });

  it('shows the clients that closed first as TIME_WAIT, as ss -tan does', () => {
    const rows = document.connections.filter((row) => row.netns === String(pile.netns) && row.dport === SERVER_PORT);
    const timeWait = rows.filter((row) => row.state === 'TIME_WAIT');
    assert.equal(timeWait.length, pile.ssCount('time-wait'));
    assert.equal(timeWait.length, 7);
    assert.equal(timeWait.filter((row) => row.pid === pile.pid).length, 4, 'those that closed during the capture keep their owner');
  });

  it('counts TIME_WAIT and CLOSE_WAIT for the namespace in the gauges', () => {
    const namespace = document.gauges.namespaces.find((entry) => entry.netns === String(pile.netns));
    assert.equal(namespace?.timeWait, pile.ssCount('time-wait'));
    assert.equal(namespace?.closeWait, pile.ssCount('close-wait'));
    assert.equal(namespace?.closeWait, 2);
  });
});
