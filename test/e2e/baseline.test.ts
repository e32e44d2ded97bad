/**
 * `--baseline FILE` on real sockets: a snapshot (and a recording) taken while one server and its
 * client talked over 127.0.0.66; then that pair goes and another comes. The document's changes
 * name the listener and the talking process that appeared, and the peer that went away.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChangesDocument } from '../../src/model/changes-document.js';
import { freePort } from '../support/free-port.js';
import { assertOneLineError } from '../support/one-line-error.js';
import { runNetscope, startPeer, type Peer } from '../support/processes.js';
import { TmuxSession } from '../support/tmux.js';
import { packageRoot } from '../../src/probes/package-paths.js';

const OLD_PEER = '127.0.0.66';

async function jsonChanges(args: string[]): Promise<ChangesDocument> {
  const { code, stdout, stderr } = await runNetscope(['--json', '--duration', '2', ...args]).done;
  assert.equal(code, 0, stderr);
  const changes = (JSON.parse(stdout) as { changes?: ChangesDocument }).changes;
  assert.ok(changes, 'the document has changes');
  return changes;
}

describe('--baseline: what changed since it was fine', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-baseline-'));
  const snapshot = path.join(scratch, 'fine.json');
  const recording = path.join(scratch, 'fine.ndjson');
  const peers: Peer[] = [];
  let ports: { old: number; fresh: number };

  before(async () => {
    ports = { old: await freePort(OLD_PEER), fresh: await freePort() };
    const oldServer = startPeer('server', 'bl-old-srv', OLD_PEER, ports.old, 0);
    peers.push(oldServer);
    await oldServer.next('listening');
    const oldClient = startPeer('hold', 'bl-old-client', OLD_PEER, ports.old, 4096, 0);
    peers.push(oldClient);
    await oldClient.next('connected');
    const fine = await runNetscope(['--json', '--duration', '2', '-o', snapshot, '--record', recording]).done;
    assert.equal(fine.code, 0, fine.stderr);
    oldClient.stop();
    oldServer.stop();

    const freshServer = startPeer('server', 'bl-new-srv', '127.0.0.1', ports.fresh, 1000);
    peers.push(freshServer);
    await freshServer.next('listening');
    const freshClient = startPeer('hold', 'bl-new-client', '127.0.0.1', ports.fresh, 4096, 0);
    peers.push(freshClient);
    await freshClient.next('connected');
  });

  after(() => {
    for (const peer of peers) peer.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  for (const [origin, file] of [
    ['snapshot', () => snapshot],
    ['recording', () => recording],
  ] as const) {
    it(`against a ${origin}: the new listener and talker, the gone peer and listener`, async () => {
      const changes = await jsonChanges(['--baseline', file()]);
      assert.equal(changes.baseline.origin, origin);
      assert.equal(changes.baseline.file, file());
      assert.ok(changes.listeners.appeared.includes(`bl-new-srv :${ports.fresh}`), JSON.stringify(changes.listeners));
      assert.ok(changes.listeners.gone.includes(`bl-old-srv :${ports.old}`), JSON.stringify(changes.listeners));
      assert.ok(changes.processes.startedTalking.includes('bl-new-client'), JSON.stringify(changes.processes));
      assert.ok(changes.processes.stoppedTalking.includes('bl-old-client'), JSON.stringify(changes.processes));
      assert.ok(changes.peers.gone.includes(OLD_PEER), JSON.stringify(changes.peers));
      assert.ok(!changes.peers.appeared.includes(OLD_PEER));
    });
  }

  it('in the live view: B lists what changed since --baseline; b marks now and B then shows only what came after', async () => {
    const session = new TmuxSession(`${path.join(packageRoot, 'bin/netscope')} -d 500 --baseline ${snapshot}`, { width: 120, height: 40 });
    try {
      await session.waitFor((screen) => screen.includes('ESTAB'), 'the live view', 60_000);
      session.type('B');
      await session.waitFor((screen) => screen.includes(`+ bl-new-srv :${ports.fresh}`) && screen.includes(`− ${OLD_PEER}`), 'the changes since the file');
      session.press('Escape');
      // Typed at once after Esc, a key would arrive as Alt plus that key.
      await session.waitFor((screen) => !screen.includes('Changes since'), 'back to the table');
      session.type('5');
      await session.waitFor((screen) => /^\+ .*bl-new-srv/m.test(screen), 'the new listener marked + in the Listeners pane');
      session.type('b');
      await session.waitFor((screen) => /baseline marked at/.test(screen), 'the mark confirmed');
      const late = startPeer('hold', 'bl-late-client', '127.0.0.1', ports.fresh, 4096, 0);
      peers.push(late);
      await late.next('connected');
      session.type('B');
      const screen = await session.waitFor((text) => text.includes('+ bl-late-client'), 'the process that started talking after the mark');
      assert.match(screen, /\(marked with b\)/);
      assert.ok(!screen.includes(`+ bl-new-srv :${ports.fresh}`), 'what was there at the mark is no change since it');
    } finally {
      session.kill();
    }
  });

  it('a file that is neither a snapshot nor a recording is one line, exit 65, before any capture', async () => {
    const bogus = path.join(scratch, 'bogus.json');
    writeFileSync(bogus, '{"hello": 1}');
    const { code, stderr } = await runNetscope(['--json', '--duration', '30', '--baseline', bogus]).done;
    assert.equal(code, 65);
    assertOneLineError(stderr, /--baseline .*bogus\.json is not a netscope snapshot/);
  });

  it('a missing file is exit 66; --baseline with --events is a usage error', async () => {
    const missing = await runNetscope(['--json', '--baseline', path.join(scratch, 'nope.json')]).done;
    assert.equal(missing.code, 66);
    assertOneLineError(missing.stderr, /cannot read --baseline .*nope\.json \(no such file\)/);
    const events = await runNetscope(['--events', '--baseline', snapshot]).done;
    assert.equal(events.code, 2);
    assertOneLineError(events.stderr, /--baseline says what changed in --json or the live view/);
  });
});
