/** The keys, state and lines of a replay (and of the flight recorder's `w`): keymap, reducer, header, footer, help. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { commandForKey, type KeyContext } from '../../../src/ui/keymap.js';
import { footerLineCount } from '../../../src/ui/view-model/select-footer.js';
import { headerLineCount } from '../../../src/ui/view-model/select-header.js';
import { selectScreen } from '../../../src/ui/view-model/select-screen.js';
import { displayWidth } from '../../../src/ui/view-model/text-width.js';
import { FASTEST_REPLAY_SPEED, SLOWEST_REPLAY_SPEED, initialUiState, uiReducer } from '../../../src/ui/view-model/ui-reducer.js';
import type { UiAction, UiState } from '../../../src/ui/view-model/ui-state.js';
import type { ReplayProgress } from '../../../src/ui/view-model/screen-input.js';
import { key } from '../ink-key.js';
import { manyConnections, screenInput, snapshot, source } from './snapshot-builder.js';

const NO_KEY = key();
const browsing: KeyContext = { filterEditing: false, filterText: '', navigation: { keys: [], pageSize: 10 }, selectedKey: null, helpPageCount: null };

const live = initialUiState({ intervalMs: 1000 });
const replaying = initialUiState({ intervalMs: 1000, replaySpeed: 1 });

function reduce(state: UiState, ...actions: UiAction[]): UiState {
  return actions.reduce(uiReducer, state);
}

function progress(fields: Partial<ReplayProgress> = {}): ReplayProgress {
  return { positionMs: 72_000, durationMs: 600_000, atEnd: false, ...fields };
}

describe('replay keys', () => {
  test('. and , step, ] and [ double and halve the speed, w writes the flight recorder', () => {
    assert.deepEqual(commandForKey('.', NO_KEY, browsing), { type: 'stepReplay', direction: 1 });
    assert.deepEqual(commandForKey(',', NO_KEY, browsing), { type: 'stepReplay', direction: -1 });
    assert.deepEqual(commandForKey(']', NO_KEY, browsing), { type: 'changeReplaySpeed', direction: 1 });
    assert.deepEqual(commandForKey('[', NO_KEY, browsing), { type: 'changeReplaySpeed', direction: -1 });
    assert.equal(commandForKey('w', NO_KEY, browsing), 'writeFlightRecording');
  });

  test('in the filter prompt they are text', () => {
    const typing = { ...browsing, filterEditing: true, filterText: 'a' };
    for (const character of ['.', ',', '[', ']', 'w']) {
      assert.deepEqual(commandForKey(character, NO_KEY, typing), { type: 'editFilter', text: `a${character}` });
    }
  });
});

describe('replay state', () => {
  test('--replay starts with --speed; a live capture has no replay speed', () => {
    assert.equal(replaying.replaySpeed, 1);
    assert.equal(initialUiState({ intervalMs: 1000, replaySpeed: 0.25 }).replaySpeed, 0.25);
    assert.equal(live.replaySpeed, null);
  });

  test('] doubles and [ halves, within 1/64 and 1024', () => {
    assert.equal(reduce(replaying, { type: 'changeReplaySpeed', direction: 1 }, { type: 'changeReplaySpeed', direction: 1 }).replaySpeed, 4);
    assert.equal(reduce(replaying, { type: 'changeReplaySpeed', direction: -1 }).replaySpeed, 0.5);
    const fastest = { ...replaying, replaySpeed: FASTEST_REPLAY_SPEED };
    assert.equal(uiReducer(fastest, { type: 'changeReplaySpeed', direction: 1 }), fastest);
    const slowest = { ...replaying, replaySpeed: SLOWEST_REPLAY_SPEED };
    assert.equal(uiReducer(slowest, { type: 'changeReplaySpeed', direction: -1 }), slowest);
  });

  test('a step pauses the replay; stepping while paused changes nothing more', () => {
    const stepped = uiReducer(replaying, { type: 'stepReplay', direction: 1 });
    assert.equal(stepped.paused, true);
    assert.equal(uiReducer(stepped, { type: 'stepReplay', direction: -1 }), stepped);
  });

  test('+ and - leave a replay alone: it ticks when the recording did', () => {
    assert.equal(uiReducer(replaying, { type: 'changeInterval', direction: 1 }), replaying);
  });

  test('in a live capture the replay keys change nothing', () => {
    for (const action of [{ type: 'stepReplay', direction: 1 }, { type: 'changeReplaySpeed', direction: 1 }] as const) {
      assert.equal(uiReducer(live, action), live);
    }
  });
});

describe('replay lines', () => {
  const model = snapshot();

  test('the header says replay, no interval, and a position bar with the speed', () => {
    const { header } = selectScreen(screenInput(model, { source: source({ kind: 'replay' }), replay: progress() }), { ...replaying, replaySpeed: 2 }, { width: 80, height: 24 });
    assert.match(header.title, /^netscope · vm · up .+ · replay$/);
    assert.equal(header.replay, `replay 1m12s / 10m00s ${'━'.repeat(5)}${'─'.repeat(35)} ×2`);
    const ended = selectScreen(screenInput(model, { replay: progress({ positionMs: 600_000, atEnd: true }) }), replaying, { width: 80, height: 24 }).header;
    assert.equal(ended.replay, `replay 10m00s / 10m00s ${'━'.repeat(40)} ×1 · end`);
    const narrow = selectScreen(screenInput(model, { replay: progress() }), { ...replaying, replaySpeed: 0.25 }, { width: 60, height: 15 }).header;
    assert.ok(displayWidth(narrow.replay ?? '') <= 60, narrow.replay ?? '');
    assert.match(narrow.replay ?? '', /^replay 1m12s \/ 10m00s ━+─+ ×0\.25$/);
  });

  test('the replay title names the recorded time of day at the position, to the second', () => {
    const at = new Date(2026, 11, 2, 9, 14, 7, 650).getTime();
    const { header } = selectScreen(screenInput(snapshot({ atMs: at }), { source: source({ kind: 'replay' }), replay: progress() }), replaying, { width: 80, height: 24 });
    assert.match(header.title, / · up .+ · at 09:14:07 · replay$/);
    const live = selectScreen(screenInput(snapshot({ atMs: at })), { ...replaying, replaySpeed: null }, { width: 80, height: 24 }).header;
    assert.doesNotMatch(live.title, /09:14:07/, 'a live title has the uptime and the interval, no clock');
  });

  test('a live header has no replay line and keeps its interval', () => {
    const { header } = selectScreen(screenInput(model), live, { width: 80, height: 24 });
    assert.equal(header.replay, null);
    assert.match(header.title, / · ebpf · every 1s$/);
  });

  test('the footer offers step and speed in a replay, the flight recorder live', () => {
    const replayKeys = selectScreen(screenInput(model, { replay: progress() }), replaying, { width: 200, height: 24 }).footer.keys;
    assert.match(replayKeys, /Space pause {2}\. , step {2}\[ \] ×1 {2}s save {2}t hide closed$/);
    assert.doesNotMatch(replayKeys, /\+ -|w flight/);
    assert.match(selectScreen(screenInput(model), live, { width: 200, height: 24 }).footer.keys, /s save {2}w flight rec {2}t hide closed$/);
  });

  test('the capture\'s notice shows in the footer as a warning, after a transient message', () => {
    const noticed = screenInput(model, { notice: 'recording r.ndjson reached its size cap' });
    assert.deepEqual(selectScreen(noticed, live, { width: 100, height: 24 }).footer.message, { text: 'recording r.ndjson reached its size cap', tone: 'warn' });
    const withMessage = { ...live, message: { text: 'saved /tmp/x.json', tone: 'info' as const } };
    assert.equal(selectScreen(noticed, withMessage, { width: 100, height: 24 }).footer.message?.text, 'saved /tmp/x.json');
  });

  test('help lists w, . , and [ ]', () => {
    const screen = selectScreen(screenInput(model), { ...live, view: { kind: 'help' } }, { width: 100, height: 40 });
    const keys = screen.body.kind === 'help' ? screen.body.help.entries.map(([keysText]) => keysText) : [];
    for (const key of ['w', '.  ,', '[  ]']) assert.ok(keys.includes(key), key);
  });

  test('the frame still fits with the replay line and every other optional line', () => {
    const crowded = screenInput(snapshot({ connections: manyConnections(500) }), {
      source: source({ kind: 'replay', probes: [{ name: 'kfree_skb', status: 'unsupported', reason: 'no tracepoint' }] }),
      replay: progress(),
      notice: 'recording stopped',
    });
    const heaviest = { ...replaying, scope: { kind: 'process' as const, pid: 1003 }, filter: { text: 'nginx', editing: false } };
    for (const size of [
      { width: 160, height: 45 },
      { width: 80, height: 24 },
      { width: 60, height: 15 },
    ]) {
      const screen = selectScreen(crowded, heaviest, size);
      assert.equal(headerLineCount(screen.header), 7);
      const body = screen.body.kind === 'table' ? 1 + screen.body.table.rows.length : 0;
      assert.ok(headerLineCount(screen.header) + 1 + body + footerLineCount(screen.footer) <= size.height, `${size.width}×${size.height}`);
    }
  });
});
