/**
 * Turns a process's argv into a command line that is safe to show on a shared terminal and to
 * write to JSON: secrets passed as arguments are replaced by `***`, keeping the flag, variable
 * or header name so the engineer still sees which one was passed. Control characters are the
 * sanitiser's (untrusted-text.ts), applied to the line this returns. secret-forms.ts lists the
 * forms recognised, with an example of each.
 *
 * This module reads argv element by element (a flag, then its value); secrets-in-text.ts finds
 * those written inside one element. Anyone who can start a process chooses its command line (up
 * to 128 KiB an argument), so every pattern here is anchored at the start of the element and
 * never puts two repeats that can match the same character side by side: each costs time linear
 * in the element's length.
 */
import { hideSecretsInText } from './secrets-in-text.js';
import { isSecretName, SECRET_MASK } from './secret-names.js';

/**
 * Secret names that end in `key` (`--private-key`, `--api-key`, `SSL_PRIVATE_KEY`): their value
 * is as often a file holding the key as the key itself, and a file's name is no secret.
 */
const KEY_NAME = /key$/i;

/**
 * A value that names a file rather than holding a key: relative to home or to the working
 * directory (`~/.ssh/id_ed25519`, `./key`), absolute under a lowercase directory
 * (`/etc/ssl/key.pem`), or ending in a short extension (`server.key`, `/k.pem`). Base64 and hex
 * keys hold no `.` and no `~`, so only a base64 key that happens to start with `/`, a lowercase
 * word and another `/` could pass for a path.
 */
const FILE_PATH = /^(?:~\/|\.\.?\/|\/[a-z0-9_.-]+\/|[\w./~+-]*\.[A-Za-z0-9]{1,5}$)/;

/** How a client known to take secrets on its command line passes them. */
export interface ClientSecretFlags {
  /** Short flags whose secret can only be attached (`-pSECRET`); the next element is not it. */
  readonly attachedOnly?: readonly string[];
  /** Flags whose secret is the next element (`-a SECRET`), or attached (`-aSECRET`, `--pass=S`). */
  readonly valueIsSecret?: readonly string[];
  /** Flags whose value is `user:password`: only what follows the first colon is hidden. */
  readonly valueIsUserPassword?: readonly string[];
  /** Flags whose value is a proxy, `[scheme://][user:password@]host[:port]`: the password is hidden. */
  readonly valueIsProxy?: readonly string[];
  /**
   * Flags whose value says where a password comes from, OpenSSL's pass phrase argument:
   * `pass:SECRET` carries it and is hidden; `env:VAR`, `file:PATH`, `fd:N` and `stdin` only
   * point at it and stay. Anything else is hidden.
   */
  readonly valueIsPasswordSource?: readonly string[];
  /** Secret-sounding flags that take no separate value (they make the client prompt). */
  readonly prompts?: readonly string[];
  /**
   * The client never attaches a value to its flag: OpenSSL's `-kfile` and `-keyform` are
   * flags of their own, not `-k` followed by `file` or `eyform`.
   */
  readonly separateValuesOnly?: boolean;
}

/**
 * MySQL's `-p` takes its password only attached: in `mysql -p name`, `name` is the database
 * and the client prompts; `--password` likewise takes a value only as `--password=…`.
 */
const MYSQL_CLIENT: ClientSecretFlags = { attachedOnly: ['-p'], prompts: ['--password'] };
/**
 * PostgreSQL clients take no password argument at all: their `-p` is the port and
 * `--password` only forces a prompt. Their secrets arrive in connection strings
 * (`password=…`, `postgresql://user:pass@host`), which the generic rules redact.
 */
const POSTGRES_CLIENT: ClientSecretFlags = { prompts: ['--password'] };

/**
 * Clients whose short or unnamed secret flags the generic name rule cannot recognise, by
 * executable name (the kernel's comm, or the basename of argv[0]). A flag listed here means
 * what it means to that client only: curl's `-k` takes no value (`curl -k https://x` keeps the
 * URL), OpenSSL's `-k` is the password.
 */
