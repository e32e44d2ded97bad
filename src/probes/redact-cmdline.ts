/**
 * Turns a process's argv into a command line that is safe to show on a shared terminal and to
 * write to JSON: secrets passed as arguments are replaced by `***`, keeping the flag, variable
 * or header name so the engineer still sees which one was passed. Control characters are the
 * sanitiser's (untrusted-text.ts), applied to the line this returns.
 */

/** What replaces a secret value. */
export const SECRET_MASK = '***';

/**
 * Names (of flags, `NAME=value` assignments, HTTP headers and JSON keys) whose value is a
 * secret. Matched case-insensitively anywhere in the name, so `--db-token`, `DB_PASSWORD`,
 * `AWS_SECRET_ACCESS_KEY`, `X-Api-Key` and `-Djavax.net.ssl.keyStorePassword` all match.
 *
 * `auth` and `token` must not be followed by a letter: that keeps `auth`, `--auth-token`,
 * `--basic-auth`, `oauth`, `--oauth2-bearer`, `GITHUB_TOKEN` and `x-access-token` while
 * leaving `--author`, `--authority` (a gRPC host name), `--max-tokens` and `--tokenizer`
 * readable. `authorization` is listed on its own because that rule excludes it.
 * `passphrase` (gpg, ssh-keygen) and `cookie` (a session is as good as a password) go beyond
 * the password/token family for the same reason.
 */
export const SECRET_NAME_PATTERN =
  /password|passwd|passphrase|pwd|secret|credential|cookie|api[-_]?key|authorization|token(?![a-z])|auth(?![a-z])/i;

/**
 * Secret-sounding names whose value says where a secret is or how it is checked, not what it
 * is: `--token-auth-file=/etc/k8s/tokens.csv`, `POSTGRES_PASSWORD_FILE=/run/secrets/db`,
 * `--authorization-mode=Node,RBAC`, `--auth-method md5`. Their values stay visible because they
 * are exactly what an engineer looks for (URL passwords inside them are still hidden).
 */
export const DESCRIPTIVE_NAME_SUFFIX = /(file|path|dir|mode|type|method)$/i;

/** Whether a flag, variable, header or JSON key name carries a secret value. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME_PATTERN.test(name) && !DESCRIPTIVE_NAME_SUFFIX.test(name);
}

/** How a client known to take secrets on its command line passes them. */
export interface ClientSecretFlags {
  /** Short flags whose secret can only be attached (`-pSECRET`); the next element is not it. */
  readonly attachedOnly?: readonly string[];
  /** Flags whose secret is the next element (`-a SECRET`), or attached (`-aSECRET`, `--pass=S`). */
  readonly valueIsSecret?: readonly string[];
  /** Flags whose value is `user:password`: only what follows the first colon is hidden. */
  readonly valueIsUserPassword?: readonly string[];
  /** Secret-sounding flags that take no separate value (they make the client prompt). */
  readonly prompts?: readonly string[];
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
 * executable name (the kernel's comm, or the basename of argv[0]).
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
  ['curl', { valueIsUserPassword: ['-u', '--user', '-U', '--proxy-user'] }],
]);

/** Options for {@link redactCommandLine}. */
export interface RedactOptions {
  /** The process's comm (kernel task name); identifies known clients when argv[0] is odd. */
  comm?: string;
}

/**
 * Joins argv with single spaces after replacing each secret value with `***`. Recognised secrets:
 * - the value of a flag whose name is secret ({@link isSecretName}): `--db-token=x`,
 *   `--db-token x`, `-password x`. A following element that looks like another flag
 *   (`--port`, `-v`) is not taken as the value, so a boolean `--auth` does not hide it;
 *   `--no-…` flags never take one;
 * - the secret flags of {@link SECRET_TAKING_CLIENTS} (`mysql -pS`, `redis-cli -a S`);
 * - `NAME=value` assignments, whole arguments or inside one (`DB_PASSWORD=x`,
 *   `"host=db password=x"`, `?token=x&…`);
 * - the password in a URL, `scheme://user:pass@host` → `scheme://user:***@host`;
 * - HTTP header arguments, `Authorization: Bearer x` → `Authorization: Bearer ***`;
 * - JSON string values under a secret key, `{"token":"x"}` → `{"token":"***"}`.
 */
export function redactCommandLine(argv: readonly string[], options: RedactOptions = {}): string {
  const args = argv;
  const client = findClient(options.comm, args[0]);
  const shown: string[] = [];
  let nextIs: NextElement = 'ordinary';
  for (const arg of args) {
    const expected = nextIs;
    nextIs = 'ordinary';
    if (expected === 'secret' || (expected === 'secret-unless-flag' && !looksLikeFlag(arg))) {
      shown.push(SECRET_MASK);
    } else if (expected === 'user-password') {
      shown.push(hidePasswordAfterUser(arg));
    } else {
      const redacted = redactArgument(arg, client);
      shown.push(redacted.shown);
      nextIs = redacted.nextIs;
    }
  }
  return shown.join(' ');
}

