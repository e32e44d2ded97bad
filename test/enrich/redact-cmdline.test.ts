import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { redactCommandLine } from '../../src/enrich/redact-cmdline.js';
import { SECRET_FORMS } from '../../src/enrich/secret-forms.js';
import { isSecretName, SECRET_NAME_PATTERN } from '../../src/enrich/secret-names.js';

interface Case {
  name: string;
  argv: readonly string[];
  comm?: string;
  /** The last element was cut by the command-line cap. */
  cut?: boolean;
  shown: string;
}

function checkAll(cases: readonly Case[]): void {
  for (const { name, argv, comm, cut, shown } of cases) {
    test(name, () => {
      assert.equal(redactCommandLine(argv, { ...(comm === undefined ? {} : { comm }), lastArgumentCut: cut === true }), shown);
    });
  }
}

describe('every form the README lists', () => {
  checkAll(SECRET_FORMS.map(({ form, argv, shown }) => ({ name: form, argv, shown })));
});

describe('redacts flag values by name', () => {
  checkAll([
    { name: '--flag=value', argv: ['app', '--db-token=abc123'], shown: 'app --db-token=***' },
    { name: '--flag value', argv: ['app', '--db-token', 'abc123', '--port', '80'], shown: 'app --db-token *** --port 80' },
    { name: 'single-dash long flag', argv: ['keytool', '-password', 'changeit'], shown: 'keytool -password ***' },
    { name: 'passwd', argv: ['app', '--passwd=x'], shown: 'app --passwd=***' },
    { name: 'pwd', argv: ['app', '--db-pwd', 'x'], shown: 'app --db-pwd ***' },
    { name: 'secret', argv: ['app', '--client-secret=x'], shown: 'app --client-secret=***' },
    { name: 'apikey', argv: ['app', '--apikey', 'x'], shown: 'app --apikey ***' },
    { name: 'api-key', argv: ['app', '--api-key=x'], shown: 'app --api-key=***' },
    { name: 'api_key', argv: ['app', '--api_key=x'], shown: 'app --api_key=***' },
    { name: 'credential', argv: ['app', '--credentials', 'x'], shown: 'app --credentials ***' },
    { name: 'case-insensitive', argv: ['app', '--DB-PASSWORD=x'], shown: 'app --DB-PASSWORD=***' },
    { name: 'auth alone', argv: ['app', '--auth=u:p'], shown: 'app --auth=***' },
    { name: 'auth-token', argv: ['app', '--auth-token', 'x'], shown: 'app --auth-token ***' },
    { name: 'basic-auth', argv: ['app', '--basic-auth=u:p'], shown: 'app --basic-auth=***' },
    { name: 'oauth', argv: ['app', '--oauth=x'], shown: 'app --oauth=***' },
    { name: 'authorization', argv: ['app', '--authorization', 'x'], shown: 'app --authorization ***' },
    { name: 'passphrase', argv: ['gpg', '--passphrase', 'x'], shown: 'gpg --passphrase ***' },
    { name: 'Java system property', argv: ['java', '-Djavax.net.ssl.keyStorePassword=x'], shown: 'java -Djavax.net.ssl.keyStorePassword=***' },
    { name: 'secret value containing =', argv: ['app', '--token=YWJj=='], shown: 'app --token=***' },
    { name: 'next flag is not the value (boolean --auth)', argv: ['mongod', '--auth', '--port', '27017'], shown: 'mongod --auth --port 27017' },
    { name: 'next short flag is not the value', argv: ['app', '--token', '-v'], shown: 'app --token -v' },
    { name: 'value starting with a dash is still hidden', argv: ['app', '--token', '-x9#k'], shown: 'app --token ***' },
    { name: 'secret flag last: nothing to hide', argv: ['app', '--password'], shown: 'app --password' },
    { name: 'empty attached value stays', argv: ['app', '--password='], shown: 'app --password=' },
  ]);
});