export const SECRET_TAKING_CLIENTS: ReadonlyMap<string, ClientSecretFlags> = new Map([
  ['mysql', MYSQL_CLIENT],
  ['mysqldump', MYSQL_CLIENT],
  ['mysqladmin', MYSQL_CLIENT],
  ['mariadb', MYSQL_CLIENT],
  ['mariadb-dump', MYSQL_CLIENT],
  ['psql', POSTGRES_CLIENT],
  ['pg_dump', POSTGRES_CLIENT],
  ['pg_dumpall', POSTGRES_CLIENT],
  ['pg_restore', POSTGRES_CLIENT],
  ['redis-cli', { valueIsSecret: ['-a', '--pass'] }],
  ['sshpass', { valueIsSecret: ['-p'] }],
  ['curl', { valueIsUserPassword: ['-u', '--user', '-U', '--proxy-user'], valueIsProxy: ['-x', '--proxy'] }],
  [
    'openssl',
    { valueIsSecret: ['-k'], valueIsPasswordSource: ['-passin', '-passout', '-pass', '-password'], separateValuesOnly: true },
  ],
]);

/** Options for {@link redactCommandLine}. */
export interface RedactOptions {
  /** The process's comm (kernel task name); identifies known clients when argv[0] is odd. */
  comm?: string;
  /**
   * The last element was cut short (the command line was read only up to a cap). A secret it
   * starts is then hidden to its end even without what would close it: a URL password with no
   * `@` yet, a token shorter than its kind. Default false.
   */
  lastArgumentCut?: boolean;
}

/**
 * Joins argv with single spaces after replacing each secret value with `***`. Recognised secrets
 * (secret-forms.ts has an example of each):
 * - the value of a flag whose name is secret ({@link isSecretName}): `--db-token=x`,
 *   `--db-token x`, `-password x`. A following element that looks like another flag
 *   (`--port`, `-v`) is not taken as the value, so a boolean `--auth` does not hide it;
 *   `--no-…` flags never take one. A file path given to a key (`--private-key /etc/k.pem`) stays;
 * - the secret flags of {@link SECRET_TAKING_CLIENTS} (`mysql -pS`, `redis-cli -a S`,
 *   `openssl -passin pass:S`);
 * - `NAME=value` assignments, whole arguments or inside one (`DB_PASSWORD=x`,
 *   `"host=db password=x"`, `?token=x&…`);
 * - the password in a URL, `scheme://user:pass@host` → `scheme://user:***@host`, and in a
 *   proxy given without a scheme (`http_proxy=user:pass@proxy:3128`);
 * - HTTP header arguments, `Authorization: Bearer x` → `Authorization: Bearer ***`, also when
 *   the name, scheme and credentials are separate arguments; `Bearer x` anywhere; `Basic x`;
 * - JSON values under a secret key, `{"token":"x"}` → `{"token":"***"}`, and every value
 *   inside an object or array under one;
 * - tokens that name themselves (secrets-in-text.ts's `SELF_IDENTIFYING_TOKENS`: AWS key ids,
 *   GitHub, GitLab, Slack, Stripe, npm, Google) and JSON Web Tokens, wherever they appear.
 */
export function redactCommandLine(argv: readonly string[], options: RedactOptions = {}): string {
  const client = findClient(options.comm, argv[0]);
  const shown: string[] = [];
  let nextIs: NextElement = 'ordinary';
  argv.forEach((arg, index) => {
    const isCut = options.lastArgumentCut === true && index === argv.length - 1;
    const redacted = redactElement(arg, nextIs, client, isCut);
    shown.push(redacted.shown);
    nextIs = redacted.nextIs;
  });
  return shown.join(' ');
}

/** What the element after a flag is. */
type NextElement =
  | 'ordinary'
  | 'secret'
  | 'secret-unless-flag'
  /** A key's value: hidden unless it is a flag or a file path. */
  | 'key-unless-flag-or-path'
  | 'user-password'
  | 'proxy'
  | 'password-source'
  /** The value of an `Authorization:` header given as an argument of its own. */
  | 'authorization';

interface RedactedArgument {
  shown: string;
  nextIs: NextElement;
}

function redactElement(arg: string, expected: NextElement, client: ClientSecretFlags | undefined, isCut: boolean): RedactedArgument {
  const shown = (text: string): RedactedArgument => ({ shown: text, nextIs: 'ordinary' });
  switch (expected) {
    case 'secret':
      return shown(SECRET_MASK);
    case 'secret-unless-flag':
      return looksLikeFlag(arg) ? redactArgument(arg, client, isCut) : shown(SECRET_MASK);
    case 'key-unless-flag-or-path':
      if (looksLikeFlag(arg)) return redactArgument(arg, client, isCut);
      return shown(FILE_PATH.test(arg) ? arg : SECRET_MASK);
    case 'user-password':
      return shown(hidePasswordAfterUser(arg));
    case 'proxy':
      return looksLikeFlag(arg) ? redactArgument(arg, client, isCut) : shown(hideProxyPassword(arg, isCut));
    case 'password-source':
      return shown(hidePasswordSource(arg));
    case 'authorization':
      return redactAuthorizationValue(arg);
    case 'ordinary':
      return redactArgument(arg, client, isCut);
  }
}

