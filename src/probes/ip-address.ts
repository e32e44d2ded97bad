/**
 * Addresses as the kernel stores them (16 bytes; IPv4 in the first four) to canonical text:
 * dotted quad, or RFC 5952 IPv6 (lower case, longest zero run compressed, `::ffff:1.2.3.4`).
 *
 * Each distinct address is one string, shared by every record and connection that holds it: a
 * host with 40,000 loopback sockets has a handful of addresses, but each sampling pass decoded
 * two new strings per socket, and the table kept one pair per connection.
 */

import { isIPv4, isIPv6 } from 'node:net';

const AF_INET = 2;

/**
 * Distinct addresses remembered (either family). Past it the memory starts over: a host
 * talking to more peers than this only loses the sharing, never an address's text.
 */
export const MAX_INTERNED_ADDRESSES = 65_536;

/** IPv4 text by the address's four bytes as one number (no text is built to look it up). */
const ipv4Texts = new Map<number, string>();
/** IPv6 text by itself: formatting it is the lookup, and the copy kept is the first one made. */
const ipv6Texts = new Map<string, string>();

const IPV4_MAPPED_PREFIX = '::ffff:';

/**
 * An address that arrived as text (a DNS answer, a hosts file) in the form a peer-name lookup
 * asks for: IPv6 lower case with its longest zero run compressed, as formatAddress writes it
 * (`2001:DB8:0:0:1::` and `2001:db8::1:0:0:0` name one address), and an IPv4-mapped IPv6 address
 * as its IPv4 dotted quad (a dual-stack socket's peer is unmapped before the lookup). Null for
 * text that is no address.
 */
export function canonicalAddressText(text: string): string | null {
  if (isIPv4(text)) return text;
  if (!isIPv6(text)) return null;
  const canonical = new URL(`http://[${text}]`).hostname.slice(1, -1);
  if (!canonical.startsWith(IPV4_MAPPED_PREFIX) || canonical.length <= IPV4_MAPPED_PREFIX.length) return canonical;
  const [high = 0, low = 0] = canonical.slice(IPV4_MAPPED_PREFIX.length).split(':').map((group) => Number.parseInt(group, 16));
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

export function formatAddress(bytes: Uint8Array, offset: number, family: number): string {
  if (family === AF_INET) {
    // Indexed, not destructured from a subarray: that made a view and an iterator per address,
    // two addresses per sample, every socket every tick.
    const a = bytes[offset] ?? 0;
    const b = bytes[offset + 1] ?? 0;
    const c = bytes[offset + 2] ?? 0;
    const d = bytes[offset + 3] ?? 0;
    const key = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
    let text = ipv4Texts.get(key);
    if (text === undefined) {
      text = `${a}.${b}.${c}.${d}`;
      remember(ipv4Texts, key, text);
    }
    return text;
  }
  const formatted = formatIpv6(bytes, offset);
  const text = ipv6Texts.get(formatted);
  if (text !== undefined) return text;
  remember(ipv6Texts, formatted, formatted);
  return formatted;
}

function remember<K>(texts: Map<K, string>, key: K, text: string): void {
  if (ipv4Texts.size + ipv6Texts.size >= MAX_INTERNED_ADDRESSES) {
    ipv4Texts.clear();
    ipv6Texts.clear();
  }
  texts.set(key, text);
}
function formatIpv6(bytes: Uint8Array, offset: number): string {
  const groups: number[] = [];
  for (let index = 0; index < 16; index += 2) {
    groups.push(((bytes[offset + index] ?? 0) << 8) | (bytes[offset + index + 1] ?? 0));
  }
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes[offset + 12]}.${bytes[offset + 13]}.${bytes[offset + 14]}.${bytes[offset + 15]}`;
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLength).join(':');
  return `${head}::${tail}`;
}
