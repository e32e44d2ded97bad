/**
 * The Processes grouping (`H`), the column chooser (F2, `C`) and the COMMAND column in the real live
 * view at 80×24 under tmux: four clients of one name fold into one `×4` row and Enter scopes to
 * all four; PID, left out at 80 columns, comes back through the chooser and stays across panes; a
 * Python module server shows its module, not the interpreter's path.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { packageRoot } from '../../src/probes/package-paths.js';
import { freePort } from '../support/free-port.js';
import { startPeer, type Peer } from '../support/processes.js';
import { TmuxSession } from '../support/tmux.js';

const CLIENT_TITLE = 'grp-client';
const CLIENTS = 4;

function tabLine(screen: string): string {
  return screen.split('\n').find((line) => line.includes('1 Conn') || line.includes('2 Proc')) ?? '';
}

function columnHeaderLine(screen: string): string {
  const lines = screen.split('\n');
  return lines[lines.indexOf(tabLine(screen)) + 1] ?? '';
}

function rowsWith(screen: string, text: string): string[] {
  return screen.split('\n').filter((line) => line.includes(text) && !line.includes('scope:') && !line.includes('filter:'));
}

describe('grouping and choosing columns in the live view at 80×24', () => {
  const peers: Peer[] = [];
  let session: TmuxSession;

  before(async () => {
    const port = await freePort();
    const server = startPeer('server', 'grp-srv', '127.0.0.1', port, 4096);
    peers.push(server);
    await server.next('listening');
    for (let index = 0; index < CLIENTS; index++) {
      const client = startPeer('hold', CLIENT_TITLE, '127.0.0.1', port, 65536, 0);
      peers.push(client);
      await client.next('connected');
    }
    session = new TmuxSession(`${path.join(packageRoot, 'bin/netscope')} -d 500 --port ${port}`, { width: 80, height: 24 });
    await session.waitFor((screen) => screen.includes(CLIENT_TITLE), 'the clients on screen', 60_000);
    // Chosen, the pane stays put: a finding that opens does not move the view.
    session.type('2');
    await session.waitFor((screen) => /\[2 Proc/.test(tabLine(screen)) && rowsWith(screen, CLIENT_TITLE).length === CLIENTS, `${CLIENTS} client rows on the Processes pane`);
  });

  after(() => {
    session.kill();
    for (const peer of peers) peer.stop();
  });

  it('H folds the four clients into one ×4 row; Enter scopes to all four; H again lists them per pid', async () => {
    assert.match(session.screen(), /H group by name/);
    session.type('H');
    const grouped = await session.waitFor((screen) => rowsWith(screen, CLIENT_TITLE).length === 1, 'one grouped row');
    assert.match(rowsWith(grouped, CLIENT_TITLE)[0] ?? '', new RegExp(`×${CLIENTS} ${CLIENT_TITLE}`));
    // By name, A→Z: grp-client comes before grp-srv, on the first row, selected.
    session.type('o');
    await session.waitFor((screen) => screen.includes('Sort Processes by'), 'the sort menu');
    session.press('Home');
    session.press('Down');
    session.press('Enter');
    const byName = await session.waitFor((screen) => tabLine(screen).includes('sort PROCESS▲'), 'sorted by name');
    assert.match(byName.split('\n').find((line) => / ×\d+ /.test(line)) ?? '', new RegExp(`×${CLIENTS} ${CLIENT_TITLE}`), byName);
    session.press('Enter');
    const scoped = await session.waitFor((screen) => screen.includes(`scope: processes named ${CLIENT_TITLE} (${CLIENTS} pids)`), 'the name scope');
    assert.match(tabLine(scoped), /\[1 Conn/);
    await session.waitFor((screen) => rowsWith(screen, CLIENT_TITLE).length === CLIENTS, `the ${CLIENTS} clients' connections`);
    assert.equal(rowsWith(session.screen(), 'grp-srv').length, 0, 'the server is not in scope');
    session.press('Escape');
    await session.waitFor((screen) => !screen.includes('scope:'), 'the scope left');
    await new Promise((resolve) => setTimeout(resolve, 200));
    session.type('2');
    session.type('H');
    await session.waitFor((screen) => rowsWith(screen, CLIENT_TITLE).length === CLIENTS, 'per pid again');
  });

  it('F2 lists the columns; Space brings PID back at 80 columns; it stays across panes; Esc closes the chooser', async () => {
    session.type('1');
    const before = await session.waitFor((screen) => /\[1 Conn/.test(tabLine(screen)), 'the Connections pane');
    assert.doesNotMatch(columnHeaderLine(before), /\bPID\b/);
    // F2, as htop's Setup (C beside it is the ink-testing-library test's).
    session.press('F2');
    const menu = await session.waitFor((screen) => screen.includes('Columns of Connections'), 'the chooser');
    assert.match(menu, /^> \[ \] PID +no room at this width/m);
    session.type(' ');
    await session.waitFor((screen) => /^> \[x\] PID +on \(chosen\)/m.test(screen), 'PID on');
    session.press('Escape');
    const shown = await session.waitFor((screen) => !screen.includes('Columns of') && tabLine(screen) !== '', 'the table again');
    assert.match(columnHeaderLine(shown), /^\s*PID PROCESS/);
    for (const line of shown.split('\n')) assert.ok(line.length <= 80, line);
    session.type('2');
    await session.waitFor((screen) => /\[2 Proc/.test(tabLine(screen)), 'the Processes pane');
    session.type('1');
    const again = await session.waitFor((screen) => /\[1 Conn/.test(tabLine(screen)), 'the Connections pane again');
    assert.match(columnHeaderLine(again), /^\s*PID PROCESS/, 'the choice lasts the session');
    session.type('q');
  });
});

describe('COMMAND in the live view at 80×24', () => {
  let server: ChildProcess | null = null;
  let client: Peer | null = null;
  let session: TmuxSession | null = null;

  before(async () => {
    const port = await freePort();
    // -u: its `Serving HTTP on …` line comes at once, and the COMMAND cell must look past the option too.
    server = spawn('python3', ['-u', '-m', 'http.server', String(port), '--bind', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const serving = await new Promise<string>((resolve) => readline.createInterface({ input: server!.stdout! }).once('line', resolve));
    assert.match(serving, /^Serving HTTP/);
    client = startPeer('hold', 'py-client', '127.0.0.1', port, 0, 0);
    await client.next('connected');
    session = new TmuxSession(`${path.join(packageRoot, 'bin/netscope')} -d 500 --port ${port}`, { width: 80, height: 24 });
    await session.waitFor((screen) => screen.includes('py-client'), 'the client on screen', 60_000);
  });

  after(() => {
    session?.kill();
    client?.stop();
    server?.kill();
  });

  it('the Processes pane shows the module Python runs, not the path of Python', async () => {
    assert.ok(session !== null);
    session.type('2');
    const screen = await session.waitFor((text) => /\[2 Proc/.test(tabLine(text)) && rowsWith(text, 'python').length > 0, 'the server on the Processes pane');
    assert.match(columnHeaderLine(screen), /COMMAND/);
    const row = rowsWith(screen, 'python')[0] ?? '';
    const commandAt = columnHeaderLine(screen).indexOf('COMMAND');
    assert.match(row.slice(commandAt), /^http\.server/, row);
    session.type('q');
  });
});
