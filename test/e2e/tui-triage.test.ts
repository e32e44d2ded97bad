/**
 * The live view as an on-call user reads it at 80×24: Enter on a listener shows the connections
 * it accepted, a CLOSE_WAIT row is coloured, the help reads whole. Real netscope under tmux,
 * beside named loopback peers.
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

/** SGR yellow foreground as tmux's capture-pane -e writes it. */
const YELLOW = /\u001b\[(?:[0-9;]*;)?33m/;

/**
 * A server that never closes what it accepts (`allowHalfOpen`, no end()), and a client that hangs
 * up at once: the server's side stays in CLOSE_WAIT, as a leaking server's does. Runs as its own
 * process with its own name; prints `ready` once the client has hung up.
 */
function startCloseWaitLeak(title: string, port: number): ChildProcess {
  const script = `
    process.title = ${JSON.stringify(title)};
    const net = require('node:net');
    const held = [];
    const server = net.createServer({ allowHalfOpen: true }, (socket) => { held.push(socket); socket.resume(); });
    server.listen(${port}, '127.0.0.1', () => {
      // The client's own close would wait for the server's FIN, which never comes: ready once it has sent its own.
      const client = net.connect(${port}, '127.0.0.1', () => client.end(() => console.log('ready')));
    });`;
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
}

function nextLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => readline.createInterface({ input: child.stdout! }).once('line', resolve));
}

