import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  isSecretName,
  redactCommandLine,
  SECRET_NAME_PATTERN,
} from '../../src/probes/redact-cmdline.js';

interface Case {
  name: string;
  argv: string[];
  comm?: string;
  shown: string;
}

function checkAll(cases: readonly Case[]): void {
  for (const { name, argv, comm, shown } of cases) {
    test(name, () => {
      assert.equal(redactCommandLine(argv, comm === undefined ? {} : { comm }), shown);
    });
  }
}

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