describe('redacts known clients', () => {
  checkAll([
    { name: 'mysql -pSECRET', argv: ['mysql', '-uroot', '-phunter2', 'shop'], shown: 'mysql -uroot -p*** shop' },
    { name: 'mysql -p alone prompts: next is the database', argv: ['mysql', '-p', 'shop'], shown: 'mysql -p shop' },
    { name: 'mysql --password NAME prompts', argv: ['mysql', '--password', 'shop'], shown: 'mysql --password shop' },
    { name: 'mysql --password=x', argv: ['mysql', '--password=x'], shown: 'mysql --password=***' },
    { name: 'mysqldump', argv: ['/usr/bin/mysqldump', '-pS3cr3t', 'db'], shown: '/usr/bin/mysqldump -p*** db' },
    { name: 'mariadb', argv: ['mariadb', '-pS'], shown: 'mariadb -p***' },
    { name: 'known by comm when argv[0] was rewritten', argv: ['client', '-pS'], comm: 'mysql', shown: 'client -p***' },
    { name: 'mysql --port is not -p', argv: ['mysql', '--port=3306', '-P3306'], shown: 'mysql --port=3306 -P3306' },
    { name: 'psql -p is the port', argv: ['psql', '-p5432', '-p', '5433', 'db'], shown: 'psql -p5432 -p 5433 db' },
    { name: 'pg_dump --password prompts', argv: ['pg_dump', '--password', 'db'], shown: 'pg_dump --password db' },
    { name: 'psql connection string', argv: ['psql', 'host=db user=app password=x dbname=shop'], shown: 'psql host=db user=app password=*** dbname=shop' },
    { name: "psql quoted password", argv: ['psql', "host=db password='a b' dbname=shop"], shown: 'psql host=db password=*** dbname=shop' },
    { name: 'redis-cli -a x', argv: ['redis-cli', '-h', 'cache', '-a', 'x', 'ping'], shown: 'redis-cli -h cache -a *** ping' },
    { name: 'redis-cli --pass x', argv: ['redis-cli', '--pass', 'x'], shown: 'redis-cli --pass ***' },
    { name: 'redis-cli -a value starting with --', argv: ['redis-cli', '-a', '--x'], shown: 'redis-cli -a ***' },
    { name: 'sshpass -p x', argv: ['sshpass', '-p', 'x', 'ssh', 'host'], shown: 'sshpass -p *** ssh host' },
    { name: 'curl -u user:pass', argv: ['curl', '-u', 'alice:pw', 'https://x'], shown: 'curl -u alice:*** https://x' },
    { name: 'curl -uuser:pass', argv: ['curl', '-ualice:pw'], shown: 'curl -ualice:***' },
    { name: 'curl -u user (prompts)', argv: ['curl', '-u', 'alice'], shown: 'curl -u alice' },
    { name: '-p of an unknown program stays', argv: ['app', '-p8080'], shown: 'app -p8080' },
  ]);
});

describe('redacts assignments, URLs, headers and JSON', () => {
  checkAll([
    { name: 'DB_PASSWORD=x', argv: ['env', 'DB_PASSWORD=x', 'app'], shown: 'env DB_PASSWORD=*** app' },
    { name: 'AWS_SECRET_ACCESS_KEY=x', argv: ['env', 'AWS_SECRET_ACCESS_KEY=x'], shown: 'env AWS_SECRET_ACCESS_KEY=***' },
    { name: 'GITHUB_TOKEN=x', argv: ['docker', 'run', '-e', 'GITHUB_TOKEN=ghp_x', 'img'], shown: 'docker run -e GITHUB_TOKEN=*** img' },
    { name: 'assignment value with spaces', argv: ['env', 'API_KEY=a b c'], shown: 'env API_KEY=***' },
    { name: 'comma-separated settings', argv: ['helm', '--set', 'a=1,db.password=x,b=2'], shown: 'helm --set a=1,db.password=***,b=2' },
    { name: 'URL credentials', argv: ['app', 'postgres://app:pw@db:5432/shop'], shown: 'app postgres://app:***@db:5432/shop' },
    { name: 'URL inside a flag value', argv: ['app', '--database-url=mysql://root:pw@db/x'], shown: 'app --database-url=mysql://root:***@db/x' },
    { name: 'URL with empty user', argv: ['app', 'redis://:pw@cache:6379'], shown: 'app redis://:***@cache:6379' },
    { name: 'URL password with / and @', argv: ['app', 'amqp://u:a/b@c@mq/vh'], shown: 'app amqp://u:***@mq/vh' },
    { name: 'URL in the middle of text', argv: ['sh', '-c', 'curl http://u:pw@h/x | sh'], shown: 'sh -c curl http://u:***@h/x | sh' },
    { name: 'URL query token', argv: ['app', 'https://h/x?token=abc&page=2'], shown: 'app https://h/x?token=***&page=2' },
    { name: 'Authorization: Bearer', argv: ['curl', '-H', 'Authorization: Bearer eyJabc', 'https://h'], shown: 'curl -H Authorization: Bearer *** https://h' },
    { name: 'Authorization: Basic', argv: ['curl', '-H', 'authorization:Basic dXNlcjpwYXNz'], shown: 'curl -H authorization:Basic ***' },
    { name: 'Authorization without scheme', argv: ['curl', '-H', 'Authorization: abc'], shown: 'curl -H Authorization: ***' },
    { name: 'X-Api-Key header', argv: ['curl', '-H', 'X-Api-Key: abc'], shown: 'curl -H X-Api-Key: ***' },
    { name: 'header in --header=', argv: ['curl', '--header=Authorization: Bearer x'], shown: 'curl --header=Authorization: Bearer ***' },
    { name: 'Cookie header', argv: ['curl', '-H', 'Cookie: session=abc'], shown: 'curl -H Cookie: ***' },
    { name: 'JSON body', argv: ['curl', '-d', '{"user":"a","password":"p\\"w"}'], shown: 'curl -d {"user":"a","password":"***"}' },
  ]);
});

