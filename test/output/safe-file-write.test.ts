/**
 * The files netscope writes as root, on real directories, real users and real filesystems: how
 * the directory is resolved (which symlinks are followed, which refused), and how a file is
 * replaced (atomically, mode 0600, no temporary file left behind, a full disk said as such).
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, lchownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OutputWriteError } from '../../src/output/output-write-error.js';
import { nativeAddon, type DirectoryWalkErrorFields } from '../../src/probes/native.js';
import { OutputDirectory, UnsafeOutputError, writeFileSafely } from '../../src/output/safe-file-write.js';
import { fillUp, mountTmpfs, mountWithoutUnnamedFiles, NOBODY, symlinkAs, unmount } from '../support/scratch-filesystems.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-safe-write-'));
// Others must reach the shared directory inside, as in /tmp.
chmodSync(scratch, 0o755);
after(() => rmSync(scratch, { recursive: true, force: true }));

let directories = 0;
/** A new directory under the scratch one, owned by root, mode 0755 unless told. */
function freshDirectory(mode = 0o755): string {
  const directory = path.join(scratch, `d${++directories}`);
  mkdirSync(directory);
  chmodSync(directory, mode);
  return directory;
}

/** The addon's walk, its exception's fields when it throws. */
function walkError(directory: string): Error & DirectoryWalkErrorFields {
  try {
    nativeAddon().closeFd(nativeAddon().openDirectoryWithoutPlantedLinks(directory));
  } catch (error) {
    return error as Error & DirectoryWalkErrorFields;
  }
  return assert.fail(`${directory} was opened`);
}

function refusal(pattern: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof UnsafeOutputError, String(error));
    assert.match(error.message, pattern);
    assert.doesNotMatch(`${error.message}${error.fix}`, /\n/);
    return true;
  };
}