describe('netscope live view at 80×24: listeners, severity, help', () => {
  const peers: Peer[] = [];
  let leak: ChildProcess | undefined;
  let session: TmuxSession;
  let port: number;
  let leakPort: number;

  before(async () => {
    port = await freePort();
    const server = startPeer('server', 'triage-srv', '127.0.0.1', port, 4096);
    peers.push(server);
    await server.next('listening');
    const client = startPeer('hold', 'triage-client', '127.0.0.1', port, 65536, 0);
    peers.push(client);
    await client.next('connected');
    leakPort = await freePort();
    leak = startCloseWaitLeak('triage-leak', leakPort);
    assert.equal(await nextLine(leak), 'ready');
    // Colours are what the first test looks at: chalk turns them off when it sees CI in the environment.
    session = new TmuxSession(`env -u CI ${path.join(packageRoot, 'bin/netscope')} -d 500`, { width: 80, height: 24 });
    // A busy host's other connections may fill the screen: each test filters to its own peers.
    await session.waitFor((screen) => screen.includes('[1 Conn'), 'netscope running', 60_000);
  });

  after(() => {
    session.kill();
    for (const peer of peers) peer.stop();
    leak?.kill();
  });

  it('a CLOSE_WAIT row is coloured (yellow while it is young)', async () => {
    session.type(`/port:${leakPort}`);
    session.press('Enter');
    await session.waitFor((screen) => screen.includes('CLOSE_WAIT') && screen.includes(`filter: port:${leakPort}`), 'the CLOSE_WAIT row');
    const line = session.screenWithAttributes().split('\n').find((candidate) => candidate.includes('CLOSE_WAIT') && candidate.includes('triage-leak'));
    assert.ok(line !== undefined, session.screen());
    assert.match(line, YELLOW, JSON.stringify(line));
    session.press('Escape');
    await session.waitFor((screen) => !screen.includes('filter:'), 'the filter cleared');
  });

  it('Enter on a listener scopes every pane to the connections it accepted; Esc leaves', async () => {
    session.type('5');
    await session.waitFor((screen) => screen.includes('[5 Listen'), 'the Listeners pane');
    session.type('/');
    await session.waitFor((screen) => /^\/ /m.test(screen), 'the filter prompt');
    session.type(`port:${port}`);
    session.press('Enter');
    // The filter leaves one listener, selected; it also keeps the client's side of the flow, which the scope must not.
    const listening = await session.waitFor((screen) => screen.includes(`filter: port:${port}`) && screen.includes('triage-srv'), 'the listener');
    assert.equal(listening.split('\n').filter((line) => line.includes(`127.0.0.1:${port}`)).length, 1, listening);
    session.press('Enter');
    const scoped = await session.waitFor(
      (screen) => screen.includes(`scope: connections accepted by 127.0.0.1:${port} (triage-srv)`) && screen.includes('[1 Conn'),
      'the listener scope',
    );
    const rows = scoped.split('\n').filter((line) => line.includes('127.0.0.1:') && /\bESTAB\b/.test(line));
    assert.equal(rows.length, 1, `only the accepted connection:\n${scoped}`);
    assert.match(rows[0]!, /triage-srv/);
    assert.doesNotMatch(scoped, /triage-client/, 'the client side of the same flow was not accepted by the listener');
    session.type('2');
    const processes = await session.waitFor((screen) => screen.includes('[2 Proc'), 'the Processes pane');
    assert.match(processes, /triage-srv/);
    assert.doesNotMatch(processes, /triage-client|triage-leak/);
    session.press('Escape');
    await session.waitFor((screen) => !screen.includes('scope:') && screen.includes(`filter: port:${port}`), 'Esc leaves the scope, then the filter');
    session.press('Escape');
    await session.waitFor((screen) => !screen.includes('filter:'), 'the filter cleared');
  });

  it('e narrows the Events pane to one type at a time, named on the tab line', async () => {
    session.type('6');
    await session.waitFor((screen) => screen.includes('[6 Events'), 'the Events pane');
    session.type('e');
    await session.waitFor((screen) => screen.includes('type drop · sort'), 'drops only');
    session.type('e');
    const screen = await session.waitFor((text) => text.includes('type retransmit · sort'), 'retransmits only');
    const lines = screen.split('\n');
    const header = lines.findIndex((line) => /^TIME\s+TYPE/.test(line));
    const rows = lines.slice(header + 1, -2).filter((line) => /^\d\d:\d\d/.test(line));
    for (const row of rows) assert.match(row, /^\S+\s+retransmit\s/, row);
    for (let press = 0; press < 7; press++) session.type('e');
    await session.waitFor((text) => text.includes('[6 Events') && !text.includes('type ') , 'all types again');
    session.type('1');
    await session.waitFor((text) => text.includes('[1 Conn'), 'back to Connections');
  });

  it('? at 80×24 reads whole: pages turned with PgDn, no line cut', async () => {
    session.type('?');
    const first = await session.waitFor((screen) => /page 1\/\d/.test(screen), 'the help, paged');
    const count = Number(/page 1\/(\d+)/.exec(first)?.[1]);
    const pages = [first];
    for (let page = 2; page <= count; page++) {
      session.press('NPage');
      pages.push(await session.waitFor((screen) => screen.includes(`page ${page}/${count}`), `page ${page}`));
    }
    for (const page of pages) assert.doesNotMatch(page, /…/, page);
    const text = pages.join('\n').replace(/\s+/g, ' ');
    for (const words of ['q Ctrl-C F10 quit', 's Ctrl-S save a JSON snapshot of what is on screen', 'the connections a listener accepted', 'red: failing']) {
      assert.ok(text.includes(words), words);
    }
    session.press('Escape');
    await session.waitFor((screen) => /\[\d [A-Z]/.test(screen) && !/page \d/.test(screen), 'back to the table');
    session.type('q');
  });
});

describe('netscope live view at 160×45: an owner that exited', () => {
  let session: TmuxSession | undefined;
  let server: Peer | undefined;
  after(() => {
    session?.kill();
    server?.stop();
  });

  it('keeps its name, its [comm] command line and its user name, not a uid', async () => {
    const port = await freePort();
    server = startPeer('server', 'exit-srv', '127.0.0.1', port, 0);
    await server.next('listening');
    session = new TmuxSession(`${path.join(packageRoot, 'bin/netscope')} -d 500 --port ${port}`, { width: 160, height: 45 });
    await session.waitFor((screen) => screen.includes('[1 Conn'), 'netscope running', 60_000);
    // Gone within a millisecond of its connect: before the next tick can read its /proc entry.
    const child = spawn(process.execPath, ['-e', `process.title = 'gone-fast'; require('node:net').connect(${port}, '127.0.0.1', () => process.exit(0));`], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('exit', resolve));
    session.type('2');
    const screen = await session.waitFor((text) => text.includes('[2 Proc') && / gone-fast /.test(text), 'the exited process listed');
    const row = screen.split('\n').find((line) => / gone-fast /.test(line)) ?? '';
    assert.match(row, /\broot\b/, `its user by name: ${row}`);
    assert.match(row, /\[gone-fast\]/, `its command line as htop shows a gone one: ${row}`);
    session.type('q');
  });
});
