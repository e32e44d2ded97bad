/**
 * The Peers pane's rows. While names are shown, the addresses behind one name (a Service's
 * endpoints, a CDN's edges) are one row: the name is what the on-call engineer asks about, and
 * ten rows of one name hide the peer that differs. With `n` (addresses), one row per address.
 * Unnamed addresses are always rows of their own. The model's peers stay per address (and so
 * do `--json` and `s`): grouping is a way of showing them.
 */
import type { PeerSnapshot } from '../../model/snapshot-types.js';
import { addTrafficSums } from '../../model/traffic-aggregation.js';
import { compareAddresses } from './address-order.js';

/** A Peers row: one address, or every address behind one name. */
export interface PeerRow extends PeerSnapshot {
  /** The addresses it sums, in address order; `address` is the first. One unless grouped. */
  addresses: readonly string[];
  /** The name its addresses share when it groups two or more of them; null for a row of one address. */
  groupName: string | null;
}

const byAddressCache = new WeakMap<readonly PeerSnapshot[], readonly PeerRow[]>();
const byNameCache = new WeakMap<readonly PeerSnapshot[], readonly PeerRow[]>();

/**
 * The rows for `peers`, grouped by name unless `addressesShown`. The same array in, the same
 * rows out, so the table's ordering and filtering stay memoized between frames of one tick.
 */
export function peerRows(peers: readonly PeerSnapshot[], addressesShown: boolean): readonly PeerRow[] {
  const cache = addressesShown ? byAddressCache : byNameCache;
  let rows = cache.get(peers);
  if (rows === undefined) {
    rows = addressesShown ? peers.map(singleAddress) : groupByName(peers);
    cache.set(peers, rows);
  }
  return rows;
}

function singleAddress(peer: PeerSnapshot): PeerRow {
  return { ...peer, addresses: [peer.address], groupName: null };
}

function groupByName(peers: readonly PeerSnapshot[]): PeerRow[] {
  const byName = new Map<string, PeerSnapshot[]>();
  for (const peer of peers) {
    const name = peer.peerName?.name;
    if (name === undefined) continue;
    const members = byName.get(name);
    if (members === undefined) byName.set(name, [peer]);
    else members.push(peer);
  }
  const rows: PeerRow[] = [];
  for (const peer of peers) {
    const name = peer.peerName?.name;
    const members = name === undefined ? undefined : byName.get(name);
    if (name === undefined || members === undefined || members.length === 1) {
      rows.push(singleAddress(peer));
    } else if (members[0] === peer) {
      rows.push(summed(name, members));
    }
  }
  return rows;
}

function summed(name: string, members: readonly PeerSnapshot[]): PeerRow {
  const ordered = [...members].sort((a, b) => compareAddresses(a.address, b.address));
  const first = ordered[0] as PeerSnapshot;
  const row: PeerRow = { ...first, addresses: ordered.map((peer) => peer.address), groupName: name };
  for (const peer of ordered.slice(1)) {
    addTrafficSums(row, peer);
    // The newest sighting says where the name came from and when.
    if (peer.peerName !== null && row.peerName !== null && peer.peerName.atMs > row.peerName.atMs) row.peerName = peer.peerName;
  }
  return row;
}
