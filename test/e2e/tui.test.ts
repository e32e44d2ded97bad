/**
 * The live view in a real terminal: tmux runs `netscope` while named loopback peers hold a
 * connection open; the test reads the screen and types keys as a person would.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SnapshotDocument } from '../../src/model/snapshot-document.js';
import { packageRoot } from '../../src/probes/package-paths.js';
import { programsLeftAfter, startPeer, type Peer } from '../support/processes.js';
import { TmuxSession } from '../support/tmux.js';
import { freePort } from '../support/free-port.js';

const WIDTH = 160;
const HEIGHT = 45;


/** The table's body: the lines between the column header line and the footer. */
function rowsMentioning(screen: string, text: string): string[] {
  return screen.split('\n').filter((line) => line.includes(text));
}

describe('netscope live view in a real terminal', () => {
  const outputDirectory = mkdtempSync(path.join(tmpdir(), 'netscope-tui-'));
  const statusFile = path.join(mkdtempSync(path.join(tmpdir(), 'netscope-tui-status-')), 'exit-status');
  const peers: Peer[] = [];
  let port: number;
  let session: TmuxSession;

  before(async () => {
    port = await freePort();
    const server = startPeer('server', 'omega-srv', '127.0.0.1', port, 4096);
    peers.push(server);
    await server.next('listening');
    const client = startPeer('hold', 'alpha-client', '127.0.0.1', port, 65536, 0);
    peers.push(client);
    await client.next('connected');
    session = new TmuxSession(`${path.join(packageRoot, 'bin/netscope')} -d 500 --output-dir ${outputDirectory}; echo $? > ${statusFile}`, {
      width: WIDTH,
      height: HEIGHT,
    });
  });

  after(() => {
    session.kill();
    for (const peer of peers) peer.stop();
    rmSync(outputDirectory, { recursive: true, force: true });
    rmSync(path.dirname(statusFile), { recursive: true, force: true });
  });

  it('shows the flow: its process and its port', async () => {
    const screen = await session.waitFor(
      (text) => text.includes('alpha-client') && text.includes('omega-srv') && text.includes(String(port)),
      'the peers on screen',
    );
    assert.ok(session.alternateScreenOn(), screen);
    assert.ok(screen.trimEnd().split('\n').length <= HEIGHT);
  });

  it('/ and a name keeps only the matching rows; Esc clears', async () => {
    session.type('/alpha-client');
    await session.waitFor((text) => !text.includes('omega-srv') && text.includes('alpha-client'), 'only the client rows');
    session.press('Enter');
    await session.waitFor((text) => /filter: alpha-client/.test(text), 'the kept filter in the footer');
    session.press('Escape');
    await session.waitFor((text) => text.includes('omega-srv'), 'both peers again');
  });

  it('Tab changes pane: Processes lists the peers by process', async () => {
    session.press('Tab');
    const screen = await session.waitFor((text) => /CONNS/.test(text) && /COMMAND/.test(text) && text.includes('alpha-client'), 'the Processes pane');
    assert.equal(rowsMentioning(screen, String(port)).length, 0, 'the Processes pane shows processes, not ports');
    session.press('1');
    await session.waitFor((text) => text.includes(String(port)), 'back to Connections');
  });

  it('? shows the help', async () => {
    session.type('?');
    const help = await session.waitFor((text) => /Keys \(Esc or \? to close\)/.test(text), 'the help page');
    for (const key of [/quit/, /filter every pane/, /pause/i, /save/i]) assert.match(help, key);
    session.press('Escape');
    await session.waitFor((text) => !/Keys \(Esc/.test(text) && text.includes('RATE/s') && text.includes(String(port)), 'the table again');
  });

  it('s writes a private snapshot that holds the flow', async () => {
    session.type('s');
    const screen = await session.waitFor((text) => /saved .*netscope-\d{8}-\d{6}\.json/.test(text), 'the saved path on screen');
    const [file] = readdirSync(outputDirectory).filter((name) => /^netscope-\d{8}-\d{6}\.json$/.test(name));
    assert.ok(file, `a snapshot file in ${outputDirectory} (screen: ${screen})`);
    const saved = path.join(outputDirectory, file);
    assert.equal(statSync(saved).mode & 0o777, 0o600);
    const document = JSON.parse(readFileSync(saved, 'utf8')) as SnapshotDocument;
    assert.ok(document.connections.some((entry) => entry.comm === 'alpha-client' && entry.dport === port));
  });

  it('s under a filter saves only the rows the filter keeps, and the file names the filter', async () => {
    const before = new Set(readdirSync(outputDirectory));
    const filter = `port:${port}`;
    session.type(`/${filter}`);
    session.press('Enter');
    await session.waitFor((text) => text.includes(`filter: ${filter}`) && text.includes('alpha-client') && text.includes('omega-srv'), 'the kept filter');
    // File names have whole seconds: the unfiltered save above must not share this one's.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    session.type('s');
    const screen = await session.waitFor((text) => new RegExp(`saved \\d+ connections? \\(filter: ${filter}\\) to .*netscope-\\d{8}-\\d{6}\\.json`).test(text), 'the count and filter on screen');
    const [file] = readdirSync(outputDirectory).filter((name) => /^netscope-\d{8}-\d{6}\.json$/.test(name) && !before.has(name));
    assert.ok(file, `a new snapshot file in ${outputDirectory} (screen: ${screen})`);
    const document = JSON.parse(readFileSync(path.join(outputDirectory, file), 'utf8')) as SnapshotDocument;
    assert.ok(document.connections.length > 0);
    for (const entry of document.connections) assert.ok(entry.sport === port || entry.dport === port, `${entry.comm} ${entry.sport}→${entry.dport}`);
    assert.ok(document.connections.some((entry) => entry.comm === 'alpha-client' && entry.dport === port));
    assert.ok(document.connections.some((entry) => entry.comm === 'omega-srv' && entry.sport === port));
    assert.deepEqual(
      document.processes.map((process) => process.comm).sort(),
      ['alpha-client', 'omega-srv'],
      'the processes summed over the kept connections only',
    );
    assert.equal(document.view?.filter, filter);
    assert.match(screen, new RegExp(`saved ${document.connections.length} connections? `));
    session.press('Escape');
    await session.waitFor((text) => !text.includes(`filter: ${filter}`), 'the filter cleared');
  });

  it('q exits 0, restores the terminal and leaves no BPF program loaded', async () => {
    session.type('q');
    // The shell around netscope records its status: tmux now and then leaves the exited
    // process unreaped, and its own exit-status field empty.
    const deadline = Date.now() + 5000;
    // The shell creates the file before it writes the status: wait for the whole line.
    const statusWritten = () => existsSync(statusFile) && readFileSync(statusFile, 'utf8').endsWith('\n');
    while (!statusWritten() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(statusWritten(), `netscope exited; the screen was:\n${session.screen()}`);
    assert.equal(readFileSync(statusFile, 'utf8').trim(), '0');
    assert.equal(session.alternateScreenOn(), false, 'the alternate screen was left');
    assert.deepEqual(await programsLeftAfter(), []);
  });
});