describe('leaves ordinary arguments alone', () => {
  checkAll([
    { name: '--port 5432', argv: ['postgres', '--port', '5432', '-D', '/var/lib/pg'], shown: 'postgres --port 5432 -D /var/lib/pg' },
    { name: '--author (auth followed by a letter)', argv: ['git', 'commit', '--author', 'Ann <a@x>'], shown: 'git commit --author Ann <a@x>' },
    { name: '--authority', argv: ['grpcurl', '--authority', 'api.internal'], shown: 'grpcurl --authority api.internal' },
    { name: '--max-tokens', argv: ['llm', '--max-tokens', '512', '--tokenizer=bpe'], shown: 'llm --max-tokens 512 --tokenizer=bpe' },
    { name: 'file flags show the path', argv: ['kube-apiserver', '--token-auth-file=/etc/k/t.csv', '--password-file', '/run/s'], shown: 'kube-apiserver --token-auth-file=/etc/k/t.csv --password-file /run/s' },
    { name: '--authorization-mode', argv: ['kube-apiserver', '--authorization-mode=Node,RBAC'], shown: 'kube-apiserver --authorization-mode=Node,RBAC' },
    { name: '_FILE variables', argv: ['env', 'POSTGRES_PASSWORD_FILE=/run/secrets/db'], shown: 'env POSTGRES_PASSWORD_FILE=/run/secrets/db' },
    { name: '--no-password takes no value', argv: ['psql', '--no-password', 'shop'], shown: 'psql --no-password shop' },
    { name: 'URL without credentials', argv: ['curl', 'https://registry.npmjs.org/@types/node'], shown: 'curl https://registry.npmjs.org/@types/node' },
    { name: 'ssh user@host', argv: ['ssh', 'git@github.com', 'host:22'], shown: 'ssh git@github.com host:22' },
    { name: 'ordinary assignment', argv: ['make', 'CC=gcc', 'key=value'], shown: 'make CC=gcc key=value' },
    { name: 'ordinary header', argv: ['curl', '-H', 'Accept: application/json'], shown: 'curl -H Accept: application/json' },
    { name: 'nginx title', argv: ['nginx: master process /usr/sbin/nginx -g daemon off;'], shown: 'nginx: master process /usr/sbin/nginx -g daemon off;' },
    { name: 'empty argv', argv: [], shown: '' },
  ]);
});

describe('control characters', () => {
  checkAll([
    { name: 'a secret split by a control character is still hidden', argv: ['app', 'redis://:p\nw@h'], shown: 'app redis://:***@h' },
  ]);
});

