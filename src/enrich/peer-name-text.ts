/**
 * A peer's name as it may be shown: DNS answers and hosts files are text someone else wrote
 * (an answer is attacker-controlled), so a name passes the sanitiser and a length cap.
 */
import { escapeUntrustedText } from './untrusted-text.js';

/** The longest name kept, in characters: a DNS name's own limit in its text form. */
export const PEER_NAME_MAX_CHARACTERS = 253;
const ELLIPSIS = '…';
/** The longest escape the sanitiser writes (`\u202e`). */
const LONGEST_ESCAPE = 6;

/** `name` sanitised and, when longer than 253 characters, cut to 252 and `…`. */
export function peerNameText(name: string): string {
  const escaped = escapeUntrustedText(name);
  const characters = [...escaped];
  if (characters.length <= PEER_NAME_MAX_CHARACTERS) return escaped;
  let kept = characters.slice(0, PEER_NAME_MAX_CHARACTERS - 1);
  // A cut through an escape would leave a half escape that reads as something else: drop it whole.
  const tail = kept.slice(-LONGEST_ESCAPE);
  const backslash = tail.indexOf('\\');
  if (backslash >= 0) kept = kept.slice(0, kept.length - tail.length + backslash);
  return kept.join('') + ELLIPSIS;
}
