/**
 * "Since when?" on the real kernel: a flow losing packets to a real nftables rule and a refused
 * connect, captured by `netscope --json`. Each connection's problem spans must fall inside the
 * capture and inside the connection's life, in the schema.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { packageRoot } from '../../src/probes/package-paths.js';
import { runNetscope, startPeer, waitUntilCapturing, type Peer } from '../support/processes.js';
import { freePort } from '../support/free-port.js';

const NFT_TABLE = 'netscope_test_liveview';
const LOSSY_SENDS = 300_000;

describe('netscope --json: since when each connection has had problems', () => {
  const peers: Peer[] = [];
  let document: SnapshotDocument;
  let ports: { lossy: number; closed: number };
  let capture: { startMs: number; endMs: number };

  before(async () => {
    ports = { lossy: await freePort(), closed: await freePort() };
    // Every fifth data-carrying packet to the lossy port is dropped on arrival: the sender retransmits.
    execFileSync('nft', ['-f', '-'], {
      input: `table inet ${NFT_TABLE} {
        chain input { type filter hook input priority 0; tcp dport ${ports.lossy} meta length > 200 numgen inc mod 5 == 1 drop; }
      }`,
    });
    const server = startPeer('server', 'since-srv', '127.0.0.1', ports.lossy, 0);
    peers.push(server);
    await server.next('listening');
    const startMs = Date.now();
    const netscope = runNetscope(['--json', '--duration', '5', '--interval', '500']);
    await waitUntilCapturing(netscope.child.pid!);
    const lossy = startPeer('client', 'since-lossy', '127.0.0.1', ports.lossy, LOSSY_SENDS);
    const refused = startPeer('client', 'since-refused', '127.0.0.1', ports.closed, 10);
    peers.push(lossy, refused);
    await Promise.all([lossy.next('closed', 20_000), refused.next('error')]);
    const result = await netscope.done;
    capture = { startMs, endMs: Date.now() };
    assert.equal(result.code, 0, result.stderr);
    document = JSON.parse(result.stdout) as SnapshotDocument;
  });

  after(() => {
    for (const peer of peers) peer.stop();
    execFileSync('nft', ['delete', 'table', 'inet', NFT_TABLE], { stdio: 'ignore' });
  });

  /** `span` is a real first ≤ last inside the capture and inside the connection's life. */
  function assertSpanWithin(span: { first: string; last: string } | null, connection: SnapshotDocument['connections'][number], what: string): void {
    assert.ok(span !== null, `${what}: a span`);
    const first = Date.parse(span.first);
    const last = Date.parse(span.last);
    assert.ok(first <= last, `${what}: first ${span.first} after last ${span.last}`);
    assert.ok(first >= capture.startMs && last <= capture.endMs, `${what}: ${span.first}–${span.last} outside the capture`);
    assert.ok(first >= Date.parse(connection.openedAt), `${what}: before the connection opened`);
    if (connection.closedAt !== null) assert.ok(last <= Date.parse(connection.closedAt) + 1000, `${what}: long after it closed`);
  }

  it('the document, problems included, matches the schema', () => {
    const schema = JSON.parse(readFileSync(path.join(packageRoot, 'schema/snapshot.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    assert.ok(validate(document), JSON.stringify(validate.errors, null, 2));
  });

  it('the lossy sender has a retransmit span, its receiver a drop span', () => {
    const sender = document.connections.find((entry) => entry.comm === 'since-lossy' && entry.dport === ports.lossy);
    assert.ok(sender !== undefined, 'the lossy client');
    assert.ok(sender.retransmits > 0);
    assertSpanWithin(sender.problems.retransmits, sender, 'sender retransmits');
    const receiver = document.connections.find((entry) => entry.sport === ports.lossy && entry.problems.drops !== null);
    assert.ok(receiver !== undefined, `a connection on the lossy port with a drop span: ${JSON.stringify(document.connections.filter((entry) => entry.sport === ports.lossy || entry.dport === ports.lossy).map((entry) => [entry.comm, entry.sport, entry.dport, entry.drops, entry.problems]))}`);
    assert.ok(receiver.drops.some((drop) => drop.reason === 'NETFILTER_DROP'));
    assertSpanWithin(receiver.problems.drops, receiver, 'receiver drops');
  });

  it('the refused connect has a reset span and nothing else', () => {
    const refused = document.connections.find((entry) => entry.comm === 'since-refused' && entry.dport === ports.closed);
    assert.ok(refused !== undefined, 'the refused client');
    assertSpanWithin(refused.problems.resets, refused, 'refused resets');
    assert.equal(refused.problems.drops, null);
  });
});
