/** What `nat:` means for anything that carries a connection's translation (a connection, an event line). */
import type { NatSnapshot } from '../model/snapshot-types.js';
import type { FieldTerm } from './filter-query.js';

/** Whether `nat` (null: not translated) has the term's address and port, on either side of the translation. */
export function natMatchesTerm(nat: NatSnapshot | null, term: Extract<FieldTerm, { kind: 'nat' }>): boolean {
  if (nat === null) return false;
  return [nat.destination, nat.originalDestination].some(
    (side) => (term.address === null || side.address.toLowerCase() === term.address) && (term.port === null || side.port === term.port),
  );
}
