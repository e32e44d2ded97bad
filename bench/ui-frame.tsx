/**
 * TUI benchmark: the cost of one frame (selectors, then Ink re-rendering the mounted app into
 * a fake 160×45 stdout) after a tick, and of one filter keystroke, at 1,000 and 10,000
 * connections — side by side, so the ratio shows the cost follows the visible rows, not the
 * table. Targets: frame ≤ 16 ms, keystroke ≤ 50 ms at 10,000 connections.
 *
 *   npm run bench   (or: NODE_ENV=production bin/node-runtime dist/bench/ui-frame.js — production, as
 *   bin/netscope runs; React reads NODE_ENV when it loads)
 */
import { EventEmitter } from 'node:events';
import { render, type Instance } from 'ink';
import type { ModelSnapshot } from '../src/model/snapshot-types.js';
import { Screen } from '../src/ui/components/screen.js';
import { selectScreen } from '../src/ui/view-model/select-screen.js';
import type { ScreenInput } from '../src/ui/view-model/screen-input.js';
import { initialUiState } from '../src/ui/view-model/ui-reducer.js';
import type { UiState } from '../src/ui/view-model/ui-state.js';
import { SYNTHETIC_START_MS, churnTick, syntheticModel } from './synthetic-traffic.js';

const SIZE = { width: 160, height: 45 };
const FRAMES = 40;
const TYPED = 'nginx 443';
const FRAME_TARGET_MS = 16;
const KEYSTROKE_TARGET_MS = 50;
/** Connections opened and closed per tick while keys are typed: 800/s, the churn bench's rate. */
const CHURN_PER_TICK = 800;

function inputFor(snapshot: ModelSnapshot): ScreenInput {
  return {
    snapshot,
    findings: [],
    source: { kind: 'ebpf', probes: [] },
    host: { hostname: 'bench', kernel: 'bench' },
    detailRates: { send: [], receive: [] },
    notice: null,
    replay: null,
    changes: null,
  };
}

/** A terminal-sized sink: Ink writes every frame here (debug mode: no throttling). */
class FakeStdout extends EventEmitter {
  readonly columns = SIZE.width;
  readonly rows = SIZE.height;
  readonly isTTY = true;
  bytes = 0;
  write(chunk: string): boolean {
    this.bytes += chunk.length;
    return true;
  }
}

let mounted: Instance | null = null;

const selectorMs: number[] = [];

function frameMs(input: ScreenInput, state: UiState): number {
  const started = performance.now();
  const screen = selectScreen(input, state, SIZE);
  selectorMs.push(performance.now() - started);
  if (mounted === null) {
    mounted = render(<Screen screen={screen} />, {
      stdout: new FakeStdout() as unknown as NodeJS.WriteStream,
      debug: true,
      patchConsole: false,
      exitOnCtrlC: false,
    });
  } else {
    mounted.rerender(<Screen screen={screen} />);
  }
  return performance.now() - started;
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
}

interface Figures {
  frameMedian: number;
  frameP95: number;
  frameSelectorsMedian: number;
  keyMedian: number;
  keyWorst: number;
  /** A keystroke whose frame also carries a new tick of churn (800 opened, 800 closed). */
  churnKeyMedian: number;
  churnKeyWorst: number;
  /**
   * A key typed while a churn tick's model work runs, as the live view draws it, interleaved:
   * published at once, the tick's frame is drawn and then the key's (`tickFirst`: both frames);
   * published after the keys that came in (live-capture-store.ts), the key's frame is drawn on
   * the snapshot already on screen and the tick's after it (`keyFirst`: the key's frame alone).
   */
  tickFirstMedian: number;
  tickFirstWorst: number;
  keyFirstMedian: number;
  keyFirstWorst: number;
}

