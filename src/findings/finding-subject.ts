/**
 * Who a finding is about, and how it is named: its id part and the words of its summary. The
 * process names, container and pod names in snapshots were sanitised where they entered
 * netscope (escapeUntrustedText), so they are safe to put in a sentence as they are; addresses
 * and numbers are netscope's own text.
 */
import type { ContainerIdentity } from '../model/records.js';
import type { Owner } from '../model/snapshot-types.js';
import type { FindingSubject } from './finding.js';

/** A subject from a connection's owner and its peer. */
export function subjectOf(
  owner: Pick<Owner, 'pid' | 'comm' | 'container'>,
  peer: { address: string | null; port: number | null },
  localPort: number | null = null,
): FindingSubject {
  return { pid: owner.pid, comm: owner.comm, container: owner.container, peerAddress: peer.address, peerPort: peer.port, localPort };
}

/** `pid=412` (`pid=unknown` when the owner was not resolved): the process part of an id and of a grouping key. */
export function pidKey(pid: number | null): string {
  return `pid=${pid ?? 'unknown'}`;
}

/** `10.0.3.7:5432`, `[::1]:443`; the address alone without a port. */
export function endpointText(address: string, port: number | null): string {
  if (port === null) return address;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** `curl (pid 412, pod shop/web-7d9)`: the process as a summary names it. */
export function processText(subject: Pick<FindingSubject, 'pid' | 'comm' | 'container'>): string {
  const name = subject.comm ?? 'an unknown process';
  const details = [subject.pid === null ? null : `pid ${subject.pid}`, containerText(subject.container)].filter((part) => part !== null);
  return details.length === 0 ? name : `${name} (${details.join(', ')})`;
}

function containerText(container: ContainerIdentity | null): string | null {
  if (container === null) return null;
  if (container.pod !== null) return `pod ${container.namespace === null ? '' : `${container.namespace}/`}${container.pod}`;
  return `container ${container.name}`;
}

/** The peer as a summary names it. */
export function peerText(subject: Pick<FindingSubject, 'peerAddress' | 'peerPort'>): string {
  return subject.peerAddress === null ? 'its peers' : endpointText(subject.peerAddress, subject.peerPort);
}

/** The one value all items share, or null when they differ (or there are none). */
export function sharedValue<T>(values: Iterable<T>): T | null {
  let shared: T | null = null;
  let first = true;
  for (const value of values) {
    if (first) {
      shared = value;
      first = false;
    } else if (value !== shared) return null;
  }
  return shared;
}

/** `2.1`, `12`: a percentage as a summary shows it. */
export function percentText(percent: number): string {
  return percent >= 10 ? percent.toFixed(0) : percent.toFixed(1);
}

/** `10 s`: a window's length as a summary shows it. */
export function secondsText(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