describe('secret names', () => {
  const secret = ['password', 'DB_PASSWD', 'MYSQL_PWD', 'client_secret', 'x-auth-token', 'auth', 'oauth2', 'API-KEY', 'GITHUB_TOKEN', 'cookie'];
  const ordinary = ['author', 'authority', 'authenticate', 'max-tokens', 'tokenizer', 'port', 'user', 'key', 'token-file', 'auth-mode'];
  for (const name of secret) test(`${name} is secret`, () => assert.ok(isSecretName(name)));
  for (const name of ordinary) test(`${name} is not`, () => assert.ok(!isSecretName(name)));

  test('the pattern is case-insensitive and unanchored', () => {
    assert.ok(SECRET_NAME_PATTERN.flags.includes('i'));
    assert.ok(SECRET_NAME_PATTERN.test('--MY-DB-PASSWORD'));
  });
});

/** A JWT as issued (HS256 header, `{"sub":"1"}` payload). */
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('redacts bearer, JWT, key, pass, signature and HMAC flags', () => {
  checkAll([
    { name: '--bearer x', argv: ['app', '--bearer', 'abc'], shown: 'app --bearer ***' },
    { name: '--jwt x', argv: ['app', '--jwt', JWT], shown: 'app --jwt ***' },
    { name: '--private-key=inline', argv: ['app', '--private-key=MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'], shown: 'app --private-key=***' },
    { name: '--access-key x', argv: ['app', '--access-key', 'abc'], shown: 'app --access-key ***' },
    { name: 'AWS_ACCESS_KEY_ID=', argv: ['env', 'AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE'], shown: 'env AWS_ACCESS_KEY_ID=***' },
    { name: '--pass x', argv: ['app', '--pass', 'pw'], shown: 'app --pass ***' },
    { name: 'SMTP_PASS=x', argv: ['env', 'SMTP_PASS=pw'], shown: 'env SMTP_PASS=***' },
    { name: '--sig x', argv: ['app', '--sig', 'abc'], shown: 'app --sig ***' },
    { name: '--signature=x', argv: ['app', '--signature=abc'], shown: 'app --signature=***' },
    { name: '--hmac x', argv: ['app', '--hmac', 'abc'], shown: 'app --hmac ***' },
    { name: 'presigned S3 URL', argv: ['curl', 'https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F&X-Amz-Signature=abc'], shown: 'curl https://b.s3.amazonaws.com/k?X-Amz-Credential=***&X-Amz-Signature=***' },
    { name: 'Azure SAS sig=', argv: ['azcopy', 'https://a.blob.core.windows.net/c?sv=2022&sig=abc%3D'], shown: 'azcopy https://a.blob.core.windows.net/c?sv=2022&sig=***' },
  ]);
});

describe('redacts openssl pass phrase arguments', () => {
  checkAll([
    { name: '-passin pass:x', argv: ['openssl', 'rsa', '-in', 'k.pem', '-passin', 'pass:pw'], shown: 'openssl rsa -in k.pem -passin pass:***' },
    { name: '-passout pass:x', argv: ['openssl', 'genrsa', '-aes256', '-passout', 'pass:pw'], shown: 'openssl genrsa -aes256 -passout pass:***' },
    { name: '-passin env: stays', argv: ['openssl', 'rsa', '-passin', 'env:KEY_PW'], shown: 'openssl rsa -passin env:KEY_PW' },
    { name: '-passin file: stays', argv: ['openssl', 'rsa', '-passin', 'file:/run/pw'], shown: 'openssl rsa -passin file:/run/pw' },
    { name: '-passin fd: stays', argv: ['openssl', 'rsa', '-passin', 'fd:3'], shown: 'openssl rsa -passin fd:3' },
    { name: '-passin stdin stays', argv: ['openssl', 'rsa', '-passin', 'stdin'], shown: 'openssl rsa -passin stdin' },
    { name: 'a bare password after -passin is hidden', argv: ['openssl', 'rsa', '-passin', 'pw'], shown: 'openssl rsa -passin ***' },
    { name: 'pkcs12 -password pass:x', argv: ['openssl', 'pkcs12', '-export', '-password', 'pass:pw'], shown: 'openssl pkcs12 -export -password pass:***' },
    { name: 'enc -k x', argv: ['openssl', 'enc', '-aes-256-cbc', '-k', 'pw', '-in', 'f'], shown: 'openssl enc -aes-256-cbc -k *** -in f' },
    { name: '-kfile is its own flag', argv: ['openssl', 'enc', '-kfile', '/run/pw'], shown: 'openssl enc -kfile /run/pw' },
    { name: '-key is not -k with "ey"', argv: ['openssl', 'req', '-key', 'key.pem', '-new'], shown: 'openssl req -key key.pem -new' },
  ]);
});

