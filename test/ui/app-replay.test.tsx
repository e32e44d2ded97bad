/**
 * Frames of a replay — the real replay store over a recorded capture — and of the flight
 * recorder's `w` (and SIGUSR1) in the live view.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { stripVTControlCharacters } from 'node:util';
import { after, afterEach, describe, test } from 'node:test';
import { render } from 'ink-testing-library';
import { FlightRecorderUnavailable } from '../../src/recording/flight-dump.js';
import { UnsafeOutputError } from '../../src/output/safe-file-write.js';
import { App } from '../../src/ui/app.js';
import { ReplayCaptureStore } from '../../src/app/replay-capture-store.js';
import { initialUiState } from '../../src/ui/view-model/ui-reducer.js';
import { buildScreenInput, FakeCaptureStore } from './fake-store.js';
import { scriptedRecording } from './replay-fixture.js';
import { T0 } from '../recording/recording-builders.js';
import { formatClockTime } from '../../src/ui/view-model/format.js';
import { assertFits, linesWith, renderApp, type RenderedApp } from './render-app.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'netscope-app-replay-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const SETTLE_MS = 20;
const { recording } = scriptedRecording();

interface ReplayApp {
  store: ReplayCaptureStore;
  frame(): string;
  lines(): string[];
  press(sequence: string): Promise<void>;
  unmount(): Promise<void>;
}

let replayApp: ReplayApp | undefined;
let liveApp: RenderedApp | undefined;
afterEach(async () => {
  await replayApp?.unmount();
  liveApp?.unmount();
  replayApp = undefined;
  liveApp = undefined;
});

async function renderReplay(width: number, height: number): Promise<ReplayApp> {
  const store = new ReplayCaptureStore(recording, { modelOptions: {}, outputDirectory: scratch, speed: 1 });
  const instance = render(<App store={store} initialState={initialUiState({ intervalMs: 1000, replaySpeed: 1 })} size={{ width, height }} />);
  await delay(SETTLE_MS);
  const frame = () => stripVTControlCharacters(instance.lastFrame() ?? '');
  return {
    store,
    frame,
    lines: () => frame().split('\n').map((line) => line.trimEnd()),
    press: async (sequence) => {
      instance.stdin.write(sequence);
      await delay(SETTLE_MS);
    },
    unmount: async () => {
      instance.unmount();
      await store.stop();
    },
  };
}

/** The header's replay line. */
function replayLine(app: ReplayApp): string {
  const line = app.lines().find((candidate) => candidate.startsWith('replay '));
  assert.ok(line !== undefined, app.frame());
  return line;
}

