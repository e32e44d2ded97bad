/**
 * The forms a secret takes on a command line that netscope hides, each with an example and how
 * it is shown: the README's table of what is redacted is this list, and
 * test/probes/redact-cmdline.test.ts checks every example against redactCommandLine.
 */

/** One form of secret, with an example command line. */
export interface SecretForm {
  /** What the secret looks like, as the README names it. */
  readonly form: string;
  /** A command line holding one. */
  readonly argv: readonly string[];
  /** How netscope shows that command line. */
  readonly shown: string;
}

/** Every form of secret redacted, then the look-alikes that are kept on purpose. */
export const SECRET_FORMS: readonly SecretForm[] = [
  // Flags whose name says the value is secret (secret-names.ts), attached or in the next argument.
  {
    form: 'Flag named password, passwd, pwd, passphrase, secret, credential, cookie, token, auth, authorization, bearer or api-key',
    argv: ['app', '--db-password=hunter2', '--api-key', 'k-123'],
    shown: 'app --db-password=*** --api-key ***',
  },
  {
    form: 'Flag named for a key that is a credential: private, access, signing, encryption or master key',
    argv: ['app', '--private-key=MIIEvQIBADANBgkqhkiG9w0B', '--access-key', 'k-123'],
    shown: 'app --private-key=*** --access-key ***',
  },
  {
    form: 'Flag whose last word is pass, jwt, sig, signature or hmac',
    argv: ['app', '--pass', 'pw', '--jwt', 'x.y.z', '--signature=abc', '--hmac', 'def'],
    shown: 'app --pass *** --jwt *** --signature=*** --hmac ***',
  },
  // Variables and pairs.
  { form: 'Variable named like a secret', argv: ['env', 'AWS_SECRET_ACCESS_KEY=abc', 'app'], shown: 'env AWS_SECRET_ACCESS_KEY=*** app' },
  {
    form: 'Pair inside an argument: connection string, query string, comma-separated settings',
    argv: ['psql', "host=db user=app password='a b'", 'https://h/x?token=abc&page=2', 'a=1,db.password=x'],
    shown: 'psql host=db user=app password=*** https://h/x?token=***&page=2 a=1,db.password=***',
  },
  // URLs.
  { form: 'Password in a URL', argv: ['app', 'postgres://app:pw@db:5432/shop'], shown: 'app postgres://app:***@db:5432/shop' },
  {
    form: 'Password of a proxy given without a scheme',
    argv: ['env', 'http_proxy=user:pw@proxy:3128', 'app', '--proxy', 'user:pw@proxy:3128'],
    shown: 'env http_proxy=user:***@proxy:3128 app --proxy user:***@proxy:3128',
  },
  // HTTP credentials.
  {
    form: 'Authorization header, in one argument or split over several',
    argv: ['curl', '-H', 'Authorization: Bearer abc', '-H', 'Authorization:', 'Bearer', 'abc', 'https://h'],
    shown: 'curl -H Authorization: Bearer *** -H Authorization: Bearer *** https://h',
  },
  { form: 'Header named like a secret', argv: ['curl', '-H', 'X-Api-Key: abc', '-H', 'Cookie: sid=1'], shown: 'curl -H X-Api-Key: *** -H Cookie: ***' },
  {
    form: 'Bearer token anywhere, or in the argument after a lone Bearer',
    argv: ['sh', '-c', 'wget --header="Authorization: Bearer abc" https://h', 'Bearer', 'def'],
    shown: 'sh -c wget --header="Authorization: Bearer ***" https://h Bearer ***',
  },
  { form: 'Basic credentials', argv: ['app', 'Basic dXNlcjpwYXNz'], shown: 'app Basic ***' },
  // JSON.
  {
    form: 'JSON value under a secret key, and every value in an object or array under one',
    argv: ['curl', '-d', '{"password": "pw", "auth": {"user": "a", "pin": 1234}}'],
    shown: 'curl -d {"password": "***", "auth": {"user": "***", "pin": ***}}',
  },
  // Tokens that name themselves (secrets-in-text.ts).
  {
    form: 'JSON Web Token',
    argv: ['app', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl'],
    shown: 'app ***',
  },
  { form: 'AWS access key id (AKIA…, ASIA…)', argv: ['app', 'AKIAIOSFODNN7EXAMPLE'], shown: 'app ***' },
  {
    form: 'GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), GitLab (glpat-), Slack (xoxb-, xoxp-, …), Stripe (sk_live_, rk_live_, …), npm (npm_), Google (AIza) tokens',
    argv: ['app', 'ghp_EXAMPLEexample0123456789abcdefEXAMPL', 'glpat-EXAMPLEexample012345', 'sk_live_EXAMPLEexample0123456'],
    shown: 'app *** *** ***',
  },
  // Clients whose flags are their own.
  { form: 'mysql, mariadb: -pPASSWORD', argv: ['mysql', '-uroot', '-phunter2', 'shop'], shown: 'mysql -uroot -p*** shop' },
  { form: 'redis-cli -a, sshpass -p', argv: ['redis-cli', '-a', 'pw', 'ping'], shown: 'redis-cli -a *** ping' },
  { form: 'curl -u user:password, -x proxy', argv: ['curl', '-u', 'alice:pw', '-x', 'bob:pw@proxy:3128', 'https://h'], shown: 'curl -u alice:*** -x bob:***@proxy:3128 https://h' },
  {
    form: 'openssl -passin/-passout/-pass pass:PASSWORD, -k PASSWORD',
    argv: ['openssl', 'enc', '-aes256', '-pass', 'pass:pw', '-k', 'pw2'],
    shown: 'openssl enc -aes256 -pass pass:*** -k ***',
  },
  // Look-alikes kept on purpose.
  {
    form: 'Kept: names of files, paths, directories, modes, types and methods',
    argv: ['kube-apiserver', '--token-auth-file=/etc/k/t.csv', '--authorization-mode=Node,RBAC'],
    shown: 'kube-apiserver --token-auth-file=/etc/k/t.csv --authorization-mode=Node,RBAC',
  },
  {
    form: 'Kept: a file given to a key flag',
    argv: ['app', '--private-key', '/etc/ssl/key.pem', 'SIGNING_KEY=./signing.pem'],
    shown: 'app --private-key /etc/ssl/key.pem SIGNING_KEY=./signing.pem',
  },
  { form: 'Kept: openssl passwords read from env:, file:, fd: or stdin', argv: ['openssl', 'rsa', '-passin', 'env:PW'], shown: 'openssl rsa -passin env:PW' },
  { form: 'Kept: flags that take no secret elsewhere (curl -k, sort -k, ssh -i)', argv: ['curl', '-k', 'https://h'], shown: 'curl -k https://h' },
];