function findClient(comm: string | undefined, argv0: string | undefined): ClientSecretFlags | undefined {
  const byComm = comm === undefined ? undefined : SECRET_TAKING_CLIENTS.get(comm);
  const executable = argv0?.slice(argv0.lastIndexOf('/') + 1);
  return byComm ?? (executable === undefined ? undefined : SECRET_TAKING_CLIENTS.get(executable));
}

/** A flag or variable whose value is a proxy (`--proxy`, `http_proxy`, `git -c http.proxy=…`). */
const PROXY_NAME = /proxy$/i;

function redactArgument(arg: string, client: ClientSecretFlags | undefined, isCut: boolean): RedactedArgument {
  const byClient = client === undefined ? undefined : redactClientFlag(arg, client, isCut);
  if (byClient !== undefined) return byClient;

  const assignment = /^(-{0,2}[A-Za-z_][\w.-]*)=(.*)$/s.exec(arg);
  if (assignment !== null) {
    const [, name = '', value = ''] = assignment;
    if (isSecretName(name) && value !== '') {
      const isKeyFile = KEY_NAME.test(name) && FILE_PATH.test(value);
      return { shown: `${name}=${isKeyFile ? value : SECRET_MASK}`, nextIs: 'ordinary' };
    }
    if (PROXY_NAME.test(name)) return { shown: `${name}=${hideProxyPassword(value, isCut)}`, nextIs: 'ordinary' };
    const redactedValue = redactStandalone(value, isCut);
    return { shown: `${name}=${redactedValue.shown}`, nextIs: redactedValue.nextIs };
  }

  if (/^--?[A-Za-z][\w.-]*$/.test(arg) && !arg.startsWith('--no-')) {
    if (isSecretName(arg)) return { shown: arg, nextIs: KEY_NAME.test(arg) ? 'key-unless-flag-or-path' : 'secret-unless-flag' };
    if (PROXY_NAME.test(arg)) return { shown: arg, nextIs: 'proxy' };
  }

  return redactStandalone(arg, isCut);
}

function redactClientFlag(arg: string, client: ClientSecretFlags, isCut: boolean): RedactedArgument | undefined {
  const attachedTo = (flag: string) => (client.separateValuesOnly === true ? undefined : splitAttachedValue(arg, flag));
  const flagKinds: [readonly string[] | undefined, NextElement, (value: string) => string][] = [
    [client.valueIsSecret, 'secret', () => SECRET_MASK],
    [client.valueIsUserPassword, 'user-password', hidePasswordAfterUser],
    [client.valueIsProxy, 'proxy', (value) => hideProxyPassword(value, isCut)],
    [client.valueIsPasswordSource, 'password-source', hidePasswordSource],
  ];
  for (const [flags, nextIs, hideAttached] of flagKinds) {
    for (const flag of flags ?? []) {
      if (arg === flag) return { shown: arg, nextIs };
      const attached = attachedTo(flag);
      if (attached !== undefined) return { shown: attached.flagPart + hideAttached(attached.value), nextIs: 'ordinary' };
    }
  }
  for (const flag of client.attachedOnly ?? []) {
    if (splitAttachedValue(arg, flag) !== undefined) return { shown: flag + SECRET_MASK, nextIs: 'ordinary' };
  }
  if (client.prompts?.includes(arg) === true) return { shown: arg, nextIs: 'ordinary' };
  return undefined;
}

/** A value written into the flag's own argument: `-pX` → `-p` + `X`, `--pass=X` → `--pass=` + `X`. */
function splitAttachedValue(arg: string, flag: string): { flagPart: string; value: string } | undefined {
  const flagPart = flag.startsWith('--') ? `${flag}=` : flag;
  if (!arg.startsWith(flagPart) || arg.length === flagPart.length) return undefined;
  return { flagPart, value: arg.slice(flagPart.length) };
}

/**
 * Whether an element after a secret-named flag is another flag rather than its value: a long
 * option or a single-letter one. A secret shaped like that is implausible; a boolean flag
 * (mongod's `--auth`) followed by another flag is common.
 */
