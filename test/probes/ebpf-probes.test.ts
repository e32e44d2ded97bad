/** Loading, attaching, degrading and losing events on the real kernel. */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { checkProbePrerequisites, loadProbes, probeDefinitions } from '../../src/probes/ebpf-probes.js';
import { ProbeError } from '../../src/probes/probe-error.js';
import { kernelDropReasons } from '../../src/probes/reason-names.js';
import { TcpEventKind, tcpEventLayout } from '../../src/probes/tcp-events.js';
import { ExitCode } from '../../src/errors.js';
import { nativeAddon } from '../../src/probes/native.js';
import { bpfProgramsOf, programsLeftAfter } from '../support/processes.js';

const MIN_RING_BUFFER = 4096;
/** The kernel's header before each record in the ring (BPF_RINGBUF_HDR_SZ). */
const RING_RECORD_HEADER = 8;
const CONNECTIONS_THROUGH_THE_RING = 100;
const TCP_ESTABLISHED = 1;

async function churnConnections(count: number): Promise<void> {
  const server = net.createServer((socket) => socket.end()).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as net.AddressInfo;
  for (let index = 0; index < count; index++) {
    await new Promise<void>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end());
      socket.on('close', () => resolve());
      socket.on('data', () => undefined);
    });
  }
  await new Promise((resolve) => server.close(resolve));
}

/** One connection to `port`, closed by both ends; returns its client port. */
async function connectAndClose(port: number): Promise<number> {
  return new Promise<number>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end());
    let clientPort = 0;
    socket.once('connect', () => (clientPort = socket.localPort!));
    socket.on('data', () => undefined);
    socket.on('close', () => resolve(clientPort));
  });
}