describe('redacts tokens that name themselves', () => {
  checkAll([
    { name: 'bare JWT', argv: ['app', JWT], shown: 'app ***' },
    { name: 'JWT in a query string', argv: ['curl', `https://h/cb?code=${JWT}&state=1`], shown: 'curl https://h/cb?code=***&state=1' },
    { name: 'encrypted JWT (five parts)', argv: ['app', `${JWT}.aXY.dGFn`], shown: 'app ***' },
    { name: 'AWS access key id', argv: ['aws-tool', 'AKIAIOSFODNN7EXAMPLE'], shown: 'aws-tool ***' },
    { name: 'AWS temporary key id in text', argv: ['sh', '-c', 'use ASIAIOSFODNN7EXAMPLE now'], shown: 'sh -c use *** now' },
    { name: 'GitHub ghp_', argv: ['git', 'clone', 'https://ghp_EXAMPLEexample0123456789abcdefEXAMPL@github.com/o/r'], shown: 'git clone https://***@github.com/o/r' },
    { name: 'GitHub gho_', argv: ['app', 'gho_EXAMPLEexample0123456789abcdefEXAMPL'], shown: 'app ***' },
    { name: 'GitHub github_pat_', argv: ['app', 'github_pat_11EXAMPLE0_EXAMPLEexampleEXAMPLEexample'], shown: 'app ***' },
    { name: 'GitLab glpat-', argv: ['app', 'glpat-EXAMPLEexample012345'], shown: 'app ***' },
    { name: 'Slack xoxb-', argv: ['app', 'xoxb-1234567890-1234567890123-EXAMPLEexample'], shown: 'app ***' },
    { name: 'Slack xoxp-', argv: ['app', 'xoxp-1234567890-1234567890123-EXAMPLEexample'], shown: 'app ***' },
    { name: 'Stripe sk_live_', argv: ['app', 'sk_live_EXAMPLEexample0123456'], shown: 'app ***' },
    { name: 'Stripe rk_live_', argv: ['app', 'rk_live_EXAMPLEexample0123456'], shown: 'app ***' },
    { name: 'npm_', argv: ['app', 'npm_EXAMPLEexample0123456789abcdefEXAMP'], shown: 'app ***' },
    { name: 'a token after a colon', argv: ['app', 'auth:ghp_EXAMPLEexample0123456789abcdefEXAMPL'], shown: 'app auth:***' },
  ]);
});

describe('redacts proxies given without a scheme', () => {
  checkAll([
    { name: 'http_proxy=user:pw@proxy:3128', argv: ['env', 'http_proxy=user:pw@proxy:3128', 'app'], shown: 'env http_proxy=user:***@proxy:3128 app' },
    { name: 'HTTPS_PROXY with a scheme', argv: ['env', 'HTTPS_PROXY=http://user:pw@proxy:3128'], shown: 'env HTTPS_PROXY=http://user:***@proxy:3128' },
    { name: 'git -c http.proxy=', argv: ['git', '-c', 'http.proxy=user:pw@proxy:3128', 'fetch'], shown: 'git -c http.proxy=user:***@proxy:3128 fetch' },
    { name: '--proxy user:pw@host', argv: ['pip', 'install', '--proxy', 'user:pw@proxy:3128', 'x'], shown: 'pip install --proxy user:***@proxy:3128 x' },
    { name: 'curl -x', argv: ['curl', '-x', 'user:pw@proxy:3128', 'https://h'], shown: 'curl -x user:***@proxy:3128 https://h' },
    { name: 'curl --proxy=', argv: ['curl', '--proxy=user:pw@proxy:3128', 'https://h'], shown: 'curl --proxy=user:***@proxy:3128 https://h' },
    { name: 'password with @', argv: ['env', 'all_proxy=u:p@ss@proxy:1080'], shown: 'env all_proxy=u:***@proxy:1080' },
    { name: 'a proxy without credentials stays', argv: ['env', 'http_proxy=proxy:3128', 'no_proxy=localhost'], shown: 'env http_proxy=proxy:3128 no_proxy=localhost' },
  ]);
});