describe('the directory of a file netscope writes', () => {
  test('a plain absolute path: the file is written there, mode 0600', () => {
    const directory = freshDirectory();
    writeFileSafely(path.join(directory, 'snap.json'), '{"plain":true}\n');
    assert.equal(readFileSync(path.join(directory, 'snap.json'), 'utf8'), '{"plain":true}\n');
    assert.equal(statSync(path.join(directory, 'snap.json')).mode & 0o777, 0o600);
  });

  test('a relative path is taken from the current directory, and .. as the kernel takes it', () => {
    const directory = freshDirectory();
    mkdirSync(path.join(directory, 'a'));
    mkdirSync(path.join(directory, 'b'));
    symlinkSync(path.join(directory, 'b'), path.join(directory, 'link-to-b'));
    const home = process.cwd();
    process.chdir(directory);
    try {
      writeFileSafely('a/../b/relative.json', 'relative\n');
      // Through a link, .. is the parent of where the link leads, not the link's own directory.
      writeFileSafely('link-to-b/../a/through-link.json', 'through\n');
      writeFileSafely('here.json', 'here\n');
    } finally {
      process.chdir(home);
    }
    assert.equal(readFileSync(path.join(directory, 'b/relative.json'), 'utf8'), 'relative\n');
    assert.equal(readFileSync(path.join(directory, 'a/through-link.json'), 'utf8'), 'through\n');
    assert.equal(readFileSync(path.join(directory, 'here.json'), 'utf8'), 'here\n');
  });

  test("another user's symlink in a sticky world-writable directory is refused, whatever fs.protected_symlinks says", () => {
    const shared = freshDirectory(0o1777);
    const target = freshDirectory();
    symlinkAs(NOBODY, target, path.join(shared, 'reports'));
    assert.equal(lstatSync(path.join(shared, 'reports')).uid, NOBODY);
    assert.throws(
      () => writeFileSafely(path.join(shared, 'reports/snap.json'), 'x'),
      refusal(/^refusing to follow the symbolic link .*\/reports: it belongs to nobody, in a directory others can write into that root owns, so another user may have planted it$/),
    );
    assert.throws(() => writeFileSafely(path.join(shared, 'reports/deeper/snap.json'), 'x'), refusal(/refusing to follow the symbolic link .*\/reports:/));
    assert.deepEqual(readdirSync(target), [], 'nothing was written where the link leads');
    const error = walkError(path.join(shared, 'reports'));
    assert.equal(error.code, 'EACCES');
    assert.equal(error.operation, 'follow symlink');
    assert.equal(error.path, path.join(shared, 'reports'));
    assert.equal(error.linkOwner, NOBODY);
    assert.equal(error.directoryOwner, 0);
  });

  test("another user's symlink in a world-writable directory without the sticky bit is refused too", () => {
    const open = freshDirectory(0o777);
    const target = freshDirectory();
    symlinkAs(NOBODY, target, path.join(open, 'reports'));
    assert.throws(() => writeFileSafely(path.join(open, 'reports/snap.json'), 'x'), refusal(/refusing to follow the symbolic link .*\/reports: it belongs to nobody/));
    assert.deepEqual(readdirSync(target), []);
  });

  test("root's own symlink in the same shared directory is followed", () => {
    const shared = freshDirectory(0o1777);
    const target = freshDirectory();
    symlinkSync(target, path.join(shared, 'reports'));
    writeFileSafely(path.join(shared, 'reports/snap.json'), 'root link\n');
    assert.equal(readFileSync(path.join(target, 'snap.json'), 'utf8'), 'root link\n');
  });

  test("a symlink of the shared directory's owner is followed (it could have made the directory anything)", () => {
    const shared = freshDirectory(0o1777);
    chownSync(shared, NOBODY, NOBODY);
    const target = freshDirectory();
    symlinkAs(NOBODY, target, path.join(shared, 'reports'));
    writeFileSafely(path.join(shared, 'reports/snap.json'), 'owner link\n');
    assert.equal(readFileSync(path.join(target, 'snap.json'), 'utf8'), 'owner link\n');
  });

  test("another user's symlink in a directory only root writes is followed: nobody else could have put it there", () => {
    const rootOnly = freshDirectory(0o755);
    const target = freshDirectory();
    symlinkSync(target, path.join(rootOnly, 'reports'));
    lchownSync(path.join(rootOnly, 'reports'), NOBODY, NOBODY);
    writeFileSafely(path.join(rootOnly, 'reports/snap.json'), 'private link\n');
    assert.equal(readFileSync(path.join(target, 'snap.json'), 'utf8'), 'private link\n');
  });

  test('a symlink loop is one line, not a hang', () => {
    const directory = freshDirectory();
    symlinkSync('loop-b', path.join(directory, 'loop-a'));
    symlinkSync('loop-a', path.join(directory, 'loop-b'));
    assert.throws(() => writeFileSafely(path.join(directory, 'loop-a/snap.json'), 'x'), refusal(/too many symbolic links at .*\/loop-[ab] \(a loop\)/));
    assert.equal(walkError(path.join(directory, 'loop-a')).code, 'ELOOP');
  });

  test('a missing directory, or a dangling symlink, names the directory that does not exist', () => {
    const directory = freshDirectory();
    assert.throws(() => writeFileSafely(path.join(directory, 'missing/snap.json'), 'x'), refusal(/^directory .*\/missing does not exist$/));
    symlinkSync(path.join(directory, 'gone'), path.join(directory, 'dangling'));
    assert.throws(() => writeFileSafely(path.join(directory, 'dangling/snap.json'), 'x'), refusal(/^cannot write in .*\/dangling: directory .*\/gone does not exist$/));
  });

  test('a component that is a file, not a directory', () => {
    const directory = freshDirectory();
    writeFileSync(path.join(directory, 'plain-file'), 'not a directory');
    assert.throws(() => writeFileSafely(path.join(directory, 'plain-file/snap.json'), 'x'), refusal(/plain-file is not a directory$/));
    assert.equal(walkError(path.join(directory, 'plain-file')).code, 'ENOTDIR');
  });

  test('a directory others may write into without the sticky bit is refused', () => {
    const open = freshDirectory(0o777);
    assert.throws(() => writeFileSafely(path.join(open, 'snap.json'), 'x'), refusal(/writable by other users without the sticky bit/));
    assert.deepEqual(readdirSync(open), []);
  });

  test('a path that names a directory, or a symlink as the file, is refused', () => {
    const directory = freshDirectory();
    assert.throws(() => writeFileSafely(`${directory}/`, 'x'), refusal(/names a directory, not a file/));
    writeFileSync(path.join(directory, 'precious'), 'keep me');
    symlinkSync(path.join(directory, 'precious'), path.join(directory, 'snap.json'));
    assert.throws(() => writeFileSafely(path.join(directory, 'snap.json'), 'x'), refusal(/it is a symbolic link/));
    assert.equal(readFileSync(path.join(directory, 'precious'), 'utf8'), 'keep me');
  });
});

