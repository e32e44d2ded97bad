import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { BaselineChanges } from '../../src/model/baseline-changes.js';
import { buildScreenInput, FakeCaptureStore } from './fake-store.js';
import { assertFits, keys, renderApp, type RenderedApp } from './render-app.js';

let app: RenderedApp | undefined;
afterEach(() => app?.unmount());

const BASELINE_AT = Date.UTC(2025, 0, 15, 3, 12, 4);

function changes(fields: Partial<BaselineChanges> = {}): BaselineChanges {
  return {
    baselineAtMs: BASELINE_AT,
    peers: { appeared: ['10.0.3.7'], gone: ['10.0.3.9'] },
    listeners: { appeared: ['debug-srv :6060'], gone: [] },
    containers: { appeared: [], gone: [] },
    processes: { startedTalking: ['worker in shop/worker/app'], stoppedTalking: ['cron'] },
    moved: [
      { subject: 'peer', key: '10.0.3.7', metric: 'retransmitShare', before: 0.001, after: 0.05, factor: 50 },
      { subject: 'process', key: 'api', metric: 'traffic', before: 100 * 1024, after: 25 * 1024, factor: 0.25 },
    ],
    ...fields,
  };
}

for (const { width, height } of [
  { width: 80, height: 24 },
  { width: 160, height: 45 },
]) {
  describe(`the Changes page at ${width}×${height}`, () => {
    test('B opens it: what appeared, what went, what moved with before → after; Esc goes back', async () => {
      const store = new FakeCaptureStore({ ...buildScreenInput(), changes: { changes: changes(), origin: 'snapshot', file: 'fine.json' } });
      app = await renderApp({ width, height, store });
      await app.press('B');
      const frame = app.frame();
      assert.match(frame, /Changes since the baseline of \d\d:\d\d:\d\d\.\d{3} \(snapshot fine\.json\)/);
      assert.match(frame, /^listeners\s+\+ debug-srv :6060$/m);
      assert.match(frame, /^processes\s+\+ worker in shop\/worker\/app$/m);
      assert.match(frame, /^\s+− cron$/m);
      assert.match(frame, /^peers\s+\+ 10\.0\.3\.7$/m);
      assert.match(frame, /^\s+− 10\.0\.3\.9$/m);
      assert.match(frame, /^moved peer\s+10\.0\.3\.7  retransmits 0\.10% → 5\.00% \(×50\.0\)$/m);
      assert.match(frame, /^moved\s+api  traffic 100(\.0)? KiB\/s → 25(\.0)? KiB\/s \(÷4\.0\)$/m);
      assertFits(frame, width, height);
      await app.press(keys.escape);
      assert.doesNotMatch(app.frame(), /Changes since/);
    });

    test('without a baseline it says how to get one; with nothing changed it says so', async () => {
      const store = new FakeCaptureStore(buildScreenInput());
      app = await renderApp({ width, height, store });
      await app.press('B');
      assert.match(app.frame().replaceAll('\n', ' '), /No baseline yet: b marks this moment/);
      store.publish({
        ...buildScreenInput(),
        changes: {
          changes: changes({ peers: { appeared: [], gone: [] }, listeners: { appeared: [], gone: [] }, processes: { startedTalking: [], stoppedTalking: [] }, moved: [] }),
          origin: 'mark',
          file: null,
        },
      });
      await app.press('');
      assert.match(app.frame(), /Changes since the baseline of \d\d:\d\d:\d\d\.\d{3} \(marked with b\)/);
      assert.match(app.frame(), /Nothing changed since the baseline\./);
    });

    test('with a baseline, changed rows carry + (appeared) or ~ (moved) in a gutter; the rest a blank', async () => {
      const marked = changes({
        processes: { startedTalking: ['nginx in web'], stoppedTalking: [] },
        peers: { appeared: [], gone: [] },
        moved: [{ subject: 'peer', key: '93.184.216.34', metric: 'traffic', before: 1024 * 1024, after: 100, factor: 0.0001 }],
      });
      const store = new FakeCaptureStore({ ...buildScreenInput(), changes: { changes: marked, origin: 'mark', file: null } });
      app = await renderApp({ width, height, store });
      assert.match(app.frame(), /^\+ .*203\.0\.113\.7/m, "nginx's connection: its process started talking");
      assert.match(app.frame(), /^~ .*93\.184\.216\.34/m, "curl's connection: its peer's traffic moved");
      assert.match(app.frame(), /^  .*198\.51\.100\.9/m, 'an unchanged connection has a blank gutter');
      await app.press('2');
      assert.match(app.frame(), /^\+ .*nginx/m, 'a process by its name and container');
      assert.match(app.frame(), /^  .*curl/m);
      await app.press('3');
      assert.match(app.frame(), /^  .*web/m, 'the container was there before');
      assertFits(app.frame(), width, height);
    });

    test('without a baseline there is no gutter', async () => {
      app = await renderApp({ width, height });
      assert.match(app.frame(), /^10\.0\.0\.5:40522|^\S/m);
      assert.doesNotMatch(app.frame(), /^[+~] /m);
    });

    test('b marks the moment on screen as the baseline and says so in the footer', async () => {
      const store = new FakeCaptureStore(buildScreenInput());
      app = await renderApp({ width, height, store });
      await app.press('b');
      assert.equal(store.baselineMarks, 1);
      assert.match(app.frame(), /baseline marked at \d\d:\d\d:\d\d\.\d{3} — B shows what changes from here/);
    });
  });
}