describe('a replay in the live view', () => {
  for (const { width, height } of [
    { width: 80, height: 24 },
    { width: 160, height: 45 },
  ]) {
    test(`at ${width}×${height}: the header says replay and shows where the replay is; the footer its keys`, async () => {
      replayApp = await renderReplay(width, height);
      const lines = replayApp.lines();
      // The first recorded tick (1 s after the recording's start) on screen, by its time of day.
      assert.equal(lines[0], `netscope · web-1 · up 990ms · at ${formatClockTime(T0 + 1000)} · replay`);
      assert.equal(lines[4], 'probes off: kfree_skb (unsupported)');
      assert.equal(lines[5], `replay 1.0s / 12s ${'━'.repeat(3)}${'─'.repeat(37)} ×1`);
      assert.ok(linesWith(replayApp.frame(), '10.0.0.3:5432').length === 1, 'the recorded connections are listed');
      if (width === 160) assert.match(replayApp.frame(), /Space pause {2}\. , step {2}\[ \] ×1 {2}s save/);
      assertFits(replayApp.frame(), width, height);
    });
  }

  test('. steps forward and pauses, , steps back, ] and [ change the speed shown', async () => {
    replayApp = await renderReplay(80, 24);
    await replayApp.press('.');
    await replayApp.press('.');
    assert.match(replayLine(replayApp), /^replay 3\.0s \/ 12s ━+─+ ×1$/);
    assert.match(replayApp.lines()[0] ?? '', /PAUSED/);
    await replayApp.press(',');
    assert.match(replayLine(replayApp), /^replay 2\.0s \/ 12s /);
    await replayApp.press(']');
    await replayApp.press(']');
    assert.match(replayLine(replayApp), / ×4$/);
    await replayApp.press('[');
    await replayApp.press('[');
    await replayApp.press('[');
    assert.match(replayLine(replayApp), / ×0\.5$/);
  });

  test('stepping to the end says so; the connections that closed show closed', async () => {
    replayApp = await renderReplay(160, 45);
    for (let step = 0; step < 12; step++) await replayApp.press('.');
    assert.match(replayLine(replayApp), /^replay 12s \/ 12s ━{40} ×1 · end$/);
    assert.match(replayApp.lines()[1] ?? '', /2 closed/);
  });

  test('Space pauses playback, Space resumes it', async () => {
    replayApp = await renderReplay(80, 24);
    await replayApp.press(' ');
    assert.match(replayApp.lines()[0] ?? '', /PAUSED/);
    await replayApp.press(' ');
    assert.doesNotMatch(replayApp.lines()[0] ?? '', /PAUSED/);
  });

  test('w says a replay has nothing new to write', async () => {
    replayApp = await renderReplay(120, 30);
    await replayApp.press('w');
    assert.equal(linesWith(replayApp.frame(), 'this is a replay: it has nothing new to write — s saves a JSON snapshot of this moment').length, 1, replayApp.frame());
  });
});

describe('the flight recorder in the live view', () => {
  test('w writes it and the footer says where, and over what span', async () => {
    liveApp = await renderApp({ width: 120, height: 30 });
    await liveApp.press('w');
    assert.equal(liveApp.store.flightWriteCount, 1);
    assert.equal(linesWith(liveApp.frame(), 'flight recorder: wrote the last 4m12s to /root/netscope-flight-20250115-120000.ndjson').length, 1, liveApp.frame());
  });

  test('SIGUSR1 does the same while the screen is up (instead of ending netscope)', async () => {
    liveApp = await renderApp({ width: 120, height: 30 });
    process.emit('SIGUSR1');
    await delay(SETTLE_MS);
    assert.equal(liveApp.store.flightWriteCount, 1);
    assert.match(liveApp.frame(), /flight recorder: wrote the last 4m12s/);
    liveApp.unmount();
    liveApp = undefined;
    assert.equal(process.listenerCount('SIGUSR1'), 0, 'the listener goes with the screen');
  });

  test('off, or unable to write: the reason and its fix', async () => {
    const off = new FakeCaptureStore(buildScreenInput(), undefined, () => {
      throw new FlightRecorderUnavailable('the flight recorder is off (--flight-minutes 0)', 'start netscope without --flight-minutes 0 to keep the last minutes in memory');
    });
    liveApp = await renderApp({ width: 160, height: 45, store: off });
    await liveApp.press('w');
    assert.match(liveApp.frame(), /the flight recorder is off \(--flight-minutes 0\) — start netscope without/);
    liveApp.unmount();
    const unsafe = new FakeCaptureStore(buildScreenInput(), undefined, () => {
      throw new UnsafeOutputError('cannot write /srv/x: directory /srv is writable by other users without the sticky bit', 'choose another path');
    });
    liveApp = await renderApp({ width: 160, height: 45, store: unsafe });
    await liveApp.press('w');
    assert.match(liveApp.frame(), /writable by other users without the sticky bit — choose another path/);
  });

  test('the replay keys do nothing live', async () => {
    liveApp = await renderApp({ width: 80, height: 24 });
    const before = liveApp.frame();
    for (const key of ['.', ',', '[', ']']) await liveApp.press(key);
    assert.equal(liveApp.frame(), before);
  });
});
