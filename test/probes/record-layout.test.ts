/**
 * The decoders' offsets against the C structs as the compiler laid them out: struct tcp_event and
 * the UDP flow map's key and value from the BTF of the real BPF objects, struct tcp_sample and
 * udp_sample from BTF of their headers compiled here (they never enter a BPF object), and every
 * size against the addon's own sizeof().
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { nativeAddon } from '../../src/probes/native.js';
import { dnsAnswerLayout } from '../../src/probes/dns-answers.js';
import { bpfObjectPath, dnsAnswersObjectPath, packageRoot, udpFlowsObjectPath } from '../../src/probes/package-paths.js';
import { tcpEventLayout } from '../../src/probes/tcp-events.js';
import { tcpSampleLayout } from '../../src/probes/tcp-samples.js';
import { udpFlowCountersLayout, udpFlowKeyLayout } from '../../src/probes/udp-flows.js';
import { udpSampleLayout } from '../../src/probes/udp-samples.js';

interface BtfMember {
  name: string;
  bits_offset: number;
}
interface BtfType {
  kind: string;
  name: string;
  size?: number;
  members?: BtfMember[];
}

function structFromBtf(objectPath: string, name: string): BtfType {
  const dump = JSON.parse(execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', objectPath], { encoding: 'utf8' })) as {
    types: BtfType[];
  };
  const struct = dump.types.find((type) => type.kind === 'STRUCT' && type.name === name);
  assert.ok(struct, `struct ${name} is in ${objectPath}'s BTF`);
  return struct;
}

function assertLayoutMatches(struct: BtfType, layout: Record<string, number>): void {
  assert.equal(struct.size, layout.size, 'size');
  const fields = Object.entries(layout).filter(([field]) => field !== 'size');
  const members = new Map((struct.members ?? []).map((member) => [member.name, member.bits_offset / 8]));
  for (const [field, offset] of fields) assert.equal(members.get(field), offset, `offset of ${field}`);
  const decodedOrPadding = new Set([...fields.map(([field]) => field)]);
  const undecoded = [...members.keys()].filter((member) => !decodedOrPadding.has(member) && !member.startsWith('_pad'));
  assert.deepEqual(undecoded, [], 'every field of the struct is decoded');
}

describe('shared record layouts', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-layout-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('struct tcp_event in the BPF object matches src/probes/tcp-events.ts', () => {
    assertLayoutMatches(structFromBtf(bpfObjectPath, 'tcp_event'), tcpEventLayout);
  });

  it('struct tcp_sample as compiled matches src/probes/tcp-samples.ts', () => {
    const source = path.join(scratch, 'sample.bpf.c');
    const object = path.join(scratch, 'sample.bpf.o');
    const types = 'typedef unsigned long long __u64; typedef unsigned int __u32; typedef unsigned short __u16; typedef unsigned char __u8;';
    writeFileSync(source, `${types}\n#include "tcp_sample.h"\nstruct tcp_sample layout;\n`);
    execFileSync('clang', ['-g', '-O2', '-target', 'bpf', '-I', path.join(packageRoot, 'bpf'), '-c', source, '-o', object]);
    assertLayoutMatches(structFromBtf(object, 'tcp_sample'), tcpSampleLayout);
  });

  it('struct udp_flow_key and udp_flow_counters in the UDP packet program match src/probes/udp-flows.ts', () => {
    assertLayoutMatches(structFromBtf(udpFlowsObjectPath, 'udp_flow_key'), udpFlowKeyLayout);
    assertLayoutMatches(structFromBtf(udpFlowsObjectPath, 'udp_flow_counters'), udpFlowCountersLayout);
  });

  it('struct udp_sample as compiled matches src/probes/udp-samples.ts', () => {
    const source = path.join(scratch, 'udp-sample.bpf.c');
    const object = path.join(scratch, 'udp-sample.bpf.o');
    const types = 'typedef unsigned long long __u64; typedef unsigned int __u32; typedef unsigned short __u16; typedef unsigned char __u8;';
    writeFileSync(source, `${types}\n#include "udp_sample.h"\nstruct udp_sample layout;\n`);
    execFileSync('clang', ['-g', '-O2', '-target', 'bpf', '-I', path.join(packageRoot, 'bpf'), '-c', source, '-o', object]);
    assertLayoutMatches(structFromBtf(object, 'udp_sample'), udpSampleLayout);
  });

  it('struct dns_answer in the DNS answer object matches src/probes/dns-answers.ts', () => {
    assertLayoutMatches(structFromBtf(dnsAnswersObjectPath, 'dns_answer'), dnsAnswerLayout);
    assert.equal(nativeAddon().dnsAnswerRecordSize, dnsAnswerLayout.size);
  });

  it('the addon was compiled with the same record sizes', () => {
    assert.deepEqual(nativeAddon().recordSizes, {
      tcpEvent: tcpEventLayout.size,
      tcpSample: tcpSampleLayout.size,
      udpFlowKey: udpFlowKeyLayout.size,
      udpFlowCounters: udpFlowCountersLayout.size,
      udpSample: udpSampleLayout.size,
    });
  });
});