/** A server that closes each socket without reading it (paused on connect), and one client that writes then waits for the reset. */
async function closeWithDataUnread(): Promise<number> {
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    socket.on('error', () => undefined);
    setTimeout(() => socket.destroy(), 300);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(Buffer.alloc(65536, 1), () => socket.end()));
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.on('close', () => resolve());
  });
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('eBPF probes on this kernel', () => {
  it('attaches every probe with tp_btf and releases every program on close', async () => {
    const { object, statuses } = loadProbes({ ringBufferBytes: 1 << 20 });
    try {
      assert.deepEqual(
        statuses.map((status) => status.status),
        probeDefinitions.map(() => 'attached'),
      );
      assert.equal(bpfProgramsOf(process.pid).length, probeDefinitions.length);
    } finally {
      object.close();
    }
    assert.deepEqual(bpfProgramsOf(process.pid), []);
    assert.deepEqual(await programsLeftAfter(), []);
  });

  it('marks a tracepoint the kernel lacks unsupported and runs the rest', () => {
    const definitions = probeDefinitions.map((definition) =>
      definition.name === 'kfree_skb' ? { ...definition, tracepoint: 'netscope_no_such_tracepoint' } : definition,
    );
    const { object, statuses } = loadProbes({ ringBufferBytes: 1 << 20, definitions });
    try {
      const dropProbe = statuses.find((status) => status.name === 'kfree_skb');
      assert.equal(dropProbe?.status, 'unsupported');
      assert.match(dropProbe?.reason ?? '', /no tracepoint skb:netscope_no_such_tracepoint/);
      assert.equal(statuses.filter((status) => status.status === 'attached').length, probeDefinitions.length - 1);
    } finally {
      object.close();
    }
  });

  it('counts events the kernel could not queue when user space falls behind', async () => {
    const { object } = loadProbes({ ringBufferBytes: MIN_RING_BUFFER });
    try {
      assert.equal(object.lostEvents(), 0);
      await churnConnections(60);
      assert.ok(object.lostEvents() > 0, 'a full ring buffer shows up as lost events');
      const queued = object.drain(Buffer.alloc(MIN_RING_BUFFER * 2));
      assert.ok(queued > 0 && queued < 60 * 6, `drained ${queued} of the events that fit`);
    } finally {
      object.close();
    }
  });

  it('reads records that wrap past the end of the ring whole, and leaves one that does not fit for the next drain', async () => {
    const { object } = loadProbes({ ringBufferBytes: MIN_RING_BUFFER });
    const server = net.createServer((socket) => socket.end()).listen(0, '127.0.0.1');
    try {
      await new Promise((resolve) => server.once('listening', resolve));
      const { port } = server.address() as net.AddressInfo;
      const room = Buffer.alloc(tcpEventLayout.size);
      const records: Buffer[] = [];
      const clientPorts: number[] = [];
      for (let index = 0; index < CONNECTIONS_THROUGH_THE_RING; index++) {
        clientPorts.push(await connectAndClose(port));
        // Room for one record a call: each call leaves the rest of the ring for the next.
        while (object.drain(room) === 1) records.push(Buffer.from(room));
      }
      assert.equal(object.lostEvents(), 0, 'one connection\'s records fit the ring between drains');
      const bytesThrough = records.length * (tcpEventLayout.size + RING_RECORD_HEADER);
      assert.ok(bytesThrough > 10 * MIN_RING_BUFFER, `${bytesThrough} bytes went through a ${MIN_RING_BUFFER}-byte ring`);
      // 136-byte records do not divide the ring: many straddled its end, and a piece copied from the wrong place shows.
      for (const record of records) {
        assert.ok((Object.values(TcpEventKind) as number[]).includes(record.readUInt8(tcpEventLayout.kind)), `kind ${record.readUInt8(tcpEventLayout.kind)}`);
        assert.ok([2, 10].includes(record.readUInt8(tcpEventLayout.family)), `family ${record.readUInt8(tcpEventLayout.family)}`);
      }
      const established = (sport: number, dport: number) =>
        records.some((record) => record.readUInt16LE(tcpEventLayout.sport) === sport && record.readUInt16LE(tcpEventLayout.dport) === dport && record.readUInt8(tcpEventLayout.new_state) === TCP_ESTABLISHED);
      for (const clientPort of clientPorts) {
        assert.ok(established(clientPort, port), `the client end of ${clientPort} → ${port} became ESTABLISHED`);
        assert.ok(established(port, clientPort), `the server end of ${clientPort} → ${port} became ESTABLISHED`);
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
      object.close();
    }
  });

  it('a drop after the socket lookup names the receiving socket (rx_sk) where skb->sk is still empty', async () => {
    const { object } = loadProbes({ ringBufferBytes: 1 << 20 });
    const buffer = Buffer.alloc(1 << 20);
    try {
      const port = await closeWithDataUnread();
      const count = object.drain(buffer);
      const reasonName = kernelDropReasons();
      const L = tcpEventLayout;
      const drops: { reason: string; cookie: bigint }[] = [];
      for (let index = 0; index < count; index++) {
        const base = index * L.size;
        if (buffer.readUInt8(base + L.kind) !== TcpEventKind.DROP || buffer.readUInt16LE(base + L.dport) !== port) continue;
        drops.push({ reason: reasonName(buffer.readUInt32LE(base + L.reason)), cookie: buffer.readBigUInt64LE(base + L.sock_cookie) });
      }
      assert.ok(drops.length >= 1, 'the kernel reported a drop on the closed socket');
      for (const drop of drops) assert.notEqual(drop.cookie, 0n, `${drop.reason} carries the receiving socket's cookie`);
    } finally {
      object.close();
    }
  });

  it('refuses to start without BTF (exit 69) or without CAP_BPF/CAP_PERFMON (exit 77)', () => {
    assert.throws(
      () => checkProbePrerequisites('/nonexistent/vmlinux'),
      (error: unknown) => error instanceof ProbeError && error.exitCode === ExitCode.unavailable && /no BTF/.test(error.line),
    );
    assert.throws(
      () => checkProbePrerequisites(undefined, 'CapEff:\t0000000000000000\n'),
      (error: unknown) =>
        error instanceof ProbeError && error.exitCode === ExitCode.noPermission && /CAP_BPF and CAP_PERFMON/.test(error.line) && /sudo/.test(error.line),
    );
  });

  it("answers from the kernel's BTF again after loading the probes released it", () => {
    const dropReasons = nativeAddon().btfEnumValues('skb_drop_reason');
    assert.ok(dropReasons.some(({ name }) => name === 'SKB_DROP_REASON_NO_SOCKET'), 'the drop reasons were read');
    const loaded = loadProbes({ ringBufferBytes: MIN_RING_BUFFER });
    loaded.object.close();
    assert.deepEqual(nativeAddon().btfEnumValues('skb_drop_reason'), dropReasons);
    assert.equal(kernelDropReasons()(dropReasons[0]!.value), dropReasons[0]!.name.replace('SKB_DROP_REASON_', ''));
    nativeAddon().releaseVmlinuxBtf();
    nativeAddon().releaseVmlinuxBtf();
    assert.equal(nativeAddon().btfHasType('btf_trace_inet_sock_set_state', 'typedef'), true);
    assert.equal(nativeAddon().btfHasType('netscope_no_such_type', 'typedef'), false);
  });
});