describe('redacts HTTP credentials over one, two, three or four arguments', () => {
  checkAll([
    { name: 'two: -H "Authorization: Bearer x"', argv: ['curl', '-H', 'Authorization: Bearer abc', 'https://h'], shown: 'curl -H Authorization: Bearer *** https://h' },
    { name: 'three: Authorization: | Bearer x', argv: ['curl', '-H', 'Authorization:', 'Bearer abc', 'https://h'], shown: 'curl -H Authorization: Bearer *** https://h' },
    { name: 'four: Authorization: | Bearer | x', argv: ['curl', '-H', 'Authorization:', 'Bearer', 'abc', 'https://h'], shown: 'curl -H Authorization: Bearer *** https://h' },
    { name: 'Authorization: Bearer | x', argv: ['curl', '-H', 'Authorization: Bearer', 'abc'], shown: 'curl -H Authorization: Bearer ***' },
    { name: 'Authorization: | x (no scheme)', argv: ['curl', '-H', 'Authorization:', 'abc'], shown: 'curl -H Authorization: ***' },
    { name: 'X-Api-Key: | x', argv: ['curl', '-H', 'X-Api-Key:', 'abc', 'https://h'], shown: 'curl -H X-Api-Key: *** https://h' },
    { name: 'lone Bearer, token next', argv: ['app', 'Bearer', 'abc'], shown: 'app Bearer ***' },
    { name: 'Bearer x in one argument', argv: ['app', 'Bearer abc'], shown: 'app Bearer ***' },
    { name: 'bearer in lower case', argv: ['app', 'bearer abc'], shown: 'app bearer ***' },
    { name: 'Basic base64', argv: ['app', 'Basic dXNlcjpwYXNz'], shown: 'app Basic ***' },
    { name: 'lone Basic, credentials next', argv: ['app', 'Basic', 'dXNlcjpwYXNz'], shown: 'app Basic ***' },
    { name: 'Authorization inside a shell command', argv: ['sh', '-c', "curl -H 'Authorization: token abc' https://h"], shown: "sh -c curl -H 'Authorization: token ***' https://h" },
    { name: 'a lone Bearer before a flag', argv: ['app', 'Bearer', '--verbose'], shown: 'app Bearer --verbose' },
  ]);
});

describe('redacts JSON however it is spaced or nested', () => {
  checkAll([
    { name: 'space after the colon', argv: ['curl', '-d', '{"password": "pw"}'], shown: 'curl -d {"password": "***"}' },
    { name: 'spaces and newlines around the colon', argv: ['curl', '-d', '{"password"\n :\t"pw"}'], shown: 'curl -d {"password"\n :\t"***"}' },
    { name: 'nested under an ordinary key', argv: ['curl', '-d', '{"db": {"host": "h", "password": "pw"}}'], shown: 'curl -d {"db": {"host": "h", "password": "***"}}' },
    { name: 'every value under a secret key', argv: ['curl', '-d', '{"credentials": {"user": "a", "key": "b", "n": [1, "c"]}, "x": "y"}'], shown: 'curl -d {"credentials": {"user": "***", "key": "***", "n": [***, "***"]}, "x": "y"}' },
    { name: 'a number', argv: ['curl', '-d', '{"password": 1234, "port": 80}'], shown: 'curl -d {"password": ***, "port": 80}' },
    { name: 'an array of secrets', argv: ['curl', '-d', '{"passwords": ["a", "b"]}'], shown: 'curl -d {"passwords": ["***", "***"]}' },
    { name: 'escaped quotes', argv: ['curl', '-d', '{"token": "a\\"b", "n": "c\\"d"}'], shown: 'curl -d {"token": "***", "n": "c\\"d"}' },
    { name: 'an ordinary key after a hidden object', argv: ['curl', '-d', '{"auth": {"u": "a"}, "user": "bob"}'], shown: 'curl -d {"auth": {"u": "***"}, "user": "bob"}' },
  ]);
});

