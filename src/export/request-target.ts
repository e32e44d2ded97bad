/**
 * The path of an HTTP request-target, read by pattern rather than with `new URL`, which throws
 * on targets a client may send (`//[`, `//x:99999/`) and reads `//host/path` as an authority.
 *
 * Two forms are targets (RFC 9112 §3.2): origin-form, `/metrics` with an optional query, and
 * absolute-form, `http://host[:port]/metrics`, whose host is checked and then ignored — the
 * endpoint serves the same text whatever host it was asked by. Every character of the path and
 * host must be one RFC 3986 allows there, and a `%` must start an escape; the query may hold any
 * visible ASCII character but `#`. Anything else — authority-form,
 * asterisk-form, a fragment, user info, a port above 65535, a raw space, control or non-ASCII
 * byte — is not a target. Percent escapes are not decoded: `/%6Detrics` is another path.
 */

/** A path character: unreserved, sub-delims, `:`, `@`, or a percent escape. */
const PATH_CHARACTER = String.raw`(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})`;
/** One or more `/`-led segments; each segment stops at the next `/`, so matching is linear. */
const ABSOLUTE_PATH = String.raw`(?:/${PATH_CHARACTER}*)+`;
/**
 * Any visible ASCII but `#`: the query is never read, and clients send characters RFC 3986
 * reserves there unescaped (`?match[]=up`).
 */
const QUERY = String.raw`(?:\?[!-"$-~]*)?`;
/** A bracketed IP literal, a dotted IPv4 address or a registered name; never empty for http. */
const HOST = String.raw`(?:\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+)`;

const ORIGIN_FORM = new RegExp(`^(${ABSOLUTE_PATH})${QUERY}$`);
const ABSOLUTE_FORM = new RegExp(`^https?://${HOST}(?::([0-9]{0,5}))?(${ABSOLUTE_PATH})?${QUERY}$`, 'i');
const HIGHEST_PORT = 65535;

/** The path `target` names (`/metrics` for `/metrics?x=1` and `http://h:9464/metrics`), or null if it is not a request-target. */
export function requestPath(target: string): string | null {
  const origin = ORIGIN_FORM.exec(target);
  if (origin !== null) return origin[1] ?? null;
  const absolute = ABSOLUTE_FORM.exec(target);
  if (absolute === null) return null;
  const [, port, path] = absolute;
  if (port !== undefined && port !== '' && Number(port) > HIGHEST_PORT) return null;
  // An empty path is the root (RFC 9112 §3.2.2).
  return path ?? '/';
}
