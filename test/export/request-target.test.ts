import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requestPath } from '../../src/export/request-target.js';

describe('requestPath', () => {
  test('reads the path of an origin-form target, without its query', () => {
    assert.equal(requestPath('/metrics'), '/metrics');
    assert.equal(requestPath('/metrics?name[]=up&x=%zz'), '/metrics');
    assert.equal(requestPath('/metrics?'), '/metrics');
    assert.equal(requestPath('/'), '/');
    assert.equal(requestPath('/a/b;c=d/e@f:g'), '/a/b;c=d/e@f:g');
  });

  test('leaves percent escapes as they are', () => {
    assert.equal(requestPath('/%6Detrics'), '/%6Detrics');
    assert.equal(requestPath('/metrics%2F'), '/metrics%2F');
  });

  test('takes paths that start with two slashes as paths, not as an authority', () => {
    assert.equal(requestPath('//user@/'), '//user@/');
    assert.equal(requestPath('//x:99999/'), '//x:99999/');
    assert.equal(requestPath('//metrics'), '//metrics');
  });

  test('reads absolute-form targets, whatever their host', () => {
    assert.equal(requestPath('http://127.0.0.1:9464/metrics'), '/metrics');
    assert.equal(requestPath('HTTP://node-a.example/metrics?x=1'), '/metrics');
    assert.equal(requestPath('http://[::1]:9464/metrics'), '/metrics');
    assert.equal(requestPath('https://node-a/'), '/');
    assert.equal(requestPath('http://node-a'), '/');
    assert.equal(requestPath('http://node-a:'), '/');
  });

  test('refuses what is not a request-target', () => {
    for (const target of [
      '',
      'metrics',
      '*',
      'node-a:9464',
      '%',
      '/%',
      '/%4',
      '/%zz',
      '//[',
      '/[',
      '/met rics',
      '/metrics#top',
      '/metrics?a#b',
      '/\u0000',
      '/metrics\u0000',
      '/\u001b[31m',
      '/mé',
      '/metrics?é',
      '/metrics?\u0007',
      '/\\',
      'http://[',
      'http://[::1',
      'http://[zz]/',
      'http://',
      'http:///metrics',
      'http://user@node-a/metrics',
      'http://user@/',
      'http://x:99999/',
      'http://x:123456/',
      'http://x:port/',
      'ftp://x/metrics',
      'http:/x/metrics',
    ]) {
      assert.equal(requestPath(target), null, JSON.stringify(target));
    }
  });

  test('reads and refuses long, repetitive targets', () => {
    const segments = '/a'.repeat(8000);
    assert.equal(requestPath(segments), segments);
    assert.equal(requestPath(`${segments}[`), null);
    assert.equal(requestPath(`/${'%41'.repeat(5000)}%`), null);
    assert.equal(requestPath(`http://${'a.'.repeat(8000)}:/x[`), null);
    assert.equal(requestPath(`/metrics?${'?'.repeat(16_000)}`), '/metrics');
  });
});
