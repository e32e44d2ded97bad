/**
 * `netscope --headless --otlp` on real loopback traffic, exporting to a stand-in collector: the
 * data points carry the named client's byte count within 1%, semantic-convention attributes and
 * the resource (service, host, Kubernetes node); stopping netscope forces a last export; a
 * collector that is not there costs one line on stderr and nothing else.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { netscopeVersion } from '../../src/probes/netscope-version.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedPoint } from '../support/otlp-receiver.js';
import { runNetscope, startPeer, waitUntilCapturing, type NetscopeRun, type Peer } from '../support/processes.js';
import { freePort } from '../support/free-port.js';

const CLIENT_SENDS = 1_000_000;
const SERVER_SENDS = 300_000;
/** SYN and FIN count one byte each in the kernel's byte counters. */
const HANDSHAKE_BYTES = 2;
const NODE_NAME = 'e2e-node-1';


function nearTruth(actual: number, truth: number): boolean {
  return Math.abs(actual - truth) <= truth * 0.01 + HANDSHAKE_BYTES;
}

function pointsOf(receiver: OtlpReceiver, metric: string, process: string): ReceivedPoint[] {
  return receiver.points(metric).filter((point) => point.attributes['process.executable.name'] === process);
}

/** The latest data point of `metric` for `process` once `accept` takes it (checked every 200 ms for 20 s). */
async function pointWhen(receiver: OtlpReceiver, metric: string, process: string, accept: (value: number) => boolean): Promise<ReceivedPoint> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const latest = pointsOf(receiver, metric, process).at(-1);
    if (latest !== undefined && accept(latest.value)) return latest;
    await sleep(200);
  }
  assert.fail(`no accepted ${metric} for ${process} within 20 s; received: ${JSON.stringify(pointsOf(receiver, metric, process).map((point) => point.value))}`);
}

describe('netscope --otlp exporting real traffic', () => {
  const peers: Peer[] = [];
  let receiver: OtlpReceiver;
  let netscope: NetscopeRun;
  let exit: { code: number | null; stderr: string; signalledAtMs: number };

  before(async () => {
    receiver = await startOtlpReceiver();
    const serverPort = await freePort();
    netscope = runNetscope(['--headless', '--otlp', receiver.url, '--otlp-interval', '500', '--interval', '500'], { env: { NODE_NAME } });
    await waitUntilCapturing(netscope.child.pid!);
    const server = startPeer('server', 'ns-otlp-server', '127.0.0.1', serverPort, SERVER_SENDS);
    peers.push(server);
    await server.next('listening');
    const client = startPeer('client', 'ns-otlp-client', '127.0.0.1', serverPort, CLIENT_SENDS);
    peers.push(client);
    await client.next('closed');
    await pointWhen(receiver, 'netscope.bytes.sent', 'ns-otlp-client', (value) => nearTruth(value, CLIENT_SENDS));
    const exportsBeforeStop = receiver.exportCount();
    const signalledAtMs = Date.now();
    const result = await netscope.stop('SIGTERM');
    exit = { code: result.code, stderr: result.stderr, signalledAtMs };
    assert.ok(receiver.exportCount() > exportsBeforeStop, 'an export after the signal');
  });

  after(async () => {
    for (const peer of peers) peer.stop();
    if (netscope.child.exitCode === null) netscope.child.kill('SIGKILL');
    await receiver.close();
  });

  it('exits 0 with nothing on stderr', () => {
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(exit.stderr, '');
  });

  it("carries the client's and the server's byte counts within 1%", (t) => {
    const sent = pointsOf(receiver, 'netscope.bytes.sent', 'ns-otlp-client').at(-1);
    const received = pointsOf(receiver, 'netscope.bytes.received', 'ns-otlp-server').at(-1);
    const answered = pointsOf(receiver, 'netscope.bytes.received', 'ns-otlp-client').at(-1);
    t.diagnostic(`client sent ${sent?.value} (truth ${CLIENT_SENDS}); server received ${received?.value}; client received ${answered?.value} (truth ${SERVER_SENDS})`);
    assert.ok(sent && nearTruth(sent.value, CLIENT_SENDS), `client bytes sent ${sent?.value}`);
    assert.ok(received && nearTruth(received.value, CLIENT_SENDS), `server bytes received ${received?.value}`);
    assert.ok(answered && nearTruth(answered.value, SERVER_SENDS), `client bytes received ${answered?.value}`);
    assert.equal(sent.unit, 'By');
    assert.equal(sent.kind, 'sum');
    assert.equal(sent.isMonotonic, true);
  });

  it('names the series with semantic-convention attributes: the executable, TCP — no pid, no container on the host', () => {
    const sent = pointsOf(receiver, 'netscope.bytes.sent', 'ns-otlp-client').at(-1);
    assert.deepEqual(sent?.attributes, { 'network.transport': 'tcp', 'process.executable.name': 'ns-otlp-client' });
  });

  it('describes the resource: service, host and Kubernetes node', () => {
    const resources = new Set(receiver.points().map((point) => JSON.stringify(point.resource)));
    assert.equal(resources.size, 1, [...resources].join('\n'));
    const resource = receiver.points()[0]?.resource ?? {};
    assert.equal(resource['service.name'], 'netscope');
    assert.equal(resource['service.version'], netscopeVersion());
    assert.equal(resource['host.name'], os.hostname());
    assert.equal(resource['k8s.node.name'], NODE_NAME);
    assert.equal(resource['telemetry.sdk.language'], 'nodejs');
  });

  it("has the client's connect latency, and exports nothing failed", () => {
    const latency = pointsOf(receiver, 'netscope.connect.duration', 'ns-otlp-client').at(-1);
    assert.equal(latency?.kind, 'histogram');
    assert.equal(latency?.value, 1);
    assert.ok((latency?.sum ?? -1) >= 0 && (latency?.sum ?? 1) < 1, `connect latency ${latency?.sum} s`);
    assert.equal(receiver.points('netscope.otlp.export.failures').at(-1)?.value, 0);
  });

  it('sends a last export when stopped, with the final counts', () => {
    const last = pointsOf(receiver, 'netscope.bytes.sent', 'ns-otlp-client').filter((point) => point.receivedAtMs >= exit.signalledAtMs);
    assert.ok(last.length >= 1, 'a data point exported after SIGTERM');
    assert.ok(nearTruth(last.at(-1)!.value, CLIENT_SENDS));
  });
});

describe('netscope --otlp with no collector listening', () => {
  it('says so once on stderr, keeps capturing, and stops promptly', async () => {
    const url = `http://127.0.0.1:${await freePort()}/v1/metrics`;
    const netscope = runNetscope(['--headless', '--otlp', url, '--otlp-interval', '200', '--interval', '200']);
    try {
      await waitUntilCapturing(netscope.child.pid!);
      await sleep(1500);
      assert.equal(netscope.child.exitCode, null, 'still running');
      const stoppingAtMs = Date.now();
      const { code, stderr } = await netscope.stop('SIGTERM');
      const stopMs = Date.now() - stoppingAtMs;
      assert.equal(code, 0, stderr);
      assert.ok(stopMs < 3000, `stopping took ${stopMs} ms`);
      const lines = stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0] ?? '', /^netscope: cannot export metrics to http:\/\/127\.0\.0\.1:\d+\/v1\/metrics: connect ECONNREFUSED \S+ — still capturing, and retrying every 200 ms/);
    } finally {
      if (netscope.child.exitCode === null) netscope.child.kill('SIGKILL');
    }
  });
});
