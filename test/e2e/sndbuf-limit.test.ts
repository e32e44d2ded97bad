/**
 * `netscope --json` on senders across a 40 ms link between two namespaces of the test's own
 * (test/support/delay-link.ts), side by side: one with a 4 KiB SO_SNDBUF, held back by it, and one
 * with 4 MiB, held back by the link. Only the first one's row may say `sndbuf`.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { SLOW_LINK, startDelayLink, type DelayLink } from '../support/delay-link.js';
import { startLinkSender, type LinkSender } from '../support/link-sender.js';
import { runNetscope } from '../support/processes.js';

const CAPTURE_SECONDS = 5;

type ConnectionEntry = SnapshotDocument['connections'][number];

function rowOf(document: SnapshotDocument, sender: LinkSender): ConnectionEntry {
  const row = document.connections.find((connection) => connection.sport === sender.clientPort && connection.dport === sender.serverPort);
  assert.ok(row !== undefined, `the sender on port ${sender.clientPort} is in the document (${document.connections.length} connections)`);
  return row;
}

describe('netscope --json on senders with a tiny and a large send buffer', () => {
  let link: DelayLink | null = null;
  const senders: LinkSender[] = [];

  after(async () => {
    for (const sender of senders) await sender.stop();
    await link?.remove();
  });

  test('the tiny buffer is the limit of its sender, the large one is not', async () => {
    link = await startDelayLink(`nst-sndbuf-${process.pid}-j`, SLOW_LINK);
    const tiny = await startLinkSender(link, 4096);
    senders.push(tiny);
    const large = await startLinkSender(link, 4 << 20);
    senders.push(large);
    const result = await runNetscope(['--json', '--duration', String(CAPTURE_SECONDS), '--interval', '1000']).done;
    assert.equal(result.code, 0, `netscope exited ${result.code}: ${result.stderr}`);
    const document = JSON.parse(result.stdout) as SnapshotDocument;

    const tinyLimit = rowOf(document, tiny).limit;
    assert.equal(tinyLimit?.verdict, 'sndbuf', JSON.stringify(tinyLimit));
    const sndbufSeconds = tinyLimit.limitedSeconds.sndbuf ?? 0;
    assert.ok(sndbufSeconds >= CAPTURE_SECONDS / 2, `most of the capture under sndbuf (${JSON.stringify(tinyLimit.limitedSeconds)})`);

    const largeLimit = rowOf(document, large).limit;
    assert.ok(largeLimit !== null, 'the large sender was judged');
    assert.notEqual(largeLimit.verdict, 'sndbuf', JSON.stringify(largeLimit));
    assert.equal(largeLimit.limitedSeconds.sndbuf, undefined, `never under sndbuf (${JSON.stringify(largeLimit.limitedSeconds)})`);
  });
});
