/**
 * The sort menu (F6, and `o` beside it) in the real live view at 80×24 under tmux: it lists the
 * pane's columns, Enter sorts by one that 80 columns leave out and the tab line names it; Esc
 * closes without sorting.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packageRoot } from '../../src/probes/package-paths.js';
import { paneColumns } from '../../src/ui/view-model/columns.js';
import { freePort } from '../support/free-port.js';
import { startPeer, type Peer } from '../support/processes.js';
import { TmuxSession } from '../support/tmux.js';

/** The line that names the panes. */
function tabLine(screen: string): string {
  return screen.split('\n').find((line) => line.includes('1 Conn') || line.includes('2 Proc')) ?? '';
}

/** The table's column header line: the one right under the tabs. */
function columnHeaderLine(screen: string): string {
  const lines = screen.split('\n');
  return lines[lines.indexOf(tabLine(screen)) + 1] ?? '';
}

describe('the sort menu in the live view at 80×24', () => {
  const peers: Peer[] = [];
  let session: TmuxSession;

  before(async () => {
    const port = await freePort();
    const server = startPeer('server', 'sortmenu-srv', '127.0.0.1', port, 4096);
    peers.push(server);
    await server.next('listening');
    const client = startPeer('hold', 'sortmenu-client', '127.0.0.1', port, 65536, 0);
    peers.push(client);
    await client.next('connected');
    session = new TmuxSession(`${path.join(packageRoot, 'bin/netscope')} -d 500 --port ${port}`, { width: 80, height: 24 });
    // Its first pass over a busy host's sockets can take a while.
    await session.waitFor((screen) => screen.includes('sortmenu-srv'), 'the peers on screen', 60_000);
  });

  after(() => {
    session.kill();
    for (const peer of peers) peer.stop();
  });

  it('F6 lists every Connections column; End then Enter sorts by LIMIT, hidden at 80 columns, and the tab line names it', async () => {
    session.press('F6');
    const menu = await session.waitFor((text) => text.includes('Sort Connections by'), 'the sort menu');
    assert.match(menu, /RATE\/s +▼ sorted/);
    assert.match(menu, /Enter sort/);
    const shown = paneColumns.connections.filter((column) => new RegExp(`^(> |  )${column.header.replace('/', '\\/')}\\b`, 'm').test(menu)).length;
    const more = /… (\d+) above, (\d+) below/.exec(menu);
    assert.equal(shown + (more === null ? 0 : Number(more[1]) + Number(more[2])), paneColumns.connections.length, menu);
    for (const line of menu.split('\n')) assert.ok(line.length <= 80, line);

    session.press('End');
    await session.waitFor((text) => /^> LIMIT/m.test(text), 'the cursor on the last column');
    session.press('Enter');
    const sorted = await session.waitFor((text) => /sort LIMIT▼/.test(tabLine(text)), 'sorted by LIMIT, named on the tab line');
    assert.doesNotMatch(sorted, /Sort Connections by/);
    assert.doesNotMatch(columnHeaderLine(sorted), /LIMIT/, 'its column does not fit');
  });

  it('o opens the menu of the pane on screen; Esc closes it and sorts nothing', async () => {
    session.type('2');
    await session.waitFor((text) => /sort BYTES▼/.test(tabLine(text)), 'the Processes pane');
    session.type('o');
    const menu = await session.waitFor((text) => text.includes('Sort Processes by'), 'the Processes sort menu');
    assert.match(menu, /^> BYTES +▼ sorted/m, 'the cursor starts on the sort column');
    session.press('Up');
    await session.waitFor((text) => !/^> BYTES/m.test(text), 'the cursor moved');
    session.press('Escape');
    const closed = await session.waitFor((text) => !text.includes('Sort Processes by') && tabLine(text) !== '', 'back on the table');
    assert.match(tabLine(closed), /sort BYTES▼/);
    session.type('q');
  });
});
