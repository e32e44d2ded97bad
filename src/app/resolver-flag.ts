/**
 * `--resolve` and `--resolver ADDRESS[:PORT]`: whether PTR lookups run, and which DNS server they
 * ask. The server is an IP address: resolving its name would need a resolver already.
 */
import { isIP } from 'node:net';
import { UsageError } from '../errors.js';
import type { ResolverAddress } from '../sources/ptr-lookups.js';

const DNS_PORT = 53;
const EXAMPLES = 'e.g. --resolver 10.96.0.10, --resolver 127.0.0.1:5353 or --resolver [fd00::53]:53';

/** What --resolve asks for: lookups, and the server (null: the host's resolv.conf servers). */
export interface ResolveOption {
  server: ResolverAddress | null;
}

/** `10.96.0.10`, `127.0.0.1:5353`, `fd00::53`, `[fd00::53]:53`. */
export function parseResolverAddress(text: string): ResolverAddress {
  const trimmed = text.trim();
  if (trimmed === '') throw new UsageError(`--resolver needs the DNS server's IP address — ${EXAMPLES}`);
  const bracketed = /^\[([^\]]*)\](?::(.*))?$/.exec(trimmed);
  const withPort = bracketed === null && isIP(trimmed) === 0 ? /^([^:]*):([^:]*)$/.exec(trimmed) : null;
  const host = bracketed?.[1] ?? withPort?.[1] ?? trimmed;
  const portText = bracketed?.[2] ?? withPort?.[2];
  if (isIP(host) === 0) throw new UsageError(`--resolver ${text}: ${host === '' ? 'no address' : `${host} is not an IP address`} — give the DNS server's IP, ${EXAMPLES}`);
  if (bracketed !== null && isIP(host) !== 6) throw new UsageError(`--resolver ${text}: only an IPv6 address goes in brackets — ${EXAMPLES}`);
  if (portText === undefined) return { host, port: DNS_PORT };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new UsageError(`--resolver ${text}: port ${portText === '' ? '(none)' : portText} is not 1–65535 — ${EXAMPLES}`);
  return { host, port };
}

/** --resolve's option from the flags; --resolver alone is refused, since it would ask nothing. */
export function resolveOption(resolve: boolean, resolver: string | undefined, replaying: boolean): ResolveOption | null {
  if (!resolve) {
    if (resolver !== undefined) throw new UsageError('--resolver picks the server of --resolve\'s PTR lookups, which are off — add --resolve');
    return null;
  }
  if (replaying) throw new UsageError('--resolve looks up the peers of a live capture; a replay shows the names it recorded — drop --resolve');
  return { server: resolver === undefined ? null : parseResolverAddress(resolver) };
}