function looksLikeFlag(arg: string): boolean {
  return /^--[A-Za-z][\w-]*(=.*)?$/s.test(arg) || /^-[A-Za-z]$/.test(arg);
}

function hidePasswordAfterUser(userAndPassword: string): string {
  const colon = userAndPassword.indexOf(':');
  return colon === -1 ? userAndPassword : `${userAndPassword.slice(0, colon + 1)}${SECRET_MASK}`;
}

/**
 * A proxy's password: `user:pass@proxy:3128` → `user:***@proxy:3128` (the password runs to the
 * last `@`). With a scheme it is a URL. Cut before its `@`, a `user:pa` cannot be told from
 * `proxy:31`, so all after the first colon is hidden.
 */
function hideProxyPassword(proxy: string, isCut: boolean): string {
  if (proxy.includes('://')) return hideSecretsInText(proxy, isCut);
  const colon = proxy.indexOf(':');
  const at = proxy.lastIndexOf('@');
  if (colon !== -1 && colon < at) return `${proxy.slice(0, colon + 1)}${SECRET_MASK}${proxy.slice(at)}`;
  if (colon !== -1 && at === -1 && isCut) return `${proxy.slice(0, colon + 1)}${SECRET_MASK}`;
  return proxy;
}

/** OpenSSL pass phrase arguments that point at the password rather than hold it. */
const PASSWORD_POINTER = /^(?:(?:env|file|fd):|stdin$)/;

function hidePasswordSource(source: string): string {
  if (PASSWORD_POINTER.test(source)) return source;
  return source.startsWith('pass:') ? `pass:${SECRET_MASK}` : SECRET_MASK;
}

/**
 * An HTTP header argument whose name is secret (`Authorization: Bearer x`, `X-Api-Key: x`).
 * `//` after the colon is a URL (`auth://…`), not a header value.
 */
const HEADER = /^([A-Za-z][\w-]*)(\s*:\s*)(?!\/\/)(.+)$/s;
/** A header name standing alone, its value in the next argument (`-H Authorization: Bearer x` unquoted). */
const HEADER_NAME_ALONE = /^([A-Za-z][\w-]*)\s*:$/;
/** An authentication scheme (`Bearer`, `Basic`, `Digest`) before the credentials. */
const AUTH_SCHEME = /^([A-Za-z][\w-]*\s+)\S/;
/** A scheme standing alone, its credentials in the next argument. */
const LONE_AUTH_SCHEME = /^(?:bearer|basic)$/i;
/** HTTP Basic credentials as an argument of their own: `Basic dXNlcjpwYXNz`. */
const BASIC_CREDENTIALS = /^(basic\s+)[A-Za-z0-9+/]+={0,2}$/i;

/** Redacts an argument that is not a flag's value: a header, credentials, or text with secrets in it. */
function redactStandalone(text: string, isCut: boolean): RedactedArgument {
  const header = HEADER.exec(text);
  if (header !== null) {
    const [, name = '', separator = '', value = ''] = header;
    if (isSecretName(name)) {
      const redactedValue = /authorization/i.test(name) ? redactAuthorizationValue(value) : { shown: SECRET_MASK, nextIs: 'ordinary' as const };
      return { shown: `${name}${separator}${redactedValue.shown}`, nextIs: redactedValue.nextIs };
    }
  }
  const headerName = HEADER_NAME_ALONE.exec(text)?.[1];
  if (headerName !== undefined && isSecretName(headerName)) {
    return { shown: text, nextIs: /authorization/i.test(headerName) ? 'authorization' : 'secret' };
  }
  if (LONE_AUTH_SCHEME.test(text)) return { shown: text, nextIs: 'secret-unless-flag' };
  const basic = BASIC_CREDENTIALS.exec(text);
  if (basic !== null) return { shown: `${basic[1] ?? ''}${SECRET_MASK}`, nextIs: 'ordinary' };
  return { shown: hideSecretsInText(text, isCut), nextIs: 'ordinary' };
}

/** `Bearer x` → `Bearer ***`, `x` → `***`; a scheme alone leaves the credentials to the next argument. */
function redactAuthorizationValue(value: string): RedactedArgument {
  if (LONE_AUTH_SCHEME.test(value)) return { shown: value, nextIs: 'secret-unless-flag' };
  const scheme = AUTH_SCHEME.exec(value)?.[1] ?? '';
  return { shown: `${scheme}${SECRET_MASK}`, nextIs: 'ordinary' };
}
