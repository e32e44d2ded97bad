/**
 * The host gauges in the real live view under tmux: a namespace of the test's own whose lowered
 * ip_local_port_range is 90% used by one client shows as a warning on the gauges page (L), with
 * the header's gauges line above it, and as a host-limit finding.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { packageRoot } from '../../src/probes/package-paths.js';
import { startNamespacePile, type NamespacePile } from '../support/namespace-pile.js';
import { TmuxSession } from '../support/tmux.js';

const SERVER_PORT = 5000;

describe('the gauges in the live view', () => {
  let pile: NamespacePile;
  let session: TmuxSession;

  before(async () => {
    pile = await startNamespacePile(`nst-gauges-${process.pid}-t`, SERVER_PORT, ['net.ipv4.ip_local_port_range=40000 40009']);
    await pile.run('open 9');
    session = new TmuxSession(`${path.join(packageRoot, 'bin/netscope')} -d 500`, { width: 160, height: 45 });
    // Its first pass over a busy host's sockets can take a while.
    await session.waitFor((screen) => screen.includes('gauges:'), 'the gauges line', 60_000);
  });

  after(() => {
    session.kill();
    pile.remove();
  });

  it('counts TIME_WAIT and CLOSE_WAIT in the header', () => {
    const line = session.screen().split('\n').find((candidate) => candidate.startsWith('gauges:')) ?? '';
    assert.match(line, /TIME_WAIT [\d,]+ · CLOSE_WAIT [\d,]+/);
    assert.ok(line.length <= 160);
  });

  it('L shows the namespace\'s ports to the destination as a warning, naming the client', async () => {
    session.type('L');
    const row = new RegExp(`^warning +ports +${pile.netns} +127\\.0\\.0\\.1:${SERVER_PORT} +9 +10 +90% +\\S+ \\(${pile.pid}\\) ×9`, 'm');
    const screen = await session.waitFor((text) => row.test(text), 'the warning row of the namespace', 20_000);
    assert.match(screen, /Gauges against their limits · read \d\d:\d\d:\d\d/);
    assert.match(screen, new RegExp(`^${pile.netns} +0 +0 +40000-40009 `, 'm'));
    session.press('Escape');
    await session.waitFor((text) => !text.includes('Gauges against their limits') && text.includes('1 Conn'), 'back on the table');
  });

  it('the Findings pane states it as a host limit nearly used up, naming the destination', async () => {
    session.type('!');
    const row = new RegExp(`host limit +ephemeral ports to 127\\.0\\.0\\.1:${SERVER_PORT} in network namespace ${pile.netns} are 90% used`);
    await session.waitFor((text) => row.test(text), 'the hostLimit finding', 20_000);
  });
});
