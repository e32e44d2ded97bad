import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { buildScreenInput, FakeCaptureStore } from './fake-store.js';
import { assertFits, keys, linesWith, renderApp, type RenderedApp } from './render-app.js';
import { T0, connection, snapshot } from './view-model/snapshot-builder.js';

const edge = { name: 'edge.cdn.test', source: 'dns' as const, atMs: T0 };
// A CDN's three edges carry most of the bytes, so the group is the top row by bytes.
const data = snapshot({
  connections: [
    connection({ id: 1, daddr: '198.51.100.4', bytesSent: 9000, peerName: edge }),
    connection({ id: 2, daddr: '198.51.100.30', bytesSent: 8000, peerName: edge }),
    connection({ id: 3, daddr: '198.51.100.100', bytesSent: 7000, peerName: edge }),
    connection({ id: 4, daddr: '203.0.113.9', bytesSent: 10, bytesReceived: 10 }),
  ],
});

let app: RenderedApp | undefined;
afterEach(() => app?.unmount());

for (const { width, height } of [
  { width: 80, height: 24 },
  { width: 160, height: 45 },
]) {
  describe(`Peers grouped by name at ${width}×${height}`, () => {
    test('one row for the name saying how many addresses; n shows each address; Enter scopes to all of them', async () => {
      app = await renderApp({ width, height, store: new FakeCaptureStore(buildScreenInput(data)) });
      await app.press('4');
      let frame = app.frame();
      assertFits(frame, width, height);
      const group = linesWith(frame, '3 addresses');
      assert.equal(group.length, 1, frame);
      assert.match(group[0] ?? '', /edge\.cdn\.test/);
      assert.equal(linesWith(frame, '198.51.100.').length, 0, `no single edge address while grouped:\n${frame}`);
      assert.equal(linesWith(frame, '203.0.113.9').length, 1, 'an unnamed peer stays its own row');

      await app.press('n');
      frame = app.frame();
      assertFits(frame, width, height);
      assert.equal(linesWith(frame, '3 addresses').length, 0, frame);
      for (const address of ['198.51.100.4', '198.51.100.30', '198.51.100.100']) assert.equal(linesWith(frame, address).length, 1, `${address} in\n${frame}`);

      await app.press('n');
      await app.press(keys.enter);
      frame = app.frame();
      assertFits(frame, width, height);
      assert.equal(linesWith(frame, 'scope: peer edge.cdn.test (3 addresses)').length, 1, frame);
      // The Connections pane keeps the three edges' connections, and not the unnamed peer's.
      assert.equal(linesWith(frame, 'edge.cdn.test:443').length, 3, frame);
      assert.equal(linesWith(frame, '203.0.113.9').length, 0, frame);
    });
  });
}
