/**
 * What a conntrack entry says about a socket: whether the destination of its connection was
 * translated, and to what. The socket's tuple (local side first) is the entry's original tuple
 * when the socket connected, its reply tuple when it accepted.
 */
import type { AddressPort, Endpoints, NatRecord } from '../model/records.js';
import type { ConntrackTuple, TransportProtocolName } from './conntrack-messages.js';
import type { ConntrackEntry } from './conntrack-lookup.js';

/** What a NatRecord says beyond its time and cookie. */
export type NatTranslation = Pick<NatRecord, 'destination' | 'originalDestination' | 'direction'>;

const V4_MAPPED_PREFIX = '::ffff:';

/**
 * The tuple conntrack knows a socket by: an IPv6 socket talking IPv4 (both sides
 * `::ffff:a.b.c.d`) is tracked as IPv4. Null for a tuple no entry can have (a side not bound yet).
 */
export function socketTuple(endpoints: Endpoints, protocol: TransportProtocolName): ConntrackTuple | null {
  const { saddr, sport, daddr, dport } = endpoints;
  if (sport === 0 || dport === 0 || saddr === '0.0.0.0' || saddr === '::' || daddr === '0.0.0.0' || daddr === '::') return null;
  if (endpoints.family === 'ipv6' && saddr.startsWith(V4_MAPPED_PREFIX) && daddr.startsWith(V4_MAPPED_PREFIX)) {
    return { family: 'ipv4', protocol, saddr: saddr.slice(V4_MAPPED_PREFIX.length), sport, daddr: daddr.slice(V4_MAPPED_PREFIX.length), dport };
  }
  return { family: endpoints.family, protocol, saddr, sport, daddr, dport };
}

/**
 * The translation `entry` records for the socket with tuple `tuple`, or null when it records
 * none (the reply comes from where the connection was sent) or the entry is another's.
 */
export function natTranslation(tuple: ConntrackTuple, entry: ConntrackEntry): NatTranslation | null {
  const { original, reply } = entry;
  if (sameTuple(tuple, original)) {
    // This host connected: the answers come from where the packets really went.
    const destination = { address: reply.saddr, port: reply.sport };
    const asked = { address: original.daddr, port: original.dport };
    return sameSide(destination, asked) ? null : { destination, originalDestination: asked, direction: 'outgoing' };
  }
  if (sameTuple(tuple, reply)) {
    // This host accepted: the client addressed the entry's original destination.
    const destination = { address: reply.saddr, port: reply.sport };
    const asked = { address: original.daddr, port: original.dport };
    return sameSide(destination, asked) ? null : { destination, originalDestination: asked, direction: 'incoming' };
  }
  return null;
}

function sameTuple(a: ConntrackTuple, b: ConntrackTuple): boolean {
  return a.protocol === b.protocol && a.saddr === b.saddr && a.sport === b.sport && a.daddr === b.daddr && a.dport === b.dport;
}

function sameSide(a: AddressPort, b: AddressPort): boolean {
  return a.address === b.address && a.port === b.port;
}
