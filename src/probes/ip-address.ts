/**
 * Addresses as the kernel stores them (16 bytes; IPv4 in the first four) to canonical text:
 * dotted quad, or RFC 5952 IPv6 (lower case, longest zero run compressed, `::ffff:1.2.3.4`).
 */

const AF_INET = 2;

export function formatAddress(bytes: Uint8Array, offset: number, family: number): string {
  if (family === AF_INET) {
    return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
  }
  return formatIpv6(bytes, offset);
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
