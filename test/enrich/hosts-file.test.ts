import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { parseHosts, readHostsOf } from '../../src/enrich/hosts-file.js';

describe('hosts files', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-hosts-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  /** A fake /proc whose process 1 has `root` as its root. */
  function procWithRoot(name: string, populate: (root: string) => void): string {
    const proc = path.join(scratch, name, 'proc');
    const root = path.join(scratch, name, 'root');
    mkdirSync(path.join(proc, '1'), { recursive: true });
    mkdirSync(root, { recursive: true });
    symlinkSync(root, path.join(proc, '1', 'root'));
    populate(root);
    return proc;
  }

  test('the first name of each address, comments and bad lines left out, names cleaned', () => {
    assert.deepEqual(parseHosts('# c\n10.0.0.9\tdb.internal db # primary\nnot-an-address x\n10.0.0.9 again\n10.0.0.7 \x1b[2Jevil\n'), [
      { address: '10.0.0.9', name: 'db.internal' },
      { address: '10.0.0.7', name: '\\x1b[2Jevil' },
    ]);
  });

  test("loopback's own names, and any name of 127.0.0.1 or ::1, are left out; a host's name on 127.0.1.1 stays", () => {
    const debian = '127.0.0.1 localhost\n127.0.0.1 vm\n127.0.1.1 web-1.example web-1\n::1 localhost ip6-localhost ip6-loopback\n127.0.0.2 localhost.localdomain\n::2 localhost6\n127.0.0.3 app.localhost\n';
    assert.deepEqual(parseHosts(debian), [{ address: '127.0.1.1', name: 'web-1.example' }]);
  });

  test('read through the process root; a symlinked hosts or etc, a FIFO, a huge file give nothing', () => {
    const plain = procWithRoot('plain', (root) => {
      mkdirSync(path.join(root, 'etc'));
      writeFileSync(path.join(root, 'etc', 'hosts'), '10.0.0.9 db.internal\n');
    });
    assert.deepEqual(readHostsOf(plain, 1), [{ address: '10.0.0.9', name: 'db.internal' }]);
    const outside = path.join(scratch, 'outside-hosts');
    writeFileSync(outside, '10.6.6.6 planted\n');
    const linkedFile = procWithRoot('linked-file', (root) => {
      mkdirSync(path.join(root, 'etc'));
      symlinkSync(outside, path.join(root, 'etc', 'hosts'));
    });
    assert.deepEqual(readHostsOf(linkedFile, 1), []);
    const linkedEtc = procWithRoot('linked-etc', (root) => {
      mkdirSync(path.join(scratch, 'outside-etc'));
      writeFileSync(path.join(scratch, 'outside-etc', 'hosts'), '10.6.6.6 planted\n');
      symlinkSync(path.join(scratch, 'outside-etc'), path.join(root, 'etc'));
    });
    assert.deepEqual(readHostsOf(linkedEtc, 1), []);
    const fifo = procWithRoot('fifo', (root) => {
      mkdirSync(path.join(root, 'etc'));
      execFileSync('mkfifo', [path.join(root, 'etc', 'hosts')]);
    });
    assert.deepEqual(readHostsOf(fifo, 1), []);
    const huge = procWithRoot('huge', (root) => {
      mkdirSync(path.join(root, 'etc'));
      writeFileSync(path.join(root, 'etc', 'hosts'), `10.0.0.9 db\n${'#'.repeat(300 * 1024)}\n`);
    });
    assert.deepEqual(readHostsOf(huge, 1), []);
  });
});