describe('keeps what only looks like a secret', () => {
  checkAll([
    { name: 'curl -k keeps the URL', argv: ['curl', '-k', 'https://h/x'], shown: 'curl -k https://h/x' },
    { name: 'sort --key 2', argv: ['sort', '--key', '2', 'f'], shown: 'sort --key 2 f' },
    { name: 'sort -k 2', argv: ['sort', '-k', '2', 'f'], shown: 'sort -k 2 f' },
    { name: 'ssh -i path', argv: ['ssh', '-i', '~/.ssh/id_rsa', 'host'], shown: 'ssh -i ~/.ssh/id_rsa host' },
    { name: '--private-key /path', argv: ['app', '--private-key', '/etc/ssl/private/key.pem'], shown: 'app --private-key /etc/ssl/private/key.pem' },
    { name: '--private-key=./path', argv: ['app', '--private-key=./key.pem'], shown: 'app --private-key=./key.pem' },
    { name: '--private-key ~/path', argv: ['app', '--private-key', '~/.ssh/id_ed25519'], shown: 'app --private-key ~/.ssh/id_ed25519' },
    { name: '--api-key file.txt', argv: ['app', '--api-key', 'api.key'], shown: 'app --api-key api.key' },
    { name: '--key-file', argv: ['app', '--key-file', '/k'], shown: 'app --key-file /k' },
    { name: '--cert-key=/path', argv: ['app', '--cert-key=/etc/k.pem'], shown: 'app --cert-key=/etc/k.pem' },
    { name: '--private-key-file', argv: ['app', '--private-key-file=/etc/k.pem'], shown: 'app --private-key-file=/etc/k.pem' },
    { name: 'a base64 key starting with / is still hidden', argv: ['app', '--private-key', '/Zk3+xQ9aB=='], shown: 'app --private-key ***' },
    { name: 'a path given to a password is still hidden', argv: ['app', '--password', '/etc/pw'], shown: 'app --password ***' },
    { name: '--bypass, --passes, --signal', argv: ['app', '--bypass', 'x', '--passes', '3', '--signal', 'TERM'], shown: 'app --bypass x --passes 3 --signal TERM' },
    { name: '--jwt-issuer, --hmac-algorithm, --signature-version', argv: ['app', '--jwt-issuer', 'https://i', '--hmac-algorithm', 'sha256', '--signature-version', '4'], shown: 'app --jwt-issuer https://i --hmac-algorithm sha256 --signature-version 4' },
    { name: '--no-proxy', argv: ['app', '--no-proxy', 'localhost'], shown: 'app --no-proxy localhost' },
    { name: 'Basic in a sentence', argv: ['git', 'commit', '-m', 'Basic auth support'], shown: 'git commit -m Basic auth support' },
    { name: 'short token-like words', argv: ['app', 'ghp_config', 'AKIA', 'sk_live_x'], shown: 'app ghp_config AKIA sk_live_x' },
    { name: 'a JWT header alone', argv: ['app', 'eyJhbGciOiJIUzI1NiJ9'], shown: 'app eyJhbGciOiJIUzI1NiJ9' },
    { name: 'a token prefix inside a word', argv: ['app', 'xAKIAIOSFODNN7EXAMPLE'], shown: 'app xAKIAIOSFODNN7EXAMPLE' },
  ]);
});

describe('hides a secret the command-line cap cut short', () => {
  checkAll([
    { name: 'URL password before its @', argv: ['app', 'postgres://u:secr'], cut: true, shown: 'app postgres://u:***' },
    { name: 'URL password cut after an @ inside it', argv: ['app', 'postgres://u:p@ss'], cut: true, shown: 'app postgres://u:***' },
    { name: 'URL cut in the user name', argv: ['app', 'postgres://us'], cut: true, shown: 'app postgres://us' },
    { name: 'an earlier URL in the argument keeps its host', argv: ['sh', '-c', 'a http://u:p@h/ b http://v:q'], cut: true, shown: 'sh -c a http://u:***@h/ b http://v:***' },
    { name: 'flag value', argv: ['app', '--password', 'hun'], cut: true, shown: 'app --password ***' },
    { name: 'attached flag value', argv: ['app', '--password=hun'], cut: true, shown: 'app --password=***' },
    { name: 'JSON string', argv: ['curl', '-d', '{"password": "hun'], cut: true, shown: 'curl -d {"password": "***' },
    { name: 'quoted pair', argv: ['psql', "host=db password='a b"], cut: true, shown: 'psql host=db password=***' },
    { name: 'proxy', argv: ['env', 'http_proxy=user:pw'], cut: true, shown: 'env http_proxy=user:***' },
    { name: 'token', argv: ['app', 'ghp_EXAMP'], cut: true, shown: 'app ***' },
    { name: 'AWS key id', argv: ['app', 'AKIAIOSF'], cut: true, shown: 'app ***' },
    { name: 'JWT', argv: ['app', 'eyJhbGciOiJIUzI1'], cut: true, shown: 'app ***' },
    { name: 'header', argv: ['curl', '-H', 'Authorization: Bea'], cut: true, shown: 'curl -H Authorization: ***' },
    { name: 'curl -u', argv: ['curl', '-u', 'alice:p'], cut: true, shown: 'curl -u alice:***' },
    { name: 'only the last argument is cut', argv: ['app', 'postgres://u:secr', 'x'], cut: true, shown: 'app postgres://u:secr x' },
  ]);
});

