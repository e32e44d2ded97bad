/**
 * Numeric order for IP addresses, which text order gets wrong (`10.0.0.10` before `10.0.0.9`).
 */

const orderKeys = new Map<string, string>();
/** Distinct addresses remembered; a busy host sees many peers, so the cache starts over past this. */
const ORDER_KEY_CACHE_LIMIT = 100_000;

/**
 * A string whose text order is the addresses' numeric order: IPv4 (and IPv4-mapped IPv6)
 * first, then IPv6, each as fixed-width hex.
 */
function orderKey(address: string): string {
  const cached = orderKeys.get(address);
  if (cached !== undefined) return cached;
  const key = computeOrderKey(address);
  if (orderKeys.size >= ORDER_KEY_CACHE_LIMIT) orderKeys.clear();
  orderKeys.set(address, key);
  return key;
}

function computeOrderKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ipv4 = mapped?.[1] ?? (address.includes(':') ? null : address);
  if (ipv4 !== null) return `4${ipv4.split('.').map((octet) => Number(octet).toString(16).padStart(2, '0')).join('')}`;
  const [head = '', tail] = address.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const missing = Math.max(0, 8 - headGroups.length - tailGroups.length);
  const groups = [...headGroups, ...new Array<string>(missing).fill('0'), ...tailGroups];
  return `6${groups.map((group) => group.toLowerCase().padStart(4, '0')).join('')}`;
}

/** Compares two addresses numerically (negative when `a` comes first). */
export function compareAddresses(a: string, b: string): number {
  if (a === b) return 0;
  const keyA = orderKey(a);
  const keyB = orderKey(b);
  return keyA < keyB ? -1 : keyA > keyB ? 1 : 0;
}
