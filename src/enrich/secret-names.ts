/**
 * Which names say that a value is a secret: of flags (`--db-token`), variables (`DB_PASSWORD=`),
 * HTTP headers (`X-Api-Key:`) and JSON keys (`"password":`). Shared by the command-line rules
 * (redact-cmdline.ts) and the ones inside an argument (secrets-in-text.ts).
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
 * the password/token family for the same reason; so do the keys that are credentials
 * (`--private-key`, `--access-key`, `AWS_ACCESS_KEY_ID`, `--signing-key`), while a bare `key`
 * (`sort --key 2`, `--key-file`) is not one.
 *
 * Short words count only as the whole last word of the name: `pass` (`--pass`, `SMTP_PASS`, but
 * not `--bypass` or `--passes`), `jwt` (`--jwt`, not `--jwt-issuer`), `sig` and `signature`
 * (`--sig`, `X-Amz-Signature`, an Azure `?sig=`, not `--signal` or `--signature-version`) and
 * `hmac` (not `--hmac-algorithm`).
 */
export const SECRET_NAME_PATTERN =
  /password|passwd|passphrase|pwd|secret|credential|cookie|bearer|api[-_]?key|(?:private|access|signing|encryption|master)[-_.]?key|authorization|token(?![a-z])|auth(?![a-z])|(?<![a-z])(?:pass|jwt|sig|signature|hmac)$/i;

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