function measure(connections: number): Figures {
  const model = syntheticModel(connections);
  selectorMs.length = 0;
  const state = initialUiState({ intervalMs: 1000 });
  const frames: number[] = [];
  for (let tick = 1; tick <= FRAMES; tick++) {
    frames.push(frameMs(inputFor(model.tick(SYNTHETIC_START_MS + 1000 * (tick + 1))), state));
  }
  const frameSelectorsMedian = percentile(selectorMs, 0.5);
  const input = inputFor(model.tick(SYNTHETIC_START_MS + 1000 * (FRAMES + 2)));
  const keystrokes: number[] = [];
  for (let round = 0; round < 5; round++) {
    for (let length = 1; length <= TYPED.length; length++) {
      keystrokes.push(frameMs(input, { ...state, filter: { text: TYPED.slice(0, length), editing: true } }));
    }
  }
  // Each keystroke lands with a tick of churn: the worst case, both the filter and the rows changed.
  const churnKeystrokes: number[] = [];
  let nextIndex = connections;
  let atMs = SYNTHETIC_START_MS + 1000 * (FRAMES + 3);
  for (let round = 0; round < 3; round++) {
    for (let length = 1; length <= TYPED.length; length++) {
      churnTick(model, nextIndex, CHURN_PER_TICK, atMs);
      nextIndex += CHURN_PER_TICK;
      const churned = inputFor(model.tick((atMs += 1000)));
      churnKeystrokes.push(frameMs(churned, { ...state, filter: { text: TYPED.slice(0, length), editing: true } }));
    }
  }
  const tickFirst: number[] = [];
  const keyFirst: number[] = [];
  let shown = inputFor(model.tick((atMs += 1000)));
  let shownFilter = '';
  for (let round = 0; round < 6; round++) {
    for (let length = 1; length <= TYPED.length; length++) {
      churnTick(model, nextIndex, CHURN_PER_TICK, atMs);
      nextIndex += CHURN_PER_TICK;
      const churned = inputFor(model.tick((atMs += 1000)));
      const typed = { ...state, filter: { text: TYPED.slice(0, length), editing: true } };
      if ((round + length) % 2 === 0) {
        tickFirst.push(frameMs(churned, { ...state, filter: { text: shownFilter, editing: true } }) + frameMs(churned, typed));
      } else {
        keyFirst.push(frameMs(shown, typed));
        frameMs(churned, typed);
      }
      shown = churned;
      shownFilter = typed.filter.text;
    }
  }
  return {
    tickFirstMedian: percentile(tickFirst, 0.5),
    tickFirstWorst: Math.max(...tickFirst),
    keyFirstMedian: percentile(keyFirst, 0.5),
    keyFirstWorst: Math.max(...keyFirst),
    churnKeyMedian: percentile(churnKeystrokes, 0.5),
    churnKeyWorst: Math.max(...churnKeystrokes),
    frameMedian: percentile(frames, 0.5),
    frameP95: percentile(frames, 0.95),
    frameSelectorsMedian,
    keyMedian: percentile(keystrokes, 0.5),
    keyWorst: Math.max(...keystrokes),
  };
}

measure(1_000); // warm-up: JIT and Ink's first mount
const small = measure(1_000);
const large = measure(10_000);
(mounted as Instance | null)?.unmount();
const row = (name: string, a: number, b: number) =>
  console.log(name.padEnd(34), `${a.toFixed(1)} ms`.padStart(12), `${b.toFixed(1)} ms`.padStart(12), `${(b / a).toFixed(2)}×`.padStart(10));
console.log(`netscope TUI frame benchmark — ${SIZE.width}×${SIZE.height}, selectors + Ink re-render into a fake stdout, NODE_ENV=${process.env.NODE_ENV}`);
console.log('figure'.padEnd(34), '1k conns'.padStart(12), '10k conns'.padStart(12), '10k / 1k'.padStart(10));
row('frame after a tick, median', small.frameMedian, large.frameMedian);
row('frame after a tick, p95', small.frameP95, large.frameP95);
row('  of which selectors, median', small.frameSelectorsMedian, large.frameSelectorsMedian);
row(`filter keystroke, median`, small.keyMedian, large.keyMedian);
row(`filter keystroke, worst`, small.keyWorst, large.keyWorst);
row(`keystroke + churn tick, median`, small.churnKeyMedian, large.churnKeyMedian);
row(`keystroke + churn tick, worst`, small.churnKeyWorst, large.churnKeyWorst);
row(`key in a tick: tick first, med`, small.tickFirstMedian, large.tickFirstMedian);
row(`key in a tick: tick first, worst`, small.tickFirstWorst, large.tickFirstWorst);
row(`key in a tick: key first, med`, small.keyFirstMedian, large.keyFirstMedian);
row(`key in a tick: key first, worst`, small.keyFirstWorst, large.keyFirstWorst);
console.log(`frame ≤ ${FRAME_TARGET_MS} ms at 10k (median): ${large.frameMedian <= FRAME_TARGET_MS ? 'PASS' : 'SHORT'} (p95 ${large.frameP95.toFixed(1)} ms)`);
console.log(`keystroke ≤ ${KEYSTROKE_TARGET_MS} ms at 10k (worst): ${large.keyWorst <= KEYSTROKE_TARGET_MS ? 'PASS' : 'SHORT'}`);
console.log(`keystroke with ${CHURN_PER_TICK} connections churned ≤ ${KEYSTROKE_TARGET_MS} ms at 10k (median): ${large.churnKeyMedian <= KEYSTROKE_TARGET_MS ? 'PASS' : 'SHORT'} (worst ${large.churnKeyWorst.toFixed(1)} ms)`);
console.log(`key typed in a churn tick, drawn first, ≤ ${KEYSTROKE_TARGET_MS} ms at 10k (worst): ${large.keyFirstWorst <= KEYSTROKE_TARGET_MS ? 'PASS' : 'SHORT'} (tick first: worst ${large.tickFirstWorst.toFixed(1)} ms)`);