describe('replacing a file', () => {
  test('over an existing file: the whole new content, mode 0600, and no other entry left in the directory', () => {
    const directory = freshDirectory();
    const target = path.join(directory, 'snap.json');
    writeFileSync(target, 'old\n', { mode: 0o644 });
    writeFileSafely(target, 'new\n');
    assert.equal(readFileSync(target, 'utf8'), 'new\n');
    assert.equal(statSync(target).mode & 0o777, 0o600);
    writeFileSafely(target, 'newer\n');
    assert.equal(readFileSync(target, 'utf8'), 'newer\n');
    assert.deepEqual(readdirSync(directory), ['snap.json']);
  });

  test("a temporary file of netscope's naming left by an earlier run is removed at the next write; other files stay", () => {
    const directory = freshDirectory();
    const stale = path.join(directory, '.snap.json.0123456789ab.tmp');
    const notOurs = path.join(directory, '.snap.json.mine.tmp');
    const othersUser = path.join(directory, '.snap.json.ba9876543210.tmp');
    const otherTarget = path.join(directory, '.other.json.0123456789ab.tmp');
    for (const file of [stale, notOurs, othersUser, otherTarget]) writeFileSync(file, 'partial');
    chownSync(othersUser, NOBODY, NOBODY);
    writeFileSafely(path.join(directory, 'snap.json'), 'whole\n');
    assert.deepEqual(readdirSync(directory).sort(), ['.other.json.0123456789ab.tmp', '.snap.json.ba9876543210.tmp', '.snap.json.mine.tmp', 'snap.json']);
  });

  describe('on a filesystem without O_TMPFILE (FUSE through bindfs)', () => {
    const backing = freshDirectory(0o700);
    const mounted = freshDirectory(0o700);
    before(() => mountWithoutUnnamedFiles(backing, mounted));
    after(() => unmount(mounted));

    test('the filesystem really has none', () => {
      const directoryFd = nativeAddon().openDirectoryWithoutPlantedLinks(mounted);
      try {
        assert.throws(() => nativeAddon().createUnnamedFileIn(directoryFd), (error) => (error as NodeJS.ErrnoException).code === 'EOPNOTSUPP');
      } finally {
        nativeAddon().closeFd(directoryFd);
      }
    });

    test('a named temporary file is written and renamed over the target, and none is left', () => {
      const target = path.join(mounted, 'snap.json');
      writeFileSafely(target, 'first\n');
      writeFileSafely(target, 'second\n');
      assert.equal(readFileSync(target, 'utf8'), 'second\n');
      assert.equal(statSync(target).mode & 0o777, 0o600);
      assert.deepEqual(readdirSync(backing), ['snap.json']);
    });

    test("and a stale one of netscope's naming is removed at the next write", () => {
      const stale = path.join(mounted, '.snap.json.00000000beef.tmp');
      writeFileSync(stale, 'killed mid-write');
      writeFileSafely(path.join(mounted, 'snap.json'), 'third\n');
      assert.deepEqual(readdirSync(backing), ['snap.json']);
    });
  });

  describe('on a full filesystem (a 64 KiB tmpfs)', () => {
    const mounted = freshDirectory();
    before(() => {
      mountTmpfs(mounted, 64 * 1024);
      fillUp(mounted);
    });
    after(() => unmount(mounted));

    test('the write fails as OutputWriteError naming the full disk, and leaves nothing', () => {
      assert.throws(
        () => writeFileSafely(path.join(mounted, 'snap.json'), Buffer.alloc(16 * 1024, 'x')),
        (error) => {
          assert.ok(error instanceof OutputWriteError, String(error));
          assert.equal(error.exitCode, 74);
          assert.match(error.line, /^netscope: cannot write .*\/snap\.json: no space left on device \(ENOSPC\) — free some space, or write elsewhere$/);
          return true;
        },
      );
      assert.deepEqual(readdirSync(mounted), ['pad']);
    });

    test('a new file that cannot be written is removed again', () => {
      const directory = OutputDirectory.open(mounted);
      try {
        assert.throws(() => directory.writeNewFile('dump.ndjson', Buffer.alloc(16 * 1024, 'x')), OutputWriteError);
      } finally {
        directory.close();
      }
      assert.deepEqual(readdirSync(mounted), ['pad']);
    });
  });
});