/** What the element after a flag is. */
type NextElement = 'ordinary' | 'secret' | 'secret-unless-flag' | 'user-password';

interface RedactedArgument {
  shown: string;
  nextIs: NextElement;
}

function findClient(comm: string | undefined, argv0: string | undefined): ClientSecretFlags | undefined {
  const byComm = comm === undefined ? undefined : SECRET_TAKING_CLIENTS.get(comm);
  const executable = argv0?.slice(argv0.lastIndexOf('/') + 1);
  return byComm ?? (executable === undefined ? undefined : SECRET_TAKING_CLIENTS.get(executable));
}

function redactArgument(arg: string, client: ClientSecretFlags | undefined): RedactedArgument {
  const byClient = client === undefined ? undefined : redactClientFlag(arg, client);
  if (byClient !== undefined) return byClient;

  const assignment = /^(-{0,2}[A-Za-z_][\w.-]*)=(.*)$/s.exec(arg);
  if (assignment !== null) {
    const [, name = '', value = ''] = assignment;
    const shownValue = isSecretName(name) && value !== '' ? SECRET_MASK : redactText(value);
    return { shown: `${name}=${shownValue}`, nextIs: 'ordinary' };
  }

  const isSecretFlag = /^--?[A-Za-z][\w.-]*$/.test(arg) && !arg.startsWith('--no-') && isSecretName(arg);
  if (isSecretFlag) return { shown: arg, nextIs: 'secret-unless-flag' };

  return { shown: redactText(arg), nextIs: 'ordinary' };
}

function redactClientFlag(arg: string, client: ClientSecretFlags): RedactedArgument | undefined {
  for (const flag of client.valueIsSecret ?? []) {
    if (arg === flag) return { shown: arg, nextIs: 'secret' };
    const attached = splitAttachedValue(arg, flag);
    if (attached !== undefined) return { shown: attached.flagPart + SECRET_MASK, nextIs: 'ordinary' };
  }
  for (const flag of client.valueIsUserPassword ?? []) {
    if (arg === flag) return { shown: arg, nextIs: 'user-password' };
    const attached = splitAttachedValue(arg, flag);
    if (attached !== undefined) return { shown: attached.flagPart + hidePasswordAfterUser(attached.value), nextIs: 'ordinary' };
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
 * An HTTP header argument whose name is secret (`Authorization: Bearer x`, `X-Api-Key: x`).
 * `//` after the colon is a URL (`auth://…`), not a header value.
 */
const HEADER = /^([A-Za-z][\w-]*)(\s*:\s*)(?!\/\/)(.+)$/s;
/** An authentication scheme (`Bearer`, `Basic`, `Digest`) before the credentials. */
const AUTH_SCHEME = /^([A-Za-z][\w-]*\s+)\S/;
/**
 * A URL's user information. The password runs to the last `@` before white space, not to
 * the first `/`: base64 passwords hold `/` and are often pasted unencoded. The cost is that an
 * `@` in a path after a port (`https://host:443/@scope/pkg`) hides `443/`.
 */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/?#]*:)[^ ]+@/gi;
/** A JSON string member, `"key": "value"`. */
const JSON_MEMBER = /("([^"\\]*)"\s*:\s*)"(?:[^"\\]|\\.)*"/g;
/**
 * A `name=value` pair inside an argument: libpq connection strings (`host=db password=x`),
 * URL query strings (`?token=x&…`), comma-separated settings (`a=1,db.password=x`).
 * Quoted values (libpq allows `password='a b'`) are hidden whole.
 */
const EMBEDDED_ASSIGNMENT = /(^|[\s&?;,])([\w.-]+)=('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&;,]+)/g;

/** Redacts the secrets written inside one argument (or inside a flag's attached value). */
function redactText(text: string): string {
  const header = HEADER.exec(text);
  if (header !== null) {
    const [, name = '', separator = '', value = ''] = header;
    if (isSecretName(name)) {
      const scheme = /authorization/i.test(name) ? (AUTH_SCHEME.exec(value)?.[1] ?? '') : '';
      return `${name}${separator}${scheme}${SECRET_MASK}`;
    }
  }
  return text
    .replace(URL_PASSWORD, `$1${SECRET_MASK}@`)
    .replace(JSON_MEMBER, (member: string, keyPart: string, key: string) =>
      isSecretName(key) ? `${keyPart}"${SECRET_MASK}"` : member,
    )
    .replace(EMBEDDED_ASSIGNMENT, (pair: string, separator: string, name: string) =>
      isSecretName(name) ? `${separator}${name}=${SECRET_MASK}` : pair,
    );
}
