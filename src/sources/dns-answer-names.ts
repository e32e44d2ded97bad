/**
 * From a DNS response a local socket received to the names of the addresses it carries: each
 * A/AAAA answer names its address with the name the application asked (the question), found by
 * following the CNAME chain back from the answer's owner. Parsed by dns-packet, never by hand;
 * a message that does not parse (cut short past the captured bytes, or malformed) names nothing.
 * dns-packet reads a record's data without checking it is all there, so a message it read past
 * its end is refused here, and every address must be one.
 */
import dnsPacket from 'dns-packet';
import { canonicalAddressText } from '../probes/ip-address.js';
import { peerNameText } from '../enrich/peer-name-text.js';
import type { PeerNameRecord } from '../model/records.js';
import type { DnsAnswerCapture } from '../probes/dns-answers.js';

/** CNAME chains longer than this are not followed (resolvers stop at about as many). */
const MAX_CNAME_HOPS = 16;

export type DnsAnswerOutcome = { records: PeerNameRecord[] } | { problem: 'malformed' | 'notAnswer' };

export function namesFromDnsAnswer(capture: DnsAnswerCapture): DnsAnswerOutcome {
  let packet: dnsPacket.Packet;
  try {
    packet = dnsPacket.decode(capture.message);
  } catch {
    return { problem: 'malformed' };
  }
  if (dnsPacket.decode.bytes > capture.message.length) return { problem: 'malformed' };
  if (packet.type !== 'response') return { problem: 'notAnswer' };
  const answers = packet.answers ?? [];
  // DNS names compare case-insensitively; the question's own spelling is the one shown.
  const aliasOf = new Map<string, string>();
  for (const answer of answers) {
    if (answer.type === 'CNAME') aliasOf.set(answer.data.toLowerCase(), answer.name);
  }
  const asked = new Map((packet.questions ?? []).map((question) => [question.name.toLowerCase(), question.name]));
  const records: PeerNameRecord[] = [];
  for (const answer of answers) {
    if (answer.type !== 'A' && answer.type !== 'AAAA') continue;
    const address = canonicalAddressText(answer.data);
    if (address === null) continue;
    const name = askedName(answer.name, aliasOf, asked);
    if (name === '') continue;
    records.push({
      kind: 'name',
      atMs: capture.atMs,
      netns: capture.netns,
      address,
      name: peerNameText(name),
      source: 'dns',
      ttlSeconds: answer.ttl ?? 0,
      cgroupId: capture.cgroupId,
    });
  }
  return { records };
}

/** The question the owner name answers, through CNAMEs; the owner itself when no question matches. */
function askedName(owner: string, aliasOf: Map<string, string>, asked: Map<string, string>): string {
  let name = owner;
  for (let hop = 0; hop < MAX_CNAME_HOPS && !asked.has(name.toLowerCase()); hop++) {
    const alias = aliasOf.get(name.toLowerCase());
    if (alias === undefined) break;
    name = alias;
  }
  return asked.get(name.toLowerCase()) ?? name;
}