describe('costs time linear in the argument’s length', () => {
  const MEBIBYTE = 1 << 20;
  /** The old patterns took 8 s at 100k characters; linear ones take a few milliseconds a MiB. */
  const BOUND_MS = 200;
  /** Units repeated to 1 MiB, each driving some rule into its longest scan or its most attempts. */
  const SHAPES: Record<string, string> = {
    letters: 'a',
    'a: repeats': 'a:',
    ':// repeats': '://',
    'a://b: repeats': 'a://b:',
    '@ repeats': '@',
    'a:b@ repeats': 'a:b@',
    '=& repeats': '=&',
    'a= repeats': 'a=',
    "&a=' repeats": "&a='",
    '" repeats': '"',
    '\\" repeats': '\\"',
    '"a": repeats': '"a":',
    'JSON-like nesting': '{"password":[',
    'eyJa. repeats': 'eyJa.',
    'eyJ- repeats': 'eyJ-',
    'AKIA@ repeats': 'AKIA@',
    'ghp_ repeats': 'ghp_',
    'Bearer repeats': 'Bearer ',
    'authorization: repeats': 'authorization: ',
    'spaces': ' ',
    'dashes': '-',
    'slashes': '/',
  };
  /** Starts that put the scanners inside a secret before the repeats begin. */
  const OPENINGS = ['', 'postgres://u:', '{"password": "', "host=db password='", 'Authorization: Bearer ', 'eyJhbGciOiJIUzI1NiJ9.'];

  /**
   * CPU time rather than wall time, and the fastest of up to three runs, so a loaded machine
   * (the kernel tests run beside these) does not fail a linear call; a super-linear one takes
   * seconds every time.
   */
  function fastestCpuMilliseconds(work: () => void): number {
    let fastest = Infinity;
    for (let run = 0; run < 3 && fastest >= BOUND_MS; run++) {
      const before = process.cpuUsage();
      work();
      const used = process.cpuUsage(before);
      fastest = Math.min(fastest, (used.user + used.system) / 1000);
    }
    return fastest;
  }

  function checkLinear(body: string): void {
    for (const opening of OPENINGS) {
      for (const lastArgumentCut of [false, true]) {
        const argv = ['app', opening + body];
        const milliseconds = fastestCpuMilliseconds(() => redactCommandLine(argv, { lastArgumentCut }));
        assert.ok(milliseconds < BOUND_MS, `${JSON.stringify(opening)} + 1 MiB took ${milliseconds.toFixed(0)} ms (cut: ${lastArgumentCut})`);
      }
    }
  }

  for (const [name, unit] of Object.entries(SHAPES)) {
    test(`1 MiB of ${name}`, () => checkLinear(unit.repeat(Math.ceil(MEBIBYTE / unit.length)).slice(0, MEBIBYTE)));
  }

  /** Small deterministic generator (mulberry32), so a failure can be replayed from its seed. */
  function randomGenerator(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
      mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
      return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
    };
  }
  const PIECES = ['a', 'Z', '9', ':', '/', '://', '@', '=', '&', '?', ',', ';', '"', "'", '\\', ' ', '{', '}', '[', ']', '.', '-', '_', 'eyJ', 'AKIA', 'ghp_', 'password', 'Bearer ', 'authorization:'];
  for (const seed of [1, 2, 3]) {
    test(`1 MiB of random pieces (seed ${seed})`, () => {
      const random = randomGenerator(seed);
      const pieces: string[] = [];
      for (let length = 0; length < MEBIBYTE; ) {
        const piece = PIECES[Math.floor(random() * PIECES.length)] ?? 'a';
        pieces.push(piece);
        length += piece.length;
      }
      checkLinear(pieces.join('').slice(0, MEBIBYTE));
    });
  }
});
