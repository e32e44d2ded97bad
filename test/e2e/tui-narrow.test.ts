/**
 * The live view at 80×24, the size a first-time on-call user often has: what does not fit must
 * still be named. Real netscope under tmux, beside named loopback peers.
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
  return screen.split('\n').find((line) => line.includes('1 Conn')) ?? '';
}

/** The table's column header line: the one right under the tabs. */
function columnHeaderLine(screen: string): string {
  const lines = screen.split('\n');
  return lines[lines.findIndex((line) => line.includes('1 Conn')) + 1] ?? '';
}

describe('netscope live view at 80×24', () => {
  const peers: Peer[] = [];
  let session: TmuxSession;
  let port: number;

  before(async () => {
    port = await freePort();
    const server = startPeer('server', 'narrow-srv', '127.0.0.1', port, 4096);
    peers.push(server);
    await server.next('listening');
    const client = startPeer('hold', 'narrow-client', '127.0.0.1', port, 65536, 0);
    peers.push(client);
    await client.next('connected');
    // --port: other processes on the host may hold many connections; this test reads its own flow.
    session = new TmuxSession(`${path.join(packageRoot, 'bin/netscope')} -d 500 --port ${port}`, { width: 80, height: 24 });
    // Its first pass over a busy host's sockets can take a while.
    await session.waitFor((screen) => screen.includes('narrow-srv'), 'the peers on screen', 60_000);
  });

  after(() => {
    session.kill();
    for (const peer of peers) peer.stop();
  });

  it('names the sort column and direction on every step of >, whether or not the column fits', async () => {
    const columns = paneColumns.connections;
    const start = columns.findIndex((column) => column.id === 'rate');
    let hiddenSeen = 0;
    for (let step = 1; step <= columns.length; step++) {
      const column = columns[(start + step) % columns.length]!;
      session.type('>');
      const screen = await session.waitFor((text) => new RegExp(`sort ${column.header.replace('/', '\\/')}[▲▼]`).test(tabLine(text)), `sort ${column.header} named`);
      if (!columnHeaderLine(screen).includes(column.header)) hiddenSeen++;
      assert.ok(tabLine(screen).length <= 80, tabLine(screen));
    }
    assert.ok(hiddenSeen >= 5, `most columns do not fit at 80 columns (${hiddenSeen} hidden)`);
    session.type('I');
    await session.waitFor((text) => /sort RATE\/s▲/.test(tabLine(text)), 'I inverts, and the tab line says so');
    session.type('q');
  });

  it('a bare port keeps only that port\'s rows, though another process\'s command line holds the number; t hides closed rows', async () => {
    const otherPort = await freePort();
    const otherServer = startPeer('server', 'other-srv', '127.0.0.1', otherPort, 4096);
    peers.push(otherServer);
    await otherServer.next('listening');
    // Its title, and so its command line, holds the port the filter asks for.
    const decoy = startPeer('hold', `decoy-${port}`, '127.0.0.1', otherPort, 65536, 0);
    peers.push(decoy);
    await decoy.next('connected');
    const unfiltered = new TmuxSession(`${path.join(packageRoot, 'bin/netscope')} -d 500`, { width: 80, height: 24 });
    try {
      // A host that ran other tests lists many closed rows: find the decoy by name first, so it is
      // known to be seen, then clear that filter.
      unfiltered.type('/decoy');
      unfiltered.press('Enter');
      // Kept, not still typed: an Escape that reaches the prompt before its Enter clears nothing,
      // and then Escape and the next `/` arrive within Ink's 20 ms as one Alt-/.
      await unfiltered.waitFor((screen) => screen.includes('decoy-') && screen.includes('filter: decoy'), 'the decoy on screen, its filter kept', 60_000);
      unfiltered.press('Escape');
      await unfiltered.waitFor((screen) => !screen.includes('filter: decoy') && !screen.includes('/ decoy'), 'the name filter cleared');
      unfiltered.type(`/${port}`);
      unfiltered.press('Enter');
      const filtered = await unfiltered.waitFor((screen) => screen.includes(`filter: ${port}`) && screen.includes('narrow-srv'), 'the filter kept');
      assert.doesNotMatch(filtered, /decoy-/, 'the decoy talks to another port: its command line does not count');
      assert.doesNotMatch(filtered, /other-srv/);
      const closer = startPeer('client', 'narrow-closer', '127.0.0.1', port, 100);
      peers.push(closer);
      await closer.next('closed');
      await unfiltered.waitFor((screen) => / CLOSE +/.test(screen), 'the closed connection listed');
      unfiltered.type('t');
      const open = await unfiltered.waitFor((screen) => screen.includes('t show closed') || /\([\d,]+\/[\d,]+\)/.test(screen), 't hides the closed rows');
      await unfiltered.waitFor((screen) => !/ CLOSE +/.test(screen.split('\n').slice(6, -1).join('\n')), `no closed row left:\n${open}`);
      unfiltered.type('q');
    } finally {
      unfiltered.kill();
    }
  });
});
