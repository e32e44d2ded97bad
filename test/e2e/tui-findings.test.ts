/**
 * The Findings pane in a real terminal at 80×24: tmux runs netscope while a client hammers a
 * closed loopback port. The view goes to Findings on its own, the header counts the finding,
 * Enter scopes to its evidence, d shows its whole text, s saves under the scope.
 *
 * `--port` keeps the test to its own fault: other programs on a shared host may have findings
 * of their own, which would otherwise share the pane.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FindingsSnapshotDocument } from '../../src/findings/finding-document.js';
import { packageRoot } from '../../src/probes/package-paths.js';
import { freePort } from '../support/free-port.js';
import { startPeer, type Peer } from '../support/processes.js';
import { TmuxSession } from '../support/tmux.js';

const WIDTH = 80;
const HEIGHT = 24;
/** Long enough to outlast the test: the finding must stay open while the keys are pressed. */
const CONNECTS = 600;
const CONNECT_INTERVAL_MS = 100;

/** The tab line: the one that names the numbered panes. */
function tabLine(screen: string): string {
  return screen.split('\n').find((line) => /\b1 Conn|\[1 Conn/.test(line) || /^\[! /.test(line)) ?? '';
}

describe('the Findings pane in a real terminal', () => {
  const outputDirectory = mkdtempSync(path.join(tmpdir(), 'netscope-tui-findings-'));
  const peers: Peer[] = [];
  let closedPort: number;
  let hammerPid: number;
  let session: TmuxSession;

  before(async () => {
    closedPort = await freePort();
    session = new TmuxSession(`${path.join(packageRoot, 'bin/netscope')} -d 500 --port ${closedPort} --output-dir ${outputDirectory}`, {
      width: WIDTH,
      height: HEIGHT,
    });
    // Its first pass over a busy host's sockets can take a while.
    await session.waitFor((screen) => /RATE\/s|SEV/.test(screen), 'netscope on screen', 60_000);
    const hammer = startPeer('hammer', 'fu-hammer', '127.0.0.1', closedPort, CONNECTS, CONNECT_INTERVAL_MS);
    peers.push(hammer);
    hammerPid = hammer.pid;
  });

  after(() => {
    session.kill();
    for (const peer of peers) peer.stop();
    rmSync(outputDirectory, { recursive: true, force: true });
  });

  it('goes to Findings on its own once the finding opens, first on the tab line; the header counts it', async () => {
    const screen = await session.waitFor(
      (text) => /^\[! Find/.test(tabLine(text)) && text.includes(`fu-hammer (pid ${hammerPid}) is refused`),
      'the refused finding on the Findings pane',
      30_000,
    );
    const row = screen.split('\n').find((line) => line.includes('fu-hammer (pid'));
    // A refused finding opens as a warning and turns critical as the refusals go on.
    assert.match(row ?? '', /^(critical|warning)\s+fu-hammer \(pid \d+\) is refused/, screen);
    assert.match(row ?? '', /\bopen\s*$/);
    assert.match(screen, /^findings \d+ ▲(critical|warning) · retrans /m, 'the header: the open count and the worst severity');
    assert.match(tabLine(screen), /\b1\b.*\b2\b.*\b3\b.*\b4\b.*\b5\b.*\b6\b/, 'the numbered panes keep their keys');
    for (const line of screen.split('\n')) assert.ok([...line].length <= WIDTH, line);
  });

  it('Enter scopes every pane to its evidence: the scope line names it, Connections lists its refused connections', async () => {
    session.press('Enter');
    const screen = await session.waitFor(
      (text) => /^scope: finding: fu-hammer \(pid \d+\) is refused by 127\.0\.0\.1/m.test(text) && /\[1 Conn/.test(tabLine(text)),
      'the scope line and the Connections pane',
    );
    const rows = screen.split('\n').filter((line) => line.includes(`127.0.0.1:${closedPort}`) && !line.startsWith('scope:'));
    assert.ok(rows.length >= 1, screen);
    for (const row of rows) assert.match(row, /fu-hammer/);
    assert.ok([...tabLine(screen)].length <= WIDTH, tabLine(screen));
  });

  it('d shows the finding whole: summary, next step, since, counters and its evidence connections', async () => {
    session.type('d');
    const page = await session.waitFor((text) => /^Next step\s+\S/m.test(text) && /^Evidence\s+\S/m.test(text), 'the finding page');
    assert.match(page, /^▲(critical|warning) · refused · open$/m);
    assert.match(page, /^Evidence\s+fu-hammer \(\d+\) {2}127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+ {2}CLOSE/m);
    assert.match(page, /^Summary\s+fu-hammer \(pid \d+\) is refused by/m);
    assert.match(page, /^Since\s+\d\d:\d\d:\d\d · /m);
    assert.match(page, /^Counters\s+\S/m);
    session.press('Escape');
    await session.waitFor((text) => /^scope: finding:/m.test(text) && !/^Next step/m.test(text), 'back to the scoped table');
  });

  it('s saves what the scope keeps, and the document names the finding', async () => {
    session.type('s');
    await session.waitFor((text) => /saved \d+ connections? \(filter: port:\d+, scope: finding/.test(text), 'the save named on screen');
    const [file] = readdirSync(outputDirectory).filter((name) => /^netscope-\d{8}-\d{6}\.json$/.test(name));
    assert.ok(file);
    const document = JSON.parse(readFileSync(path.join(outputDirectory, file), 'utf8')) as FindingsSnapshotDocument;
    const scope = document.view?.scope;
    assert.equal(scope?.kind, 'finding');
    if (scope?.kind !== 'finding') return;
    assert.equal(scope.id, `refused:pid=${hammerPid}:peer=127.0.0.1:${closedPort}`);
    assert.ok(document.connections.length >= 1);
    for (const connection of document.connections) assert.ok(scope.connectionIds.includes(connection.id), `${connection.id} is evidence`);
    assert.ok(document.findings.some((finding) => finding.id === scope.id));
  });

  it('Esc leaves the scope; ! goes back to Findings, and help lists the key', async () => {
    session.press('Escape');
    await session.waitFor((text) => !/^scope:/m.test(text), 'the scope left');
    session.type('!');
    await session.waitFor((text) => /^\[! Find/.test(tabLine(text)), 'the Findings pane');
    session.type('?');
    const help = await session.waitFor((text) => /Keys \(Esc or \? to close\)/.test(text), 'the help page');
    assert.match(help, /! 1 2 3 4 5 6/);
    assert.match(help, /Enter {2}d/);
    session.press('Escape');
    session.type('q');
  });
});
