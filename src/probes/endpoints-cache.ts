/**
 * The endpoints an IPv4 socket's last event carried, by the low bits of its cookie: a
 * connection's events come close together (its handshake, its close and its TIME_WAIT within a
 * drain or two), and under churn each of them decoded a new endpoints object and a boxed
 * namespace number — a quarter of what decoding allocated. An event whose addresses, ports and
 * namespace are exactly those of the slot's reuses its object; any other replaces it. Records
 * never change their endpoints, so sharing one is safe.
 */
import type { Endpoints } from '../model/records.js';
import { formatAddress } from './ip-address.js';

/** A power of two: the slot is the cookie's low bits. */
const SLOTS = 1024;
const AF_INET = 2;

/** Where a record keeps the fields (byte offsets). */
export interface EndpointsLayout {
  saddr: number;
  daddr: number;
  sport: number;
  dport: number;
  netns_ino: number;
  family: number;
}

export class EndpointsCache {
  private readonly cookies = new Float64Array(SLOTS).fill(-1);
  /** Per slot: source and destination address, both ports, namespace. */
  private readonly fields = new Uint32Array(SLOTS * 4);
  private readonly endpoints: (Endpoints | null)[] = new Array<Endpoints | null>(SLOTS).fill(null);

  constructor(private readonly layout: EndpointsLayout) {}

  /** The record's endpoints at `base`, the cached object when they are the ones the socket's slot holds. */
  decode(bytes: Buffer, view: DataView, base: number, cookie: number): Endpoints {
    const L = this.layout;
    const familyNumber = view.getUint8(base + L.family);
    if (familyNumber !== AF_INET) return decodeEndpoints(bytes, view, base, familyNumber, L);
    const saddr = view.getUint32(base + L.saddr, true);
    const daddr = view.getUint32(base + L.daddr, true);
    const ports = view.getUint16(base + L.sport, true) * 65536 + view.getUint16(base + L.dport, true);
    const netns = view.getUint32(base + L.netns_ino, true);
    const slot = cookie % SLOTS;
    const at = slot * 4;
    const fields = this.fields;
    const cached = this.endpoints[slot];
    if (cached != null && this.cookies[slot] === cookie && fields[at] === saddr && fields[at + 1] === daddr && fields[at + 2] === ports && fields[at + 3] === netns) return cached;
    const endpoints = decodeEndpoints(bytes, view, base, familyNumber, L);
    this.cookies[slot] = cookie;
    fields[at] = saddr;
    fields[at + 1] = daddr;
    fields[at + 2] = ports;
    fields[at + 3] = netns;
    this.endpoints[slot] = endpoints;
    return endpoints;
  }
}

function decodeEndpoints(bytes: Buffer, view: DataView, base: number, familyNumber: number, L: EndpointsLayout): Endpoints {
  return {
    family: familyNumber === AF_INET ? 'ipv4' : 'ipv6',
    saddr: formatAddress(bytes, base + L.saddr, familyNumber),
    sport: view.getUint16(base + L.sport, true),
    daddr: formatAddress(bytes, base + L.daddr, familyNumber),
    dport: view.getUint16(base + L.dport, true),
    netns: view.getUint32(base + L.netns_ino, true),
  };
}
